from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from confide.conversations.models import Conversation
from confide.subjects.models import Subject

# Conversation states in which the customer has asked for a person (conversations.service).
HANDED_OFF_STATUSES = ("waiting_for_agent",)


def has_handed_off_conversation(session: Session, subject_id: uuid.UUID) -> bool:
    query = select(
        exists().where(
            Conversation.subject_id == subject_id,
            Conversation.status.in_(HANDED_OFF_STATUSES),
        )
    )
    return bool(session.scalar(query))


def subject_id_for_data_key(session: Session, data_key_id: str) -> uuid.UUID | None:
    query = select(Subject.id).where(Subject.data_key_id == data_key_id)
    return session.scalars(query).one_or_none()
