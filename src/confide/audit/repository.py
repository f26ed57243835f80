from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
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


def for_subject(session: Session, subject: str, limit: int) -> list[AuditEntry]:
    """The latest entries about one subject pseudonym, newest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.subject == subject)
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
