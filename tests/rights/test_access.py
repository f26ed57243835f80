"""GET /v1/me: what is stored about the customer, and why."""

from __future__ import annotations

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from tests.conftest import Chat
from tests.rights.helpers import Known, me, subject_of


def test_me_shows_identifiers_conversations_purposes_and_consents(
    client: TestClient, runtime: Runtime
) -> None:
    known = Known(client, "grace")
    known.say("where is my order 12345")
    body = me(known)

    profile = body["profile"]
    assert profile["subject_id"] == str(subject_of(known))
    assert profile["status"] == "active"
    assert profile["pseudonymous_id"].startswith("cr-")
    assert profile["identifiers"] == {
        "email": "grace@example.com",
        "phone": "+12025550143",
        "name": "Ada grace",
        "external_id": None,
    }
    assert profile["verification_required"] is True
    [conversation] = body["conversations"]
    assert (conversation["conversation_id"], conversation["message_count"]) == (known.id, 3)
    purposes = {p["name"]: p for p in body["purposes"]}
    assert purposes["service"]["processing_allowed"] is True
    assert purposes["service"]["legal_basis"] == "contract"
    assert purposes["improvement"]["processing_allowed"] is False
    assert {c["purpose"] for c in body["consents"]["consents"]} == set(purposes)
    assert body["processing"] == {"restricted": False, "restricted_at": None, "objected": []}
    assert (body["feedback"], body["returns"], body["requests"]) == ([], [], [])


def test_me_for_an_anonymous_chat_needs_no_code_and_lists_feedback(client: TestClient) -> None:
    chat = Chat(client)
    response = client.post(
        f"/v1/conversations/{chat.id}/feedback",
        json={"rating": "down", "comment": "call me on 555-0100", "solved": False},
        headers=chat.headers,
    )
    assert response.status_code == 201
    body = me(chat)
    assert body["profile"]["verification_required"] is False
    assert body["profile"]["identifiers"] == {
        "email": None,
        "phone": None,
        "name": None,
        "external_id": None,
    }
    [feedback] = body["feedback"]
    assert (feedback["rating"], feedback["comment"]) == ("down", "call me on 555-0100")


def test_me_refuses_a_missing_or_wrong_token(client: TestClient) -> None:
    assert client.get("/v1/me").status_code == 401
    response = client.get("/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json()["error"] == "InvalidToken"


def test_no_me_route_lets_one_customer_reach_another(client: TestClient) -> None:
    first, second = Known(client, "first"), Known(client, "second")
    assert me(first)["profile"]["identifiers"]["email"] == "first@example.com"
    assert me(second)["profile"]["identifiers"]["email"] == "second@example.com"
    # Restricting one leaves the other untouched.
    assert client.post("/v1/me/restriction", headers=first.headers).status_code == 200
    assert me(second)["processing"]["restricted"] is False
    # Erasing one (a different token's subject) leaves the other readable.
    anon = Chat(client)
    assert client.delete("/v1/me", headers=anon.headers).status_code == 200
    assert me(second)["profile"]["status"] == "active"
    assert me(first)["profile"]["status"] == "active"
