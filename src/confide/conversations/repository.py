from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from confide.conversations.models import Conversation, Feedback, Message


def get_conversation_by_token_hash(
    session: Session, token_hash: str, *, for_update: bool = False
) -> Conversation | None:
    query = select(Conversation).where(Conversation.token_hash == token_hash)
    if for_update:
        # Serialises concurrent posts to one conversation so message numbers never collide.
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def list_messages(session: Session, conversation_id: uuid.UUID) -> list[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
    return list(session.scalars(query))


def get_message(
    session: Session, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> Message | None:
    message = session.get(Message, message_id)
    return message if message and message.conversation_id == conversation_id else None


def add_feedback(session: Session, feedback: Feedback) -> None:
    session.add(feedback)
