from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from confide.conversations.models import Message
from confide.learning.models import LearningExample, ModelVersion


def recent_messages(session: Session, conversation_id: uuid.UUID, last_seq: int) -> list[Message]:
    """The last four messages up to ``last_seq``, oldest first."""
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > last_seq - 4)
        .where(Message.seq <= last_seq)
        .order_by(Message.seq)
    )
    return list(session.scalars(query))


def message_before(
    session: Session, conversation_id: uuid.UUID, seq: int, role: str
) -> Message | None:
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq < seq, Message.role == role)
        .order_by(Message.seq.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def question_for_agent(session: Session, conversation_id: uuid.UUID, seq: int) -> Message | None:
    """The customer's question an agent's message at ``seq`` answers: the latest customer
    message before it that was not only the request for a person (or, failing that, the
    latest customer message)."""
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq < seq)
        .order_by(Message.seq)
    )
    messages = list(session.scalars(query))
    replies = {m.seq: m for m in messages if m.role == "assistant"}
    asked = [m for m in messages if m.role == "customer"]
    for message in reversed(asked):
        after = replies.get(message.seq + 1)
        if after is None or after.decision != "handoff":
            return message
    return asked[-1] if asked else None


def examples(
    session: Session, *, status: str | None = None, kind: str | None = None
) -> list[LearningExample]:
    query = select(LearningExample)
    if status:
        query = query.where(LearningExample.status == status)
    if kind:
        query = query.where(LearningExample.kind == kind)
    return list(session.scalars(query.order_by(LearningExample.created_at, LearningExample.id)))


def examples_of(session: Session, subject_id: uuid.UUID) -> list[LearningExample]:
    query = select(LearningExample).where(LearningExample.subject_id == subject_id)
    return list(session.scalars(query.order_by(LearningExample.created_at)))


def count_examples_of(session: Session, subject_id: uuid.UUID) -> int:
    query = select(func.count()).where(LearningExample.subject_id == subject_id)
    return int(session.scalar(query) or 0)


def delete_examples_of(session: Session, subject_id: uuid.UUID) -> int:
    result = session.execute(
        delete(LearningExample)
        .where(LearningExample.subject_id == subject_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def active_model(session: Session) -> ModelVersion | None:
    return session.scalars(select(ModelVersion).where(ModelVersion.status == "active")).first()
