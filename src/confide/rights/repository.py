"""The SQL of the rights features: the request queue, flags, codes, tombstones, and every
row that holds one customer's data."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from confide.consent.models import ConsentRecord
from confide.conversations.models import Conversation, Feedback, Message
from confide.learning.models import LearningExample
from confide.orders.models import Order, ReturnRequest
from confide.personalization.models import Profile
from confide.rights.models import (
    ErasureTombstone,
    ProcessingFlagsRecord,
    RightsRequest,
    RightsRequestEvent,
    VerificationCode,
)
from confide.staff.models import RevealGrant
from confide.subjects.models import Subject

OPEN_STATUSES = ("received", "verifying", "in_progress")

# -- the request queue ----------------------------------------------------------------------


def add_request(session: Session, request: RightsRequest) -> None:
    session.add(request)
    session.flush()


def get_request(
    session: Session, request_id: uuid.UUID, *, for_update: bool = False
) -> RightsRequest | None:
    return session.get(RightsRequest, request_id, with_for_update=for_update)


def open_request(session: Session, subject_id: uuid.UUID, type_: str) -> RightsRequest | None:
    query = (
        select(RightsRequest)
        .where(
            RightsRequest.subject_id == subject_id,
            RightsRequest.type == type_,
            RightsRequest.status.in_(OPEN_STATUSES),
        )
        .order_by(RightsRequest.received_at)
        .limit(1)
        .with_for_update()
    )
    return session.scalars(query).first()


def list_requests(
    session: Session,
    *,
    overdue_at: datetime | None = None,
    subject_id: uuid.UUID | None = None,
    open_only: bool = False,
) -> list[RightsRequest]:
    query = select(RightsRequest).order_by(RightsRequest.due_at, RightsRequest.id)
    if overdue_at is not None:
        query = query.where(RightsRequest.due_at < overdue_at)
    if overdue_at is not None or open_only:
        query = query.where(RightsRequest.status.in_(OPEN_STATUSES))
    if subject_id is not None:
        query = query.where(RightsRequest.subject_id == subject_id)
    return list(session.scalars(query))


def events_for(
    session: Session, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RightsRequestEvent]]:
    found: dict[uuid.UUID, list[RightsRequestEvent]] = {rid: [] for rid in request_ids}
    if not request_ids:
        return found
    query = (
        select(RightsRequestEvent)
        .where(RightsRequestEvent.request_id.in_(request_ids))
        .order_by(RightsRequestEvent.request_id, RightsRequestEvent.seq)
    )
    for event in session.scalars(query):
        found[event.request_id].append(event)
    return found


def next_event_seq(session: Session, request_id: uuid.UUID) -> int:
    query = select(func.max(RightsRequestEvent.seq)).where(
        RightsRequestEvent.request_id == request_id
    )
    return (session.scalar(query) or 0) + 1


def add_event(session: Session, event: RightsRequestEvent) -> None:
    session.add(event)
    session.flush()


def request_counts(session: Session) -> dict[uuid.UUID, int]:
    query = (
        select(RightsRequest.subject_id, func.count())
        .where(RightsRequest.subject_id.is_not(None))
        .group_by(RightsRequest.subject_id)
    )
    return {sid: count for sid, count in session.execute(query).all() if sid is not None}


def detach_requests(session: Session, subject_id: uuid.UUID) -> None:
    """The customer is erased: their requests keep only the pseudonym."""
    session.execute(
        update(RightsRequest)
        .where(RightsRequest.subject_id == subject_id)
        .values(subject_id=None)
        .execution_options(synchronize_session="fetch")
    )


# -- flags, codes, tombstones ---------------------------------------------------------------


def get_flags(
    session: Session, subject_id: uuid.UUID, *, create: bool = False
) -> ProcessingFlagsRecord | None:
    record = session.get(ProcessingFlagsRecord, subject_id, with_for_update=create)
    if record is None and create:
        record = ProcessingFlagsRecord(subject_id=subject_id, restricted=False, objected=[])
        session.add(record)
    return record


def live_codes(session: Session, subject_id: uuid.UUID, now: datetime) -> list[VerificationCode]:
    query = (
        select(VerificationCode)
        .where(
            VerificationCode.subject_id == subject_id,
            VerificationCode.used_at.is_(None),
            VerificationCode.expires_at > now,
        )
        .order_by(VerificationCode.created_at.desc())
        .with_for_update()
    )
    return list(session.scalars(query))


def codes_sent_since(session: Session, subject_id: uuid.UUID, since: datetime) -> int:
    query = select(func.count()).where(
        VerificationCode.subject_id == subject_id, VerificationCode.created_at > since
    )
    return session.scalar(query) or 0


def add_code(session: Session, code: VerificationCode) -> None:
    session.add(code)
    session.flush()


def add_tombstone(session: Session, tombstone: ErasureTombstone) -> None:
    session.add(tombstone)
    session.flush()


def get_tombstone(session: Session, pseudonym: str) -> ErasureTombstone | None:
    query = select(ErasureTombstone).where(ErasureTombstone.subject_pseudonym == pseudonym)
    return session.scalars(query).one_or_none()


# -- one customer's rows --------------------------------------------------------------------


def list_subjects(session: Session) -> list[Subject]:
    return list(session.scalars(select(Subject).order_by(Subject.created_at, Subject.id)))


def conversations_of(session: Session, subject_id: uuid.UUID) -> list[Conversation]:
    query = (
        select(Conversation)
        .where(Conversation.subject_id == subject_id)
        .order_by(Conversation.created_at, Conversation.id)
    )
    return list(session.scalars(query))


def messages_of(session: Session, conversation_ids: Sequence[uuid.UUID]) -> list[Message]:
    query = (
        select(Message)
        .where(Message.conversation_id.in_(conversation_ids))
        .order_by(Message.conversation_id, Message.seq)
    )
    return list(session.scalars(query)) if conversation_ids else []


def feedback_of(session: Session, conversation_ids: Sequence[uuid.UUID]) -> list[Feedback]:
    query = (
        select(Feedback)
        .where(Feedback.conversation_id.in_(conversation_ids))
        .order_by(Feedback.created_at, Feedback.id)
    )
    return list(session.scalars(query)) if conversation_ids else []


def returns_of(
    session: Session, conversation_ids: Sequence[uuid.UUID]
) -> list[tuple[ReturnRequest, Order | None]]:
    if not conversation_ids:
        return []
    query = (
        select(ReturnRequest, Order)
        .outerjoin(Order, Order.number == ReturnRequest.order_number)
        .where(ReturnRequest.conversation_id.in_(conversation_ids))
        .order_by(ReturnRequest.created_at, ReturnRequest.id)
    )
    return [(request, order) for request, order in session.execute(query).all()]


def consent_history(session: Session, subject_id: uuid.UUID) -> list[ConsentRecord]:
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.subject_id == subject_id)
        .order_by(ConsentRecord.seq)
    )
    return list(session.scalars(query))


def profile_of(session: Session, subject_id: uuid.UUID) -> Profile | None:
    return session.get(Profile, subject_id)


def codes_of(session: Session, subject_id: uuid.UUID) -> list[VerificationCode]:
    query = (
        select(VerificationCode)
        .where(VerificationCode.subject_id == subject_id)
        .order_by(VerificationCode.created_at)
    )
    return list(session.scalars(query))


def delete_subject_rows(session: Session, subject_id: uuid.UUID) -> dict[str, int]:
    """Delete every row holding the customer's data, children first; counts per table.

    Bulk deletes: objects already in the session stay there, stale; the caller touches
    none of them afterwards."""
    ids = list(
        session.scalars(select(Conversation.id).where(Conversation.subject_id == subject_id))
    )
    statements = [
        ("feedback", delete(Feedback).where(Feedback.conversation_id.in_(ids))),
        ("return_requests", delete(ReturnRequest).where(ReturnRequest.conversation_id.in_(ids))),
        ("messages", delete(Message).where(Message.conversation_id.in_(ids))),
        ("reveal_grants", delete(RevealGrant).where(RevealGrant.conversation_id.in_(ids))),
        (
            "learning_examples",
            delete(LearningExample).where(LearningExample.subject_id == subject_id),
        ),
        ("profiles", delete(Profile).where(Profile.subject_id == subject_id)),
        ("conversations", delete(Conversation).where(Conversation.subject_id == subject_id)),
        ("consent_records", delete(ConsentRecord).where(ConsentRecord.subject_id == subject_id)),
        (
            "verification_codes",
            delete(VerificationCode).where(VerificationCode.subject_id == subject_id),
        ),
        (
            "processing_flags",
            delete(ProcessingFlagsRecord).where(ProcessingFlagsRecord.subject_id == subject_id),
        ),
    ]
    counts = {}
    for table, statement in statements:
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[table] = int(getattr(result, "rowcount", 0) or 0)
    return counts


def delete_subject(session: Session, subject_id: uuid.UUID) -> None:
    session.execute(delete(Subject).where(Subject.id == subject_id))
