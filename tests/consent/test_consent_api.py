"""GET /v1/me/consents and PUT /v1/me/consents/{purpose}: explicit, recorded, refusable."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from confide.consent.notices import publish_notice
from confide.runtime import Runtime
from confide.subjects.service import shred_subject
from tests.conftest import Chat
from tests.consent.helpers import consents, decide, records, subject_id

CONSENT_PURPOSES = ["personalization", "improvement"]
KANTARA_FIELDS = {
    "version",
    "jurisdiction",
    "consentTimestamp",
    "collectionMethod",
    "consentReceiptID",
    "publicKey",
    "language",
    "piiPrincipalId",
    "piiControllers",
    "policyUrl",
    "services",
    "sensitive",
    "spiCat",
}


def test_nothing_beyond_service_is_on_before_the_customer_decides(chat: Chat) -> None:
    state = consents(chat)
    assert list(state) == ["service", "personalization", "improvement", "analytics", "human_review"]
    for purpose in CONSENT_PURPOSES:
        assert state[purpose]["granted"] is False
        assert state[purpose]["processing_allowed"] is False
        assert state[purpose]["reason"] == "no-consent"
        assert state[purpose]["decided_at"] is None
    assert (state["service"]["granted"], state["service"]["processing_allowed"]) == (None, True)
    assert state["service"]["legal_basis"] == "contract"
    assert (state["analytics"]["legal_basis"], state["analytics"]["reason"]) == (
        "legitimate_interest",
        "legal-basis",
    )
    assert state["human_review"]["reason"] == "awaiting-handoff"
    assert all(s["description"] for s in state.values())


def test_the_current_notice_version_is_shown_with_the_consents(chat: Chat) -> None:
    body = chat.client.get("/v1/me/consents", headers=chat.headers).json()
    assert body["notice_version"] == 1


@pytest.mark.parametrize("purpose", CONSENT_PURPOSES)
def test_granting_returns_a_signed_kantara_receipt_and_turns_the_purpose_on(
    runtime: Runtime, chat: Chat, purpose: str
) -> None:
    signed = decide(chat, purpose, True, method="widget")
    receipt = signed["receipt"]
    assert set(receipt) >= KANTARA_FIELDS
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["collectionMethod"] == "widget"
    assert receipt["policyUrl"] == "http://127.0.0.1:8000/privacy-notice/1"
    assert receipt["piiControllers"][0]["piiController"] == "Northwind Goods"
    assert receipt["piiControllers"][0]["email"] == "privacy@northwind.example.com"
    [service] = receipt["services"]
    assert [p["purposeName"] for p in service["purposes"]] == [purpose]
    entry = service["purposes"][0]
    assert entry["consentType"] == "EXPLICIT"
    assert entry["primaryPurpose"] is False
    assert entry["thirdPartyDisclosure"] is False
    assert entry["piiCategory"] and entry["purposeCategory"] and entry["termination"]
    assert receipt["consentDecision"] == {
        "purpose": purpose,
        "granted": True,
        "noticeVersion": 1,
        "channel": "api",
    }
    assert signed["signature"]["alg"] == "EdDSA"
    state = consents(chat)[purpose]
    assert (state["granted"], state["processing_allowed"], state["reason"]) == (
        True,
        True,
        "consent-given",
    )
    assert (state["method"], state["channel"], state["notice_version"]) == ("widget", "api", 1)
    assert records(runtime, chat) == [(purpose, True, "widget", "api", 1)]


def test_withdrawing_keeps_the_history_and_turns_the_purpose_off(
    runtime: Runtime, chat: Chat
) -> None:
    decide(chat, "improvement", True)
    decide(chat, "personalization", True)
    signed = decide(chat, "improvement", False, method="chat")
    assert signed["receipt"]["consentDecision"]["granted"] is False
    # The receipt lists the purposes consented to after the decision.
    in_force = [p["purposeName"] for p in signed["receipt"]["services"][0]["purposes"]]
    assert in_force == ["personalization"]
    state = consents(chat)
    assert (state["improvement"]["granted"], state["improvement"]["reason"]) == (
        False,
        "consent-withdrawn",
    )
    assert state["personalization"]["granted"] is True
    assert records(runtime, chat) == [
        ("improvement", True, "api", "api", 1),
        ("personalization", True, "api", "api", 1),
        ("improvement", False, "chat", "api", 1),
    ]


def test_a_decision_under_a_newer_notice_records_that_version(runtime: Runtime, chat: Chat) -> None:
    decide(chat, "improvement", True)
    with runtime.work() as session:
        publish_notice(session, "# Notice\n\nVersion two, in plain words.\n")
    decide(chat, "improvement", True)
    assert [r[4] for r in records(runtime, chat)] == [1, 2]
    assert consents(chat)["improvement"]["notice_version"] == 2


def test_one_customers_decision_does_not_touch_another_customers_consents(
    client: TestClient, runtime: Runtime
) -> None:
    alice, bob = Chat(client), Chat(client)
    decide(alice, "personalization", True)
    assert consents(bob)["personalization"]["granted"] is False
    assert records(runtime, bob) == []


def test_receipts_name_the_customer_by_a_keyed_pseudonym_only(client: TestClient) -> None:
    alice, bob = Chat(client), Chat(client)
    first = decide(alice, "improvement", True)["receipt"]["piiPrincipalId"]
    again = decide(alice, "improvement", False)["receipt"]["piiPrincipalId"]
    other = decide(bob, "improvement", True)["receipt"]["piiPrincipalId"]
    assert first == again != other
    assert first.startswith("cr-") and len(first) == 29
    sid = str(subject_id(alice))
    assert sid not in first and sid.replace("-", "") not in first


def test_each_receipt_has_its_own_id(chat: Chat) -> None:
    ids = {decide(chat, "improvement", g)["receipt"]["consentReceiptID"] for g in (True, False)}
    assert len(ids) == 2


def _refused(
    runtime: Runtime, chat: Chat, path: str, *, status: int, error: str, **kwargs: object
) -> None:
    before = records(runtime)
    response = chat.client.put(path, **kwargs)  # type: ignore[arg-type]
    assert (response.status_code, response.json()["error"]) == (status, error), response.text
    assert response.json()["detail"]
    assert records(runtime) == before
    assert consents(chat)["improvement"]["granted"] is False


@pytest.mark.parametrize(
    ("purpose", "granted", "status", "error"),
    [
        ("marketing", True, 404, "UnknownPurpose"),
        ("service", False, 409, "PurposeNotConsentBased"),
        ("service", True, 409, "PurposeNotConsentBased"),
        ("human_review", False, 409, "PurposeNotConsentBased"),
        ("analytics", False, 409, "PurposeNotConsentBased"),
        ("x" * 65, True, 422, "ValidationError"),
    ],
    ids=["unknown", "withdraw-service", "grant-service", "human-review", "analytics", "long"],
)
def test_purposes_without_consent_to_decide_are_refused_and_nothing_changes(
    runtime: Runtime, chat: Chat, purpose: str, granted: bool, status: int, error: str
) -> None:
    path = f"/v1/me/consents/{purpose}"
    body = {"granted": granted}
    _refused(runtime, chat, path, status=status, error=error, json=body, headers=chat.headers)


def test_withdrawing_service_explains_why(chat: Chat) -> None:
    response = chat.client.put(
        "/v1/me/consents/service", json={"granted": False}, headers=chat.headers
    )
    assert "contract" in response.json()["detail"]
    analytics = chat.client.put(
        "/v1/me/consents/analytics", json={"granted": False}, headers=chat.headers
    )
    assert "object" in analytics.json()["detail"]


@pytest.mark.parametrize(
    ("content", "status", "error"),
    [
        (b"{}", 422, "ValidationError"),
        (b'{"granted": "yes"}', 422, "ValidationError"),
        (b'{"granted": 1}', 422, "ValidationError"),
        (b'{"granted": null}', 422, "ValidationError"),
        (b'{"granted": true, "method": "email"}', 422, "ValidationError"),
        (b'{"granted": true, "channel": "web"}', 422, "ValidationError"),
        (b"[true]", 422, "ValidationError"),
        (b'{"granted": true', 400, "BadRequest"),
        (b"", 422, "ValidationError"),
        (b"\xff\xfe garbage", 400, "BadRequest"),
    ],
    ids=[
        "empty",
        "string",
        "number",
        "null",
        "bad-method",
        "unknown-field",
        "array",
        "truncated",
        "no-body",
        "binary",
    ],
)
def test_malformed_decisions_are_refused_and_nothing_changes(
    runtime: Runtime, chat: Chat, content: bytes, status: int, error: str
) -> None:
    headers = {**chat.headers, "Content-Type": "application/json"}
    path = "/v1/me/consents/improvement"
    _refused(runtime, chat, path, status=status, error=error, content=content, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}],
    ids=["none", "wrong", "other-scheme"],
)
def test_consents_need_the_conversation_token(
    runtime: Runtime, chat: Chat, headers: dict[str, str]
) -> None:
    path = "/v1/me/consents/improvement"
    body = {"granted": True}
    _refused(runtime, chat, path, status=401, error="InvalidToken", json=body, headers=headers)
    response = chat.client.get("/v1/me/consents", headers=headers)
    assert (response.status_code, response.json()["error"]) == (401, "InvalidToken")


def test_an_erased_customer_cannot_decide_and_nothing_is_recorded(
    runtime: Runtime, chat: Chat
) -> None:
    with runtime.work() as session:
        shred_subject(session, runtime.vault, subject_id(chat))
    response = chat.client.put(
        "/v1/me/consents/improvement", json={"granted": True}, headers=chat.headers
    )
    assert (response.status_code, response.json()["error"]) == (410, "SubjectErased")
    assert records(runtime, chat) == []


def test_purposes_are_listed_with_their_legal_basis(client: TestClient) -> None:
    purposes = {p["name"]: p for p in client.get("/v1/purposes").json()}
    assert {n: p["legal_basis"] for n, p in purposes.items()} == {
        "service": "contract",
        "personalization": "consent",
        "improvement": "consent",
        "analytics": "legitimate_interest",
        "human_review": "contract",
    }
    assert [n for n, p in purposes.items() if p["withdrawable"]] == CONSENT_PURPOSES
    assert [n for n, p in purposes.items() if p["objectable"]] == ["analytics"]
    assert [n for n, p in purposes.items() if p["requires_handoff"]] == ["human_review"]
