from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from confide.alerts.rules import Read
from confide.audit.models import AuditEntry
from confide.db import as_utc

# What counts as a staff member reading a customer's data.
READ_ACTIONS = ("staff.read", "staff.read.revealed", "staff.reveal")


def staff_reads(session: Session, since: datetime) -> Iterator[Read]:
    query = select(AuditEntry.actor, AuditEntry.subject, AuditEntry.at).where(
        AuditEntry.action.in_(READ_ACTIONS),
        AuditEntry.at >= since,
        AuditEntry.subject.is_not(None),
    )
    for actor, subject, at in session.execute(query):
        yield Read(actor, subject or "", as_utc(at))


def denials(session: Session, since: datetime) -> list[str]:
    query = select(AuditEntry.actor).where(AuditEntry.outcome == "denied", AuditEntry.at >= since)
    return list(session.scalars(query))


def recent_alert_reasons(session: Session, action: str, since: datetime) -> list[str]:
    query = select(AuditEntry.reason).where(AuditEntry.action == action, AuditEntry.at >= since)
    return [r for r in session.scalars(query) if r]


def latest_alerts(session: Session, action: str, limit: int) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
