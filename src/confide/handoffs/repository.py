from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from confide.conversations.models import Conversation
from confide.conversations.service import WAITING


def queue(session: Session, staff_id: uuid.UUID, *, everyone: bool) -> list[Conversation]:
    """Handed-off conversations: waiting ones and this member's (``everyone``: all)."""
    query = select(Conversation).where(Conversation.status == WAITING)
    if not everyone:
        query = query.where(
            or_(Conversation.assigned_to.is_(None), Conversation.assigned_to == staff_id)
        )
    return list(session.scalars(query.order_by(Conversation.handed_off_at, Conversation.id)))


def get_conversation(
    session: Session, conversation_id: uuid.UUID, *, for_update: bool = False
) -> Conversation | None:
    query = select(Conversation).where(Conversation.id == conversation_id)
    return session.scalars(query.with_for_update() if for_update else query).first()
