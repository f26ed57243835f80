"""Database engine, declarative base and the unit of work.

The schema is built only by the Alembic migrations in ``confide/migrations``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import QueuePool

from confide.errors import ConfideError

# The largest number the API accepts in a path, query or body: PostgreSQL's integer, the
# column type of every number it is compared with (sequence numbers, notice versions, message
# numbers). A larger one is refused with 422 instead of reaching the database, where it fails
# (PostgreSQL: integer out of range; SQLite's driver, from 2**63: OverflowError).
MAX_INTEGER = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands timezone-aware columns back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted content (a shredded data key) is overwritten with zeros, not left in free space.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A deferred transaction that reads, then writes, fails at once with SQLITE_BUSY when
    # another writer committed in between; taking the write lock up front makes concurrent
    # requests wait their turn (busy_timeout) instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class TextInvalid(ConfideError):
    """Text with a NUL character: PostgreSQL's text types cannot hold one."""

    status_code = 422


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _many: bool
) -> None:
    """Refuse a statement with a NUL character in any text parameter, on every database.

    PostgreSQL cannot store or even compare such text (its driver raises, a 500), while
    SQLite takes it; input reaches the database from many fields (a staff name at login, an
    audit filter, a reveal's reason), so the one place every value passes refuses it, with a
    422 and before anything is written (the unit of work rolls back). Message text is refused
    earlier, with its own error. The parameters are walked whatever their shape: a dict or a
    tuple for one row, a list of them for many, one flat batch for SQLAlchemy's
    "insertmanyvalues" (which calls this with ``many`` true)."""
    pending = [parameters]
    while pending:
        value = pending.pop()
        if type(value) is str:
            if "\x00" in value:
                raise TextInvalid("text must not contain NUL characters; nothing was changed")
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list | tuple):
            pending.extend(value)


def make_engine(url: str, *, refuse_nul: bool = True) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout. With
    ``refuse_nul`` (all but a backup's restore), text with a NUL character is refused."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # SQLite takes one writer at a time. Rather than let threads race for its lock (its
        # busy handler polls, and under load some wait past any timeout), requests queue in
        # order for the one pooled connection.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        engine = create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
    if refuse_nul:
        event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def purge_old_page_versions(engine: Engine) -> None:
    """After an erasure has committed: on SQLite, copy the WAL into the database and truncate
    it, so no earlier version of an erased row stays in the WAL file. (PostgreSQL keeps dead
    row versions until VACUUM reuses their space; see docs/decisions.md.)"""
    if engine.dialect.name != "sqlite":
        return
    # The raw connection runs in autocommit: a checkpoint cannot run inside a transaction.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        connection.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit on success, roll back on any exception: the one place that commits."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
