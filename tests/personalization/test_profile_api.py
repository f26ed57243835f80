"""``/v1/me/profile``: the customer reads, sets and deletes their own profile; it is kept
only with consent to personalization, sealed, exported and erased with them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.audit.models import AuditEntry
from confide.personalization.models import Profile
from confide.runtime import Runtime
from confide.subjects.service import shred_subject
from tests.conftest import Chat
from tests.rights.helpers import subject_of, unzip

PATH = "/v1/me/profile"
SETTINGS = {
    "name": "Alex Example",
    "language": "en",
    "contact_preference": "email",
    "preferences": ["no phone calls", "gift wrap"],
}
EMPTY = {
    "name": None,
    "language": None,
    "contact_preference": None,
    "preferences": [],
    "orders": [],
    "issues": [],
}


def consent(chat: Chat, granted: bool = True) -> None:
    response = chat.client.put(
        "/v1/me/consents/personalization", json={"granted": granted}, headers=chat.headers
    )
    assert response.status_code == 200, response.text


def get_profile(chat: Chat) -> dict[str, Any]:
    response = chat.client.get(PATH, headers=chat.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def put_profile(chat: Chat, body: dict[str, Any] = SETTINGS) -> dict[str, Any]:
    response = chat.client.put(PATH, json=body, headers=chat.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def stored(runtime: Runtime, chat: Chat) -> Profile | None:
    with runtime.work() as session:
        return session.get(Profile, subject_of(chat))


def audit_entries(runtime: Runtime, action: str) -> list[tuple[str, str | None]]:
    with runtime.work() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [(e.actor, e.reason) for e in entries]


def test_a_customer_without_a_profile_gets_an_empty_one(chat: Chat) -> None:
    assert get_profile(chat) == {**EMPTY, "personalization": False}
    consent(chat)
    assert get_profile(chat) == {**EMPTY, "personalization": True}


def test_without_consent_the_profile_is_refused_and_nothing_is_stored(
    runtime: Runtime, chat: Chat
) -> None:
    response = chat.client.put(PATH, json=SETTINGS, headers=chat.headers)
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "ConsentRequired"
    assert "consent to personalization" in body["detail"]
    assert "PUT /v1/me/consents/personalization" in body["detail"]
    assert stored(runtime, chat) is None
    assert audit_entries(runtime, "personalization.profile_updated") == []


def test_with_consent_the_profile_is_stored_sealed_and_read_back(
    runtime: Runtime, chat: Chat
) -> None:
    consent(chat)
    expected = {**EMPTY, **SETTINGS, "personalization": True}
    assert put_profile(chat) == expected
    assert get_profile(chat) == expected
    row = stored(runtime, chat)
    assert row is not None
    assert b"Alex Example" not in row.data_ct and b"gift wrap" not in row.data_ct
    assert audit_entries(runtime, "personalization.profile_updated") == [("customer:token", None)]


def test_put_replaces_every_stated_field(chat: Chat) -> None:
    consent(chat)
    put_profile(chat)
    replaced = put_profile(chat, {"language": "fr-CA", "preferences": ["  no calls  "]})
    assert replaced == {
        **EMPTY,
        "language": "fr-CA",
        "preferences": ["no calls"],
        "personalization": True,
    }


def test_put_keeps_what_the_assistant_remembers(chat: Chat) -> None:
    consent(chat)
    chat.say("Where is my order?")
    assert chat.say("NW-10421")["result"]["order_number"] == "NW-10421"  # type: ignore[index]
    remembered = get_profile(chat)["orders"]
    assert [o["number"] for o in remembered] == ["NW-10421"]
    assert put_profile(chat)["orders"] == remembered


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SETTINGS, "email": "alex@example.com"}, "email"),
        ({**SETTINGS, "name": "A" * 201}, "name"),
        ({**SETTINGS, "name": "   "}, "name"),
        ({**SETTINGS, "preferences": [f"preference {i}" for i in range(11)]}, "preferences"),
        ({**SETTINGS, "preferences": ["x" * 201]}, "preferences.0"),
        ({**SETTINGS, "language": "English"}, "language"),
        ({**SETTINGS, "contact_preference": "pigeon"}, "contact_preference"),
        ({**SETTINGS, "orders": []}, "orders"),
    ],
    ids=[
        "unknown-field",
        "long-name",
        "blank-name",
        "11-preferences",
        "long-preference",
        "bad-language",
        "bad-contact",
        "remembered-field",
    ],
)
def test_invalid_input_is_refused_and_changes_nothing(
    runtime: Runtime, chat: Chat, body: dict[str, Any], field: str
) -> None:
    consent(chat)
    before = put_profile(chat)
    sealed = stored(runtime, chat)
    assert sealed is not None
    response = chat.client.put(PATH, json=body, headers=chat.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"
    assert response.json()["detail"].startswith(f"{field}:")
    assert get_profile(chat) == before
    after = stored(runtime, chat)
    assert after is not None and after.data_ct == sealed.data_ct


def test_withdrawing_consent_deletes_the_profile(runtime: Runtime, chat: Chat) -> None:
    consent(chat)
    put_profile(chat)
    consent(chat, False)
    assert stored(runtime, chat) is None
    assert get_profile(chat) == {**EMPTY, "personalization": False}
    assert audit_entries(runtime, "personalization.profile_deleted") == [
        ("system", "personalization withdrawn")
    ]


def test_delete_removes_the_profile_keeps_the_consent_and_can_be_repeated(
    runtime: Runtime, chat: Chat
) -> None:
    consent(chat)
    put_profile(chat)
    for _ in range(2):
        response = chat.client.delete(PATH, headers=chat.headers)
        assert (response.status_code, response.content) == (204, b"")
        assert stored(runtime, chat) is None
    assert get_profile(chat) == {**EMPTY, "personalization": True}
    # Audited once: the second call had nothing to delete.
    assert audit_entries(runtime, "personalization.profile_deleted") == [
        ("customer:token", "the customer deleted their profile")
    ]


def test_a_returning_customer_reads_the_same_profile(client: TestClient, chat: Chat) -> None:
    consent(chat)
    put_profile(chat)
    response = client.post("/v1/conversations", json={}, headers=chat.headers)
    assert response.status_code == 201, response.text
    returning = response.json()
    assert returning["subject_id"] == chat.start["subject_id"]
    headers = {"Authorization": f"Bearer {returning['token']}"}
    assert client.get(PATH, headers=headers).json()["name"] == "Alex Example"


def test_a_restricted_customer_may_read_and_delete_but_not_change_the_profile(
    runtime: Runtime, chat: Chat
) -> None:
    consent(chat)
    put_profile(chat)
    assert chat.client.post("/v1/me/restriction", headers=chat.headers).status_code == 200
    response = chat.client.put(PATH, json={"name": "Sam Example"}, headers=chat.headers)
    assert (response.status_code, response.json()["error"]) == (423, "SubjectRestricted")
    assert "DELETE /v1/me/restriction" in response.json()["detail"]
    assert get_profile(chat) == {**EMPTY, **SETTINGS, "personalization": False}
    assert chat.client.delete(PATH, headers=chat.headers).status_code == 204
    assert stored(runtime, chat) is None


def test_the_profile_needs_the_conversation_token(chat: Chat) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        for method in ("GET", "PUT", "DELETE"):
            body = SETTINGS if method == "PUT" else None
            response = chat.client.request(method, PATH, json=body, headers=headers)
            assert (response.status_code, response.json()["error"]) == (401, "InvalidToken")


def test_the_export_holds_the_profile(chat: Chat) -> None:
    data, _ = unzip(chat.client.get("/v1/me/export", headers=chat.headers).content)
    assert data["personalization"] is None
    consent(chat)
    put_profile(chat, {**SETTINGS, "preferences": ["<b>no</b> calls"]})
    data, page = unzip(chat.client.get("/v1/me/export", headers=chat.headers).content)
    assert data["personalization"] == {**EMPTY, **SETTINGS, "preferences": ["<b>no</b> calls"]}
    assert "Your profile for personalization" in page
    assert "Alex Example" in page
    assert "&lt;b&gt;no&lt;/b&gt; calls" in page and "<b>no</b>" not in page


def test_erasure_deletes_the_profile_and_the_receipt_says_so(
    runtime: Runtime, client: TestClient
) -> None:
    with_profile, without = Chat(client), Chat(client)
    consent(with_profile)
    put_profile(with_profile)

    response = client.delete("/v1/me", headers=with_profile.headers)
    assert response.status_code == 200, response.text
    receipt = response.json()["receipt"]
    assert receipt["personalization"] == {"profileDeleted": True}
    assert receipt["rowsDeleted"]["profiles"] == 1
    assert stored(runtime, with_profile) is None

    response = client.delete("/v1/me", headers=without.headers)
    assert response.json()["receipt"]["personalization"] == {"profileDeleted": False}


def test_an_erased_customer_gets_410(runtime: Runtime, chat: Chat) -> None:
    consent(chat)
    put_profile(chat)
    with runtime.work() as session:
        shred_subject(session, runtime.vault, subject_of(chat))
    for method in ("GET", "PUT", "DELETE"):
        body = SETTINGS if method == "PUT" else None
        response = chat.client.request(method, PATH, json=body, headers=chat.headers)
        assert (response.status_code, response.json()["error"]) == (410, "SubjectErased")


def test_another_customers_token_opens_only_their_own_profile(client: TestClient) -> None:
    alex, other = Chat(client), Chat(client)
    consent(alex)
    put_profile(alex)
    assert get_profile(other) == {**EMPTY, "personalization": False}
    assert client.delete(PATH, headers=other.headers).status_code == 204
    assert get_profile(alex)["name"] == "Alex Example"
    assert uuid.UUID(alex.start["subject_id"]) != uuid.UUID(other.start["subject_id"])
