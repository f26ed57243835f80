"""Every stored message also gets a redacted copy, sealed like the original."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.conversations.models import Conversation, Message
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose
from tests.conftest import Chat


def _redacted(runtime: Runtime, conversation_id: str) -> list[tuple[str, str]]:
    with runtime.work() as session:
        conversation = session.get(Conversation, uuid.UUID(conversation_id))
        assert conversation is not None
        subject = session.get(Subject, conversation.subject_id)
        assert subject is not None
        messages = session.scalars(
            select(Message).where(Message.conversation_id == conversation.id).order_by(Message.seq)
        ).all()
        return [
            (
                m.role,
                runtime.vault.open(
                    session,
                    subject.data_key_id,
                    FieldRef("messages", "redacted", str(m.id)),
                    m.redacted_ct or b"",
                    Purpose.SERVICE,
                ),
            )
            for m in messages
        ]


def test_a_customer_message_is_stored_with_its_redacted_copy(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    chat.say("I'm Maria Jensen, email maria.jensen@example.com, card 4111 1111 1111 1111")
    stored = _redacted(runtime, chat.id)
    assert [role for role, _ in stored] == ["assistant", "customer", "assistant"]
    assert stored[1][1] == "I'm <PERSON>, email <EMAIL_ADDRESS>, card <CREDIT_CARD>"
    assert stored[0][1].startswith("Hi! I'm the virtual assistant")


def test_the_redacted_copy_is_readable_only_with_the_customers_key_and_moves_with_a_rekey(
    client: TestClient, runtime: Runtime
) -> None:
    from confide.keys.service import rekey_subject

    chat = Chat(client)
    chat.say("Call me on (202) 555-0143 please")
    before = _redacted(runtime, chat.id)
    assert before[1][1] == "Call me on <PHONE_NUMBER> please"
    with runtime.work() as session:
        rekey_subject(session, runtime.vault, uuid.UUID(chat.start["subject_id"]))
    assert _redacted(runtime, chat.id) == before
