"""The queries of the retention job.

Each category has one query for what has expired; the job counts it (a dry run) or takes it
``limit`` ids at a time and deletes those, so every transaction stays bounded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Select, delete, exists, func, select, update
from sqlalchemy.orm import Session

from confide.consent.models import ConsentRecord
from confide.conversations.models import Conversation, Feedback, Message
from confide.rights.models import RightsRequest, RightsRequestEvent

# A query for one column of ids (how Select is parametrised differs across SQLAlchemy 2.x).
IdQuery = Select[Any]
EXPIRED = "expired"


def expired_conversations(cutoff: datetime) -> IdQuery:
    """Conversations with content whose last activity is before ``cutoff``."""
    return select(Conversation.id).where(
        Conversation.status != EXPIRED, Conversation.updated_at < cutoff
    )


def old_redacted_copies(cutoff: datetime) -> IdQuery:
    return select(Message.id).where(Message.redacted_ct.is_not(None), Message.created_at < cutoff)


def old_feedback(cutoff: datetime) -> IdQuery:
    return select(Feedback.id).where(Feedback.created_at < cutoff)


def old_closed_requests(cutoff: datetime) -> IdQuery:
    """Rights requests closed (completed or rejected) before ``cutoff``; open ones stay."""
    return select(RightsRequest.id).where(
        RightsRequest.closed_at.is_not(None), RightsRequest.closed_at < cutoff
    )


def delete_requests(session: Session, ids: Sequence[uuid.UUID]) -> int:
    """Delete the requests and their history."""
    session.execute(delete(RightsRequestEvent).where(RightsRequestEvent.request_id.in_(ids)))
    return _rows(session.execute(delete(RightsRequest).where(RightsRequest.id.in_(ids))))


def stale_consent_subjects(cutoff: datetime) -> IdQuery:
    """Customers whose last consent decision and last conversation activity are both before
    ``cutoff``: their consent records no longer prove anything done with their data."""
    recent_activity = exists().where(
        Conversation.subject_id == ConsentRecord.subject_id, Conversation.updated_at >= cutoff
    )
    return (
        select(ConsentRecord.subject_id)
        .where(~recent_activity)
        .group_by(ConsentRecord.subject_id)
        .having(func.max(ConsentRecord.decided_at) < cutoff)
    )


def count(session: Session, query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def take(session: Session, query: IdQuery, limit: int, *, lock: bool = True) -> list[uuid.UUID]:
    """Up to ``limit`` ids; with ``lock`` their rows are locked, skipping rows another
    worker's run holds (PostgreSQL), so two workers never work on the same rows. (A grouped
    query cannot be locked row by row; deleting twice is harmless there.)"""
    page = query.order_by(query.selected_columns[0]).limit(limit)
    if lock:
        page = page.with_for_update(skip_locked=True)
    return list(session.scalars(page))


def transcript_counts(session: Session, ids: IdQuery) -> tuple[int, int]:
    """Messages and feedback of the conversations ``ids`` selects."""
    messages = session.scalar(
        select(func.count(Message.id)).where(Message.conversation_id.in_(ids))
    )
    feedback = session.scalar(
        select(func.count(Feedback.id)).where(Feedback.conversation_id.in_(ids))
    )
    return messages or 0, feedback or 0


def expire_conversations(session: Session, ids: Sequence[uuid.UUID]) -> tuple[int, int]:
    """Delete the conversations' feedback and messages (redacted copies with them) and their
    dialogue state; each row stays as an empty shell with status ``expired``.
    Returns (messages, feedback) deleted."""
    feedback = session.execute(delete(Feedback).where(Feedback.conversation_id.in_(ids)))
    messages = session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
    session.execute(
        update(Conversation)
        .where(Conversation.id.in_(ids))
        .values(status=EXPIRED, state_ct=None, pseudonyms_ct=None)
    )
    return _rows(messages), _rows(feedback)


def clear_redacted_copies(session: Session, ids: Sequence[uuid.UUID]) -> int:
    result = session.execute(
        update(Message)
        .where(Message.id.in_(ids), Message.redacted_ct.is_not(None))
        .values(redacted_ct=None)
    )
    return _rows(result)


def delete_feedback(session: Session, ids: Sequence[uuid.UUID]) -> int:
    return _rows(session.execute(delete(Feedback).where(Feedback.id.in_(ids))))


def consent_record_count(session: Session, subjects: IdQuery) -> int:
    query = select(func.count(ConsentRecord.id)).where(ConsentRecord.subject_id.in_(subjects))
    return session.scalar(query) or 0


def delete_consent_records(session: Session, subject_ids: Sequence[uuid.UUID]) -> int:
    result = session.execute(delete(ConsentRecord).where(ConsentRecord.subject_id.in_(subject_ids)))
    return _rows(result)


def _rows(result: Any) -> int:
    rowcount = result.rowcount if isinstance(result, CursorResult) else 0
    return max(int(rowcount or 0), 0)
