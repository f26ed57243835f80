"""The conversation API end to end through the ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.conftest import Chat


def test_start_returns_ids_token_and_an_ai_disclosure(client: TestClient) -> None:
    response = client.post("/v1/conversations", json={})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"conversation_id", "subject_id", "token", "greeting", "personal_greeting"}
    assert body["personal_greeting"] is None  # a new customer: nothing to personalise
    uuid.UUID(body["conversation_id"]), uuid.UUID(body["subject_id"])
    assert len(body["token"]) >= 40
    assert "I'm an AI, not a person" in body["greeting"]["text"]
    assert body["greeting"]["role"] == "assistant"


def test_start_without_a_body_works(client: TestClient) -> None:
    assert client.post("/v1/conversations").status_code == 201


def test_a_help_centre_question_is_answered_with_a_citation(chat: Chat) -> None:
    reply = chat.say("How long does it take to get my refund?")
    assert reply["decision"] == "answer"
    assert reply["intent"] in {"refund_status", "refund_policy"}
    assert reply["citations"] and {"article_id", "title"} == set(reply["citations"][0])
    assert 0.0 < reply["confidence"] <= 1.0


def test_order_status_is_a_multi_turn_action(chat: Chat) -> None:
    ask = chat.say("Where is my order?")
    assert ask["decision"] == "act" and "order number" in ask["text"]
    found = chat.say("NW-10421")
    assert found["decision"] == "act"
    assert found["text"].startswith("Order NW-10421")
    assert found["result"]["order_number"] == "NW-10421"


def test_asking_for_a_person_hands_off_and_marks_the_conversation_waiting(
    client: TestClient, chat: Chat
) -> None:
    reply = chat.say("I want to talk to a real person please")
    assert reply["decision"] == "handoff"
    assert reply["conversation_status"] == "waiting_for_agent"
    later = chat.say("hello? anyone there?")
    assert later["decision"] == "handoff"
    transcript = client.get(f"/v1/conversations/{chat.id}", headers=chat.headers).json()
    assert transcript["status"] == "waiting_for_agent"


def test_out_of_scope_is_said_honestly(chat: Chat) -> None:
    reply = chat.say("Who will win the football world cup in 2030?")
    assert reply["decision"] == "out_of_scope"
    assert "person" in reply["text"]


def test_transcript_returns_every_message_in_order(client: TestClient, chat: Chat) -> None:
    chat.say("How do I reset my password?")
    chat.say("thanks!")
    response = client.get(f"/v1/conversations/{chat.id}", headers=chat.headers)
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert [m["role"] for m in messages] == [
        "assistant",
        "customer",
        "assistant",
        "customer",
        "assistant",
    ]
    assert [m["seq"] for m in messages] == [1, 2, 3, 4, 5]
    assert messages[1]["text"] == "How do I reset my password?"
    assert messages[3]["text"] == "thanks!"


def test_feedback_is_recorded(client: TestClient, chat: Chat) -> None:
    reply = chat.say("What payment methods do you accept?")
    response = client.post(
        f"/v1/conversations/{chat.id}/feedback",
        json={
            "rating": "up",
            "comment": "quick answer",
            "solved": True,
            "message_id": reply["message_id"],
        },
        headers=chat.headers,
    )
    assert response.status_code == 201
    assert response.json()["rating"] == "up" and response.json()["solved"] is True


def test_feedback_on_another_conversations_message_is_refused(client: TestClient) -> None:
    alice, bob = Chat(client), Chat(client)
    bobs = bob.say("hello")
    response = client.post(
        f"/v1/conversations/{alice.id}/feedback",
        json={"rating": "down", "message_id": bobs["message_id"]},
        headers=alice.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"] == "MessageInvalid"


def test_wrong_token_is_refused_the_same_way_whether_or_not_the_conversation_exists(
    client: TestClient, chat: Chat
) -> None:
    bad = {"Authorization": "Bearer not-a-real-token"}
    existing = client.get(f"/v1/conversations/{chat.id}", headers=bad)
    missing = client.get(f"/v1/conversations/{uuid.uuid4()}", headers=bad)
    assert existing.status_code == missing.status_code == 401
    assert (
        existing.json()
        == missing.json()
        == {"error": "InvalidToken", "detail": "the token is not valid"}
    )


def test_a_token_opens_only_its_own_conversation(client: TestClient) -> None:
    alice, bob = Chat(client), Chat(client)
    response = client.get(f"/v1/conversations/{bob.id}", headers=alice.headers)
    assert response.status_code == 404
    response = client.post(
        f"/v1/conversations/{bob.id}/messages", json={"text": "hi"}, headers=alice.headers
    )
    assert response.status_code == 404
    assert client.get(f"/v1/conversations/{bob.id}", headers=bob.headers).status_code == 200


def test_unknown_conversation_is_a_404_for_an_authenticated_customer(
    client: TestClient, chat: Chat
) -> None:
    response = client.get(f"/v1/conversations/{uuid.uuid4()}", headers=chat.headers)
    assert response.status_code == 404
    assert response.json()["error"] == "ConversationNotFound"


def test_missing_token_is_a_401(client: TestClient, chat: Chat) -> None:
    response = client.get(f"/v1/conversations/{chat.id}")
    assert response.status_code == 401


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "model": "ok"}


def test_openapi_documents_the_conversation_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/conversations",
        "/v1/conversations/{conversation_id}/messages",
        "/v1/conversations/{conversation_id}",
        "/v1/conversations/{conversation_id}/feedback",
    } <= set(paths)
    assert client.get("/docs").status_code == 200
