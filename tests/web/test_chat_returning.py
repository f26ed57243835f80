"""The chat page after a closed conversation: the visitor's next message starts a new
conversation for the same customer, so their choices and profile carry over."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from confide.conversations.models import Conversation
from confide.runtime import Runtime
from confide.web.pages import COOKIE


def cookie(client: TestClient) -> tuple[uuid.UUID, str]:
    conversation_id, _, token = client.cookies[COOKIE].partition(".")
    return uuid.UUID(conversation_id), token


def subject_of(runtime: Runtime, conversation_id: uuid.UUID) -> uuid.UUID:
    with runtime.work() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.subject_id


def test_after_a_closed_conversation_the_visitor_stays_the_same_customer(
    client: TestClient, runtime: Runtime
) -> None:
    assert client.post("/chat", data={"text": "Where is my order?"}).status_code == 200
    first, token = cookie(client)
    consent = client.put(
        "/v1/me/consents/personalization",
        json={"granted": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert consent.status_code == 200, consent.text
    client.post("/chat", data={"text": "NW-10387"})
    with runtime.work() as session:
        conversation = session.get(Conversation, first)
        assert conversation is not None
        conversation.status = "closed"
    page = client.post("/chat", data={"text": "hello"})
    assert page.status_code == 200
    second, second_token = cookie(client)
    assert second != first
    assert subject_of(runtime, second) == subject_of(runtime, first)
    assert "Is this about order NW-10387" in page.text
    transcript = client.get(
        f"/v1/conversations/{second}", headers={"Authorization": f"Bearer {second_token}"}
    ).json()
    texts = [m["text"] for m in transcript["messages"]]
    assert texts[1].startswith("Is this about order NW-10387, which we talked about earlier today?")
    assert texts[2] == "hello"


def test_a_new_visitor_is_a_new_customer(client: TestClient, runtime: Runtime) -> None:
    client.post("/chat", data={"text": "hello"})
    first, _ = cookie(client)
    client.cookies.clear()
    client.post("/chat", data={"text": "hello"})
    second, _ = cookie(client)
    assert subject_of(runtime, second) != subject_of(runtime, first)
