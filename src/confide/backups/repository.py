"""The SQL of backups: read every table in one snapshot; replace every row in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Integer,
    Table,
    create_engine,
    event,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.pool import NullPool

from confide.models import Base, DataKeyRecord, Subject
from confide.subjects.service import ERASED

ALEMBIC_TABLE = "alembic_version"
# What confide.subjects.service.shred_subject leaves on an erased customer's row.
_BATCH = 1000


def tables() -> list[Table]:
    """Every table of the schema, parents before children (foreign keys)."""
    return list(Base.metadata.sorted_tables)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection on which every query sees one committed state of the database.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: one deferred read
    transaction on a connection of its own; in WAL mode it reads one snapshot while writers
    carry on (the application's engine begins IMMEDIATE, which would block them instead).
    """
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection:
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with connection.begin():
                yield connection
        return
    reader = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(reader, "connect", _sqlite_reader)
    event.listen(reader, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    try:
        with reader.connect() as connection, connection.begin():
            yield connection
    finally:
        reader.dispose()


def _sqlite_reader(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def read_revision(connection: Connection) -> str | None:
    """The database's Alembic revision(s), or None if it has never been migrated."""
    if not inspect(connection).has_table(ALEMBIC_TABLE):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    revisions = sorted(rows)
    return ",".join(revisions) if revisions else None


def unknown_tables(connection: Connection) -> list[str]:
    """Tables in the database that the schema does not define (they would be left out)."""
    known = {t.name for t in tables()} | {ALEMBIC_TABLE}
    return sorted(set(inspect(connection).get_table_names()) - known)


def iter_rows(connection: Connection, table: Table) -> Iterator[tuple[Any, ...]]:
    """Every row of ``table``, streamed, with timestamps normalised to aware UTC."""
    fixes = [_utc if _is_aware_timestamp(c.type) else None for c in table.columns]
    result = connection.execution_options(yield_per=_BATCH).execute(select(table))
    for row in result:
        yield tuple(
            v if fix is None or v is None else fix(v) for v, fix in zip(row, fixes, strict=True)
        )


def _is_aware_timestamp(column_type: Any) -> bool:
    return isinstance(column_type, DateTime) and bool(column_type.timezone)


def _utc(value: datetime) -> datetime:
    # SQLite hands back the naive UTC the application wrote; PostgreSQL an aware value.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_empty(connection: Connection) -> bool:
    """True when no table holds a row."""
    return all(
        connection.execute(select(literal(1)).select_from(t).limit(1)).first() is None
        for t in tables()
    )


def lock_everything(connection: Connection) -> None:
    """PostgreSQL: keep every other session out of the schema's tables until commit, so no
    request reads a half-restored database or writes into one. (SQLite's write transaction
    already excludes other writers, and its readers keep their snapshot.)"""
    if connection.dialect.name != "postgresql":
        return
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.format_table(t) for t in tables())
    # Table names come from the schema definition, never from input.
    connection.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))


def delete_everything(connection: Connection) -> None:
    for table in reversed(tables()):
        connection.execute(table.delete())


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Insert rows given as value tuples in ``columns`` order, in batches; the row count."""
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) >= _BATCH:
            connection.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count


def destroy_data_keys(connection: Connection, key_ids: Iterable[str], now: datetime) -> int:
    """Do again what shredding did to each key in ``key_ids`` that is present and not already
    fully shredded: drop the wrapped key, mark it destroyed, and clear its customer's
    identifiers and blind indexes. Returns how many keys were destroyed again."""
    keys = Base.metadata.tables[DataKeyRecord.__tablename__]
    subjects = Base.metadata.tables[Subject.__tablename__]
    destroyed = 0
    for batch in _batches(sorted(key_ids)):
        result = connection.execute(
            update(keys)
            .where(
                keys.c.id.in_(batch),
                or_(keys.c.wrapped.is_not(None), keys.c.destroyed_at.is_(None)),
            )
            .values(wrapped=None, destroyed_at=func.coalesce(keys.c.destroyed_at, now))
        )
        destroyed += result.rowcount
        connection.execute(
            update(subjects)
            .where(subjects.c.data_key_id.in_(batch))
            .values(
                status=ERASED,
                email_ct=None,
                name_ct=None,
                external_id_ct=None,
                email_index=None,
                phone_ct=None,
                phone_index=None,
                external_id_index=None,
            )
        )
    return destroyed


def _batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def reset_sequences(connection: Connection) -> None:
    """PostgreSQL: move each serial primary key's sequence past the restored rows."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables():
        for column in _serial_columns(table):
            highest = select(func.max(table.c[column])).scalar_subquery()
            sequence = func.pg_get_serial_sequence(table.name, column)
            connection.execute(select(func.setval(sequence, func.coalesce(highest, 0) + 1, False)))


def _serial_columns(table: Table) -> Iterator[str]:
    columns = list(table.primary_key.columns)
    if (
        len(columns) == 1
        and isinstance(columns[0].type, Integer)
        and columns[0].autoincrement in (True, "auto")
    ):
        yield columns[0].name
