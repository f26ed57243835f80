"""Every chat opens with the AI disclosure and a short privacy notice; the dialogue can
record a withdrawal told in the chat."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from confide.consent.notices import publish_notice
from confide.runtime import Runtime
from confide.subjects.models import Subject
from tests.conftest import Chat
from tests.consent.helpers import consents, decide, records


def test_a_new_chat_opens_with_the_ai_disclosure_and_the_short_notice(chat: Chat) -> None:
    text = chat.start["greeting"]["text"]
    assert "I'm an AI, not a person" in text
    for said in ("What we collect", "Why", "Who sees it", "How long", "90 days"):
        assert said in text
    assert "Full privacy notice: /privacy-notice" in text
    assert "your privacy choices: /privacy" in text
    stored = chat.client.get(f"/v1/conversations/{chat.id}", headers=chat.headers).json()
    assert stored["messages"][0]["text"] == text


def test_the_next_chat_tells_the_newly_published_notice(
    runtime: Runtime, client: TestClient
) -> None:
    with runtime.work() as session:
        publish_notice(session, "---\nsummary: Version two says this.\n---\nThe full text.\n")
    assert "Version two says this." in Chat(client).start["greeting"]["text"]


def test_the_dialogue_can_withdraw_consent_told_in_the_chat(runtime: Runtime, chat: Chat) -> None:
    decide(chat, "improvement", True)
    with runtime.work() as session:
        subject = session.get(Subject, uuid.UUID(chat.start["subject_id"]))
        assert subject is not None
        signed = runtime.consents.withdraw(session, subject, "improvement")
    assert signed.receipt["collectionMethod"] == "chat"
    assert consents(chat)["improvement"]["granted"] is False
    assert records(runtime, chat)[-1] == ("improvement", False, "chat", "web", 1)
