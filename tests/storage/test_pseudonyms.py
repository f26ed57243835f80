"""Per-conversation pseudonyms: consistent across messages, reversible only through the vault,
and gone with the customer's data key."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from confide.conversations.models import Conversation
from confide.conversations.pseudonyms import pseudonymize_text, reidentify_text
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.subjects.service import shred_subject
from confide.vault import SubjectErased
from tests.conftest import Chat


def _rows(session: object, runtime: Runtime, chat: Chat) -> tuple[Subject, Conversation]:
    conversation = session.get(Conversation, uuid.UUID(chat.id))  # type: ignore[attr-defined]
    subject = session.get(Subject, conversation.subject_id)  # type: ignore[attr-defined]
    return subject, conversation


def test_pseudonyms_are_consistent_across_messages_and_reversible(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    with runtime.work() as session:
        subject, conversation = _rows(session, runtime, chat)
        first = pseudonymize_text(
            session,
            runtime.vault,
            runtime.analyzer,
            subject,
            conversation,
            "Hi, I'm Maria Jensen and my colleague is Peter Holm.",
        )
    with runtime.work() as session:
        subject, conversation = _rows(session, runtime, chat)
        second = pseudonymize_text(
            session,
            runtime.vault,
            runtime.analyzer,
            subject,
            conversation,
            "Please email Maria Jensen at maria.jensen@example.com",
        )
        assert conversation.pseudonyms_ct is not None
        assert b"Maria" not in conversation.pseudonyms_ct
        back = reidentify_text(
            session, runtime.vault, subject, conversation, "Dear <PERSON_1>, see <EMAIL_ADDRESS_1>"
        )
    assert first == "Hi, I'm <PERSON_1> and my colleague is <PERSON_2>."
    assert second == "Please email <PERSON_1> at <EMAIL_ADDRESS_1>"
    assert back == "Dear Maria Jensen, see maria.jensen@example.com"


def test_a_shredded_customers_pseudonyms_cannot_be_reversed(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    with runtime.work() as session:
        subject, conversation = _rows(session, runtime, chat)
        pseudonymize_text(
            session, runtime.vault, runtime.analyzer, subject, conversation, "I'm Maria Jensen"
        )
    with runtime.work() as session:
        shred_subject(session, runtime.vault, uuid.UUID(chat.start["subject_id"]))
    with runtime.work() as session, pytest.raises(SubjectErased):
        subject, conversation = _rows(session, runtime, chat)
        reidentify_text(session, runtime.vault, subject, conversation, "<PERSON_1>")
