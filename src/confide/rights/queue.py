"""The request queue: each rights request with its status, due date (one month after
receipt, extendable once by up to two months with a recorded reason) and an append-only
history of every change."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from confide.rights import repository
from confide.rights.errors import (
    AlreadyExtended,
    InvalidRightsInput,
    RequestClosed,
    RequestNotFound,
)
from confide.rights.models import RightsRequest, RightsRequestEvent
from confide.rights.schemas import RequestEventOut, RequestOut

TYPES = ("access", "erasure", "rectification", "restriction", "objection")
RECEIVED, VERIFYING, IN_PROGRESS = "received", "verifying", "in_progress"
COMPLETED, REJECTED = "completed", "rejected"
STATUSES = (RECEIVED, VERIFYING, IN_PROGRESS, COMPLETED, REJECTED)
_NEXT = {
    RECEIVED: {VERIFYING, IN_PROGRESS, COMPLETED, REJECTED},
    VERIFYING: {IN_PROGRESS, COMPLETED, REJECTED},
    IN_PROGRESS: {COMPLETED, REJECTED},
}
MAX_EXTENSION_MONTHS = 2
MAX_NOTE_CHARS = 500


def add_months(moment: datetime, months: int) -> datetime:
    """Same day ``months`` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _check_type(type_: str) -> None:
    if type_ not in TYPES:
        raise InvalidRightsInput(f"type must be one of {', '.join(TYPES)}")


def check_note(text: str | None, what: str, *, required: bool = False) -> str | None:
    cleaned = (text or "").strip()
    if required and not cleaned:
        raise InvalidRightsInput(f"{what} must not be empty")
    if len(cleaned) > MAX_NOTE_CHARS or "\x00" in cleaned:
        raise InvalidRightsInput(f"{what} is at most {MAX_NOTE_CHARS} characters of text")
    return cleaned or None


def file_request(
    session: Session,
    subject_id: uuid.UUID,
    pseudonym: str,
    type_: str,
    *,
    channel: str,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> RightsRequest:
    """Record a request as received, due one month later."""
    _check_type(type_)
    request = RightsRequest(
        id=uuid.uuid4(),
        subject_id=subject_id,
        subject_pseudonym=pseudonym,
        type=type_,
        status=RECEIVED,
        channel=channel,
        received_at=now,
        due_at=add_months(now, 1),
        details=dict(details or {}),
    )
    repository.add_request(session, request)
    _append(session, request, "status", RECEIVED, now, None)
    return request


def advance(
    session: Session, request: RightsRequest, status: str, *, now: datetime, note: str | None = None
) -> None:
    """Move a request on; a closed request (completed, rejected) does not move again."""
    if status not in STATUSES:
        raise InvalidRightsInput(f"status must be one of {', '.join(STATUSES)}")
    allowed = _NEXT.get(request.status)
    if allowed is None:
        raise RequestClosed(f"this request is already {request.status}")
    if status not in allowed:
        raise InvalidRightsInput(f"a {request.status} request cannot become {status}")
    request.status = status
    if status in (COMPLETED, REJECTED):
        request.closed_at = now
    _append(session, request, "status", status, now, check_note(note, "note"))


def complete_request(
    session: Session,
    subject_id: uuid.UUID,
    pseudonym: str,
    type_: str,
    *,
    channel: str,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> RightsRequest:
    """Complete the open request of this type, or record one done at once (API, CLI)."""
    request = repository.open_request(session, subject_id, type_)
    if request is None:
        request = file_request(
            session, subject_id, pseudonym, type_, channel=channel, now=now, details=details
        )
    elif details:
        request.details = {**request.details, **details}
    advance(session, request, COMPLETED, now=now)
    return request


def extend_request(
    session: Session, request_id: uuid.UUID, *, months: int, reason: str, now: datetime
) -> RightsRequest:
    """Extend the due date once, by one or two months, for a recorded reason."""
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise InvalidRightsInput(f"an extension is 1 to {MAX_EXTENSION_MONTHS} months")
    checked = check_note(reason, "reason", required=True)
    request = get_request_or_raise(session, request_id, for_update=True)
    if request.status in (COMPLETED, REJECTED):
        raise RequestClosed(f"this request is already {request.status}")
    if request.extended_at is not None:
        raise AlreadyExtended("this request was already extended; it can be extended once")
    request.due_at = add_months(request.due_at, months)
    request.extended_at = now
    request.extension_reason = checked
    _append(session, request, "extended", request.status, now, checked)
    return request


def get_request_or_raise(
    session: Session, request_id: uuid.UUID, *, for_update: bool = False
) -> RightsRequest:
    request = repository.get_request(session, request_id, for_update=for_update)
    if request is None:
        raise RequestNotFound("no such rights request")
    return request


def list_requests(
    session: Session,
    *,
    now: datetime,
    overdue: bool = False,
    subject_id: uuid.UUID | None = None,
) -> list[RequestOut]:
    found = repository.list_requests(
        session, overdue_at=now if overdue else None, subject_id=subject_id
    )
    history = repository.events_for(session, [r.id for r in found])
    return [request_out(r, history[r.id], now) for r in found]


def describe_request(session: Session, request: RightsRequest, now: datetime) -> RequestOut:
    return request_out(request, repository.events_for(session, [request.id])[request.id], now)


def request_out(
    request: RightsRequest, events: list[RightsRequestEvent], now: datetime
) -> RequestOut:
    return RequestOut(
        request_id=request.id,
        subject_id=request.subject_id,
        subject_pseudonym=request.subject_pseudonym,
        type=request.type,
        status=request.status,
        channel=request.channel,
        received_at=request.received_at,
        due_at=request.due_at,
        overdue=request.status not in (COMPLETED, REJECTED) and _before(request.due_at, now),
        extended_at=request.extended_at,
        extension_reason=request.extension_reason,
        closed_at=request.closed_at,
        details=dict(request.details or {}),
        history=[
            RequestEventOut(seq=e.seq, kind=e.kind, status=e.status, at=e.at, note=e.note)  # type: ignore[arg-type]
            for e in events
        ],
    )


def _before(due: datetime, now: datetime) -> bool:
    # SQLite gives naive datetimes back (stored in UTC).
    if due.tzinfo is None and now.tzinfo is not None:
        now = now.replace(tzinfo=None)
    return due < now


def _append(
    session: Session,
    request: RightsRequest,
    kind: str,
    status: str,
    now: datetime,
    note: str | None,
) -> None:
    event = RightsRequestEvent(
        id=uuid.uuid4(),
        request_id=request.id,
        seq=repository.next_event_seq(session, request.id),
        kind=kind,
        status=status,
        at=now,
        note=note,
    )
    repository.add_event(session, event)
