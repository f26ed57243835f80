"""The retention job: find what has outlived its period, delete it (or, in a dry run, count
it), and say what it did per category.

Work is done in transactions of at most ``batch_size`` rows, each committed on its own, so a
large backlog never holds a long lock and a run interrupted half-way loses nothing: the next
run finds the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from confide.audit import AuditLog
from confide.db import unit_of_work
from confide.retention import repository
from confide.retention.periods import (
    AUDIT_ENTRIES,
    CONSENT_RECORDS,
    FEEDBACK,
    REDACTED_COPIES,
    RIGHTS_REQUESTS,
    TRANSCRIPTS,
    RetentionPeriods,
)
from confide.retention.repository import IdQuery
from confide.retention.schemas import CategoryReport, RetentionReport

BATCH_SIZE = 500

AUDIT_NOTE = (
    "Audit entries older than the period are deleted from the start of the chain, never the "
    "newest; a signed checkpoint written first lets `confide audit verify` start from there."
)
NO_AUDIT_NOTE = "no audit log was given to this run, so audit entries were not checked"

Counts = dict[str, int]
Handler = Callable[[sessionmaker[Session], datetime, bool, int], Counts]
Apply = Callable[[Session, Sequence[uuid.UUID]], int]


def run_retention(
    sessions: sessionmaker[Session],
    periods: RetentionPeriods,
    now: datetime,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    audit: AuditLog | None = None,
) -> RetentionReport:
    """Delete what has expired at ``now`` in every category (nothing with ``dry_run``)."""
    now = now.astimezone(UTC)  # stored times are UTC (SQLite compares them as text)
    reports = {}
    for category, handler, note in _CATEGORIES:
        if category == AUDIT_ENTRIES:
            handler, note = (
                (_audit_entries(audit), AUDIT_NOTE) if audit else (handler, NO_AUDIT_NOTE)
            )
        cutoff = periods.cutoff(category, now)
        counts = handler(sessions, cutoff, dry_run, batch_size) if cutoff is not None else {}
        reports[category] = CategoryReport(
            period_days=periods.days(category), cutoff=cutoff, counts=counts, note=note
        )
    return RetentionReport(dry_run=dry_run, now=now, categories=reports)


def _audit_entries(audit: AuditLog) -> Handler:
    def prune(sessions: sessionmaker[Session], cutoff: datetime, dry_run: bool, _: int) -> Counts:
        with unit_of_work(sessions) as session:
            return {"entries": audit.prune(session, cutoff, dry_run=dry_run)}

    return prune


def _transcripts(
    sessions: sessionmaker[Session], cutoff: datetime, dry_run: bool, batch: int
) -> Counts:
    expired = repository.expired_conversations(cutoff)
    if dry_run:
        with unit_of_work(sessions) as session:
            messages, feedback = repository.transcript_counts(session, expired)
            conversations = repository.count(session, expired)
        return {"conversations": conversations, "messages": messages, "feedback": feedback}
    totals = {"conversations": 0, "messages": 0, "feedback": 0}

    def expire(session: Session, ids: Sequence[uuid.UUID]) -> None:
        messages, feedback = repository.expire_conversations(session, ids)
        totals["conversations"] += len(ids)
        totals["messages"] += messages
        totals["feedback"] += feedback

    _in_batches(sessions, expired, batch, expire)
    return totals


def _consent_records(
    sessions: sessionmaker[Session], cutoff: datetime, dry_run: bool, batch: int
) -> Counts:
    subjects = repository.stale_consent_subjects(cutoff)
    if dry_run:
        with unit_of_work(sessions) as session:
            return {
                "subjects": repository.count(session, subjects),
                "consent_records": repository.consent_record_count(session, subjects),
            }
    totals = {"subjects": 0, "consent_records": 0}

    def delete(session: Session, ids: Sequence[uuid.UUID]) -> None:
        totals["subjects"] += len(ids)
        totals["consent_records"] += repository.delete_consent_records(session, ids)

    _in_batches(sessions, subjects, batch, delete, lock=False)
    return totals


def _rows_of(name: str, expired: Callable[[datetime], IdQuery], apply: Apply) -> Handler:
    """A category whose expired rows one query finds and one statement removes."""

    def handler(
        sessions: sessionmaker[Session], cutoff: datetime, dry_run: bool, batch: int
    ) -> Counts:
        return {name: _count_or_apply(sessions, expired(cutoff), dry_run, batch, apply)}

    return handler


def _nothing_recorded(
    sessions: sessionmaker[Session], cutoff: datetime, dry_run: bool, batch: int
) -> Counts:
    return {}


_CATEGORIES: tuple[tuple[str, Handler, str | None], ...] = (
    (TRANSCRIPTS, _transcripts, None),
    (
        REDACTED_COPIES,
        _rows_of("messages", repository.old_redacted_copies, repository.clear_redacted_copies),
        None,
    ),
    (FEEDBACK, _rows_of("feedback", repository.old_feedback, repository.delete_feedback), None),
    (
        RIGHTS_REQUESTS,
        _rows_of("requests", repository.old_closed_requests, repository.delete_requests),
        None,
    ),
    (AUDIT_ENTRIES, _nothing_recorded, AUDIT_NOTE),
    (CONSENT_RECORDS, _consent_records, None),
)


def _count_or_apply(
    sessions: sessionmaker[Session],
    query: IdQuery,
    dry_run: bool,
    batch: int,
    apply: Apply,
) -> int:
    if dry_run:
        with unit_of_work(sessions) as session:
            return repository.count(session, query)
    total = 0

    def step(session: Session, ids: Sequence[uuid.UUID]) -> None:
        nonlocal total
        total += apply(session, ids)

    _in_batches(sessions, query, batch, step)
    return total


def _in_batches(
    sessions: sessionmaker[Session],
    query: IdQuery,
    batch: int,
    apply: Callable[[Session, Sequence[uuid.UUID]], None],
    *,
    lock: bool = True,
) -> None:
    """Take ``batch`` ids at a time and apply, one transaction each, until none are left.
    Each batch removes its rows from ``query``'s results, so the loop ends."""
    while True:
        with unit_of_work(sessions) as session:
            ids = repository.take(session, query, batch, lock=lock)
            if ids:
                apply(session, ids)
        if len(ids) < batch:
            return
