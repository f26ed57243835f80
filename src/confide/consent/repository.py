from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from confide.consent.models import ConsentRecord, PrivacyNotice


def active_notice(session: Session) -> PrivacyNotice | None:
    query = select(PrivacyNotice).order_by(PrivacyNotice.version.desc()).limit(1)
    return session.scalars(query).first()


def notice_by_version(session: Session, version: int) -> PrivacyNotice | None:
    query = select(PrivacyNotice).where(PrivacyNotice.version == version)
    return session.scalars(query).one_or_none()


def list_notices(session: Session) -> list[PrivacyNotice]:
    return list(session.scalars(select(PrivacyNotice).order_by(PrivacyNotice.version)))


def add_notice(session: Session, notice: PrivacyNotice) -> None:
    session.add(notice)
    session.flush()


def latest_decision(session: Session, subject_id: uuid.UUID, purpose: str) -> ConsentRecord | None:
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.subject_id == subject_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.seq.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def latest_decisions(session: Session, subject_id: uuid.UUID) -> dict[str, ConsentRecord]:
    """The current decision per purpose: the row with the highest ``seq``."""
    latest = (
        select(ConsentRecord.purpose, func.max(ConsentRecord.seq).label("seq"))
        .where(ConsentRecord.subject_id == subject_id)
        .group_by(ConsentRecord.purpose)
        .subquery()
    )
    query = select(ConsentRecord).join(
        latest,
        (ConsentRecord.subject_id == subject_id)
        & (ConsentRecord.purpose == latest.c.purpose)
        & (ConsentRecord.seq == latest.c.seq),
    )
    return {record.purpose: record for record in session.scalars(query)}


def decision_history(session: Session, subject_id: uuid.UUID) -> list[ConsentRecord]:
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.subject_id == subject_id)
        .order_by(ConsentRecord.seq)
    )
    return list(session.scalars(query))


def next_seq(session: Session, subject_id: uuid.UUID) -> int:
    """The next decision number; the caller holds the subject's row lock."""
    query = select(func.max(ConsentRecord.seq)).where(ConsentRecord.subject_id == subject_id)
    return (session.scalar(query) or 0) + 1


def add_decision(session: Session, record: ConsentRecord) -> None:
    session.add(record)
    session.flush()
