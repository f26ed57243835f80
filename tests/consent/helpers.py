"""What the consent and policy tests share: deciding through the API, reading rows back."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from confide.consent.models import ConsentRecord
from confide.conversations.models import Conversation, Message
from confide.runtime import Runtime
from confide.subjects.models import Subject
from tests.conftest import Chat


def decide(chat: Chat, purpose: str, granted: bool, **extra: Any) -> dict[str, Any]:
    response = chat.client.put(
        f"/v1/me/consents/{purpose}", json={"granted": granted, **extra}, headers=chat.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def consents(chat: Chat) -> dict[str, dict[str, Any]]:
    response = chat.client.get("/v1/me/consents", headers=chat.headers)
    assert response.status_code == 200, response.text
    return {c["purpose"]: c for c in response.json()["consents"]}


def subject_id(chat: Chat) -> uuid.UUID:
    return uuid.UUID(chat.start["subject_id"])


def records(runtime: Runtime, chat: Chat | None = None) -> list[tuple[str, bool, str, str, int]]:
    """Every consent row (of ``chat``'s customer, or of all), in decision order."""
    query = select(ConsentRecord).order_by(ConsentRecord.subject_id, ConsentRecord.seq)
    if chat is not None:
        query = query.where(ConsentRecord.subject_id == subject_id(chat))
    with runtime.work() as session:
        return [
            (r.purpose, r.granted, r.method, r.channel, r.notice_version)
            for r in session.scalars(query)
        ]


def first_message(runtime: Runtime, chat: Chat) -> tuple[str, Message]:
    """The customer's data key id and the conversation's first (sealed) message."""
    with runtime.work() as session:
        conversation = session.get(Conversation, uuid.UUID(chat.id))
        assert conversation is not None
        subject = session.get(Subject, conversation.subject_id)
        assert subject is not None
        message = session.scalars(
            select(Message).where(Message.conversation_id == conversation.id).order_by(Message.seq)
        ).first()
        assert message is not None
        return subject.data_key_id, message
