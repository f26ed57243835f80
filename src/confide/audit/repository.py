from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from confide.audit.chain import GENESIS
from confide.audit.models import AuditEntry, AuditHead

HEAD_ID = 1


def locked_head(session: Session) -> AuditHead | None:
    """The head row, locked for this transaction (PostgreSQL; SQLite already serialises
    writers with BEGIN IMMEDIATE)."""
    return session.scalars(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).one_or_none()


def recreate_head(session: Session) -> AuditHead:
    """Put back a missing head row (a table emptied by hand, or by a test) pointing at the
    last entry, and lock it. Two transactions may race to do so: the loser's insert fails
    inside a savepoint and it locks the winner's row instead."""
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    try:
        with session.begin_nested():
            session.add(
                AuditHead(
                    id=HEAD_ID,
                    seq=last.seq if last else 0,
                    entry_hash=last.entry_hash if last else GENESIS,
                )
            )
    except IntegrityError:
        pass
    row = locked_head(session)
    if row is None:  # pragma: no cover - the insert above or a concurrent one made it
        raise RuntimeError("the audit head row could not be created")
    return row


def head(session: Session) -> AuditHead | None:
    return session.get(AuditHead, HEAD_ID)


def entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every entry in sequence order, fetched in batches."""
    after = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        )
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq


def latest(session: Session, limit: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)))


def page(
    session: Session, *, after: int, limit: int, action: str | None = None
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.seq > after)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query.order_by(AuditEntry.seq).limit(limit)))


def for_subject(session: Session, subject: str, limit: int) -> list[AuditEntry]:
    """The latest entries about one subject pseudonym, newest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.subject == subject)
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def first_seq(session: Session) -> int | None:
    return session.scalar(select(func.min(AuditEntry.seq)))


def last_entry_before(session: Session, before: datetime) -> AuditEntry | None:
    """The newest entry older than ``before`` whose predecessors are all older too."""
    first_new = session.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= before))
    query = select(AuditEntry).where(AuditEntry.at < before)
    if first_new is not None:
        query = query.where(AuditEntry.seq < first_new)
    return session.scalars(query.order_by(AuditEntry.seq.desc()).limit(1)).first()


def count_up_to(session: Session, seq: int) -> int:
    return session.scalar(select(func.count()).where(AuditEntry.seq <= seq)) or 0


def delete_up_to(session: Session, seq: int) -> None:
    session.execute(delete(AuditEntry).where(AuditEntry.seq <= seq))
