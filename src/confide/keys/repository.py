"""SQL for key management: data key counts per master version, rewrap batches, the rows
that hold one customer's sealed fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from confide.conversations.models import Conversation
from confide.db import Base
from confide.subjects.models import Subject
from confide.vault.models import DataKeyRecord

_live = (DataKeyRecord.destroyed_at.is_(None), DataKeyRecord.wrapped.is_not(None))


class Rewrapped(TypedDict):
    key_id: str
    old_version: str
    new_version: str
    new_wrapped: bytes


def count_live_keys_by_version(session: Session) -> dict[str, int]:
    """Data keys that still exist (not shredded), by the master version that wraps them."""
    query = (
        select(DataKeyRecord.master_version, func.count())
        .where(*_live)
        .group_by(DataKeyRecord.master_version)
    )
    return {version: count for version, count in session.execute(query)}


def count_live_keys_under(session: Session, version_id: str) -> int:
    query = select(func.count()).where(DataKeyRecord.master_version == version_id, *_live)
    return int(session.scalar(query) or 0)


def count_keys_to_rewrap(session: Session, active_id: str) -> int:
    query = select(func.count()).where(DataKeyRecord.master_version != active_id, *_live)
    return int(session.scalar(query) or 0)


def next_rewrap_batch(
    session: Session, active_id: str, after_id: str, limit: int
) -> list[tuple[str, str, bytes]]:
    """Keyset page by id, so a key that cannot be unwrapped is passed over, not retried."""
    query = (
        select(DataKeyRecord.id, DataKeyRecord.master_version, DataKeyRecord.wrapped)
        .where(DataKeyRecord.master_version != active_id, DataKeyRecord.id > after_id, *_live)
        .order_by(DataKeyRecord.id)
        .limit(limit)
    )
    return [
        (key_id, version, bytes(wrapped or b""))
        for key_id, version, wrapped in session.execute(query)
    ]


def replace_wrappings(session: Session, rows: Sequence[Rewrapped]) -> None:
    """One UPDATE per key, each atomic, and only if the row is still as it was read: a key
    shredded or re-keyed meanwhile is left alone."""
    if not rows:
        return
    table = DataKeyRecord.__table__
    assert isinstance(table, Table)
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("key_id"),
            table.c.master_version == bindparam("old_version"),
            table.c.destroyed_at.is_(None),
        )
        .values(wrapped=bindparam("new_wrapped"), master_version=bindparam("new_version"))
    )
    session.connection().execute(statement, list(rows))


def rows_of_subject(session: Session, model: type[Base], subject: Subject) -> list[Any]:
    """The rows of ``model`` that belong to this customer, directly or by conversation."""
    if model is Subject:
        return [subject]
    columns: Any = model
    if hasattr(columns, "subject_id"):  # conversations, consent records
        condition = columns.subject_id == subject.id
    else:
        conversations = select(Conversation.id).where(Conversation.subject_id == subject.id)
        condition = columns.conversation_id.in_(conversations)
    return list(session.scalars(select(model).where(condition)))
