"""The SQL of the self-audit (``confide.audit.report``): consent grants in force, dormant
staff accounts, the last scheduled run, and a random sample of the text columns of every
table in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, column, func, inspect, select, table
from sqlalchemy import types as sqltypes
from sqlalchemy.orm import Session

from confide.audit.models import AuditEntry
from confide.consent.models import ConsentRecord
from confide.models import Base
from confide.staff.models import StaffUser


def grants_in_force(session: Session) -> dict[str, int]:
    """Customers whose latest decision for a purpose is a grant, by purpose."""
    latest = (
        select(
            ConsentRecord.subject_id,
            ConsentRecord.purpose,
            func.max(ConsentRecord.seq).label("seq"),
        )
        .group_by(ConsentRecord.subject_id, ConsentRecord.purpose)
        .subquery()
    )
    query = (
        select(ConsentRecord.purpose, func.count())
        .join(
            latest,
            and_(
                ConsentRecord.subject_id == latest.c.subject_id,
                ConsentRecord.purpose == latest.c.purpose,
                ConsentRecord.seq == latest.c.seq,
            ),
        )
        .where(ConsentRecord.granted.is_(True))
        .group_by(ConsentRecord.purpose)
    )
    return {purpose: count for purpose, count in session.execute(query)}


def grants_without_receipt(session: Session) -> dict[str, int]:
    """Grant records with no sealed receipt, by purpose."""
    query = (
        select(ConsentRecord.purpose, func.count())
        .where(ConsentRecord.granted.is_(True), ConsentRecord.receipt_ct.is_(None))
        .group_by(ConsentRecord.purpose)
    )
    return {purpose: count for purpose, count in session.execute(query)}


def dormant_staff(session: Session, cutoff: datetime) -> list[StaffUser]:
    """Enabled accounts whose last login (or, never logged in, creation) is before ``cutoff``."""
    last_seen = func.coalesce(StaffUser.last_login_at, StaffUser.created_at)
    query = (
        select(StaffUser)
        .where(StaffUser.disabled.is_(False), last_seen < cutoff)
        .order_by(last_seen, StaffUser.id)
    )
    return list(session.scalars(query))


def last_entry_at(session: Session, action: str, *, actor: str) -> datetime | None:
    """When ``actor`` last recorded ``action`` (UTC), if ever."""
    query = (
        select(AuditEntry.at)
        .where(AuditEntry.action == action, AuditEntry.actor == actor)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    last = session.scalar(query)
    if last is not None and last.tzinfo is None:  # SQLite gives UTC back without a zone
        last = last.replace(tzinfo=UTC)
    return last


def _is_text(type_: Any) -> bool:
    # Binary columns hold ciphertext; UUID columns (CHAR(32) on SQLite) hold only keys.
    if isinstance(type_, sqltypes.Uuid):
        return False
    return isinstance(type_, sqltypes.String | sqltypes.JSON)


def _mapped_as_uuid(table_name: str, column_name: str) -> bool:
    mapped = Base.metadata.tables.get(table_name)
    if mapped is None or column_name not in mapped.c:
        return False
    return isinstance(mapped.c[column_name].type, sqltypes.Uuid)


def text_columns(connection: Connection) -> dict[str, list[str]]:
    """Every table in the database (mapped or not) with its text and JSON columns."""
    inspector = inspect(connection)
    found: dict[str, list[str]] = {}
    for table_name in sorted(inspector.get_table_names()):
        found[table_name] = [
            c["name"]
            for c in inspector.get_columns(table_name)
            if _is_text(c["type"]) and not _mapped_as_uuid(table_name, c["name"])
        ]
    return found


def sample_rows(
    connection: Connection, table_name: str, columns: Sequence[str], limit: int
) -> list[tuple[Any, ...]]:
    """Up to ``limit`` rows of ``columns``, chosen at random (identifiers are quoted)."""
    source = table(table_name, *(column(name) for name in columns))
    query = select(*source.c).order_by(func.random()).limit(limit)
    return [tuple(row) for row in connection.execute(query)]
