"""Encrypted backups of the whole database: create one online, restore one all or nothing.

A backup is every row of every table, read in one snapshot while the server keeps running,
serialised (:mod:`confide.backups.codec`), compressed and sealed in AES-256-GCM chunks under
a fresh key wrapped by the master key (:mod:`confide.backups.format`). A restore first
authenticates the whole file, then replaces every row in one transaction, then destroys
again every data key in the shred ledger, so customers erased after the backup stay erased.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, Table

from confide.backups import repository
from confide.backups.codec import MANIFEST, ROW, TABLE, TRAILER, RecordReader, RecordWriter
from confide.backups.codec import decode_row as _decode_row
from confide.backups.errors import (
    BackupError,
    BackupExists,
    BackupUnreadable,
    DatabaseNotEmpty,
    NotABackup,
    SchemaMismatch,
    UnknownTables,
)
from confide.backups.format import DEFAULT_CHUNK_SIZE, EncryptedWriter, read_chunks
from confide.crypto import Keyring
from confide.db import utcnow
from confide.vault.ledger import shredded_ids

__all__ = [
    "BackupSummary",
    "RestoreSummary",
    "check_revision",
    "create_backup",
    "restore_backup",
]

KIND = "confide.backup"
CONTENT_FORMAT = 1
_ROWS_PER_INSERT = 1000

TableDone = Callable[[str, int], None]
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class BackupSummary:
    file: str
    bytes: int
    revision: str
    master_key_version: str
    created_at: str
    rows: int
    tables: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    file: str
    revision: str
    created_at: str
    rows: int
    tables: dict[str, int]
    reshredded: int
    ledger_entries: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- create ---------------------------------------------------------------------------------


def create_backup(
    engine: Engine,
    keyring: Keyring,
    path: Path,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    after_table: TableDone | None = None,
    clock: Clock = utcnow,
) -> BackupSummary:
    """Write a consistent, encrypted backup of the whole database to ``path`` (mode 0600).

    Safe while the server runs and writes. Never overwrites ``path``: the file appears
    complete or not at all. ``after_table(name, rows)`` is called as each table is read.
    """
    path = Path(path)
    if os.path.lexists(path):
        raise BackupExists(f"{path} already exists; choose another file name")
    created_at = clock().isoformat()
    with _private_file(path) as handle:
        writer = EncryptedWriter(handle, keyring, chunk_size=chunk_size)
        records = RecordWriter(writer.write)
        with repository.snapshot(engine) as connection:
            revision = _backup_revision(connection)
            records.json_record(
                MANIFEST,
                {
                    "kind": KIND,
                    "format": CONTENT_FORMAT,
                    "revision": revision,
                    "dialect": engine.dialect.name,
                    "created_at": created_at,
                },
            )
            counts = _write_tables(connection, records, after_table)
            records.json_record(TRAILER, {"rows": counts})
        records.close()
        writer.close()
    return BackupSummary(
        file=str(path),
        bytes=writer.bytes_written,
        revision=revision,
        master_key_version=keyring.active.id,
        created_at=created_at,
        rows=sum(counts.values()),
        tables=counts,
    )


def _backup_revision(connection: Connection) -> str:
    revision = repository.read_revision(connection)
    if revision is None:
        raise BackupError("the database has no schema yet: run `confide init` first")
    unknown = repository.unknown_tables(connection)
    if unknown:
        raise UnknownTables(
            "the database has tables this version of Confide does not know, which a backup "
            f"would leave out: {', '.join(unknown)}"
        )
    return revision


def _write_tables(
    connection: Connection, records: RecordWriter, after_table: TableDone | None
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in repository.tables():
        records.json_record(TABLE, {"name": table.name, "columns": _column_names(table)})
        count = 0
        for row in repository.iter_rows(connection, table):
            records.row(row)
            count += 1
        counts[table.name] = count
        if after_table is not None:
            after_table(table.name, count)
    return counts


def _column_names(table: Table) -> list[str]:
    return [column.name for column in table.columns]


@contextmanager
def _private_file(path: Path) -> Iterator[BinaryIO]:
    """A temp file (mode 0600) beside ``path``, published there only if the block succeeds."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if os.name == "posix":
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _publish(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)  # unlike rename(), never replaces a file created meanwhile
    except FileExistsError:
        raise BackupExists(f"{path} already exists; choose another file name") from None


# -- restore --------------------------------------------------------------------------------


def restore_backup(
    engine: Engine,
    keyring: Keyring,
    path: Path,
    *,
    ledger_dir: Path,
    force: bool = False,
    clock: Clock = utcnow,
) -> RestoreSummary:
    """Replace the whole database with the backup at ``path``, in one transaction.

    Refuses, changing nothing, a file it cannot authenticate with ``keyring``, a backup of
    another schema revision, and (without ``force``) a database that holds any row. Every
    data key in the shred ledger under ``ledger_dir`` is destroyed again before committing.
    """
    path = Path(path)
    name = str(path)
    manifest = _authenticate(path, keyring, name)
    shredded = shredded_ids(ledger_dir)
    with engine.begin() as connection:
        repository.lock_everything(connection)
        check_revision(manifest["revision"], repository.read_revision(connection), name)
        if not force and not repository.is_empty(connection):
            raise DatabaseNotEmpty(
                "the database is not empty; restoring replaces everything in it "
                "(pass --force to do that)"
            )
        repository.delete_everything(connection)
        with path.open("rb") as raw:
            records = iter(RecordReader(read_chunks(raw, keyring, name), name))
            next(records)  # the manifest, already checked
            counts = _load_tables(connection, records, name)
        reshredded = repository.destroy_data_keys(connection, shredded, clock())
        repository.reset_sequences(connection)
    return RestoreSummary(
        file=name,
        revision=manifest["revision"],
        created_at=manifest["created_at"],
        rows=sum(counts.values()),
        tables=counts,
        reshredded=reshredded,
        ledger_entries=len(shredded),
    )


def check_revision(backup: str, database: str | None, name: str) -> None:
    """Refuse to restore a backup into a database at another Alembic revision."""
    if database is None:
        raise SchemaMismatch("the database has no schema yet: run `confide init` first")
    if backup != database:
        raise SchemaMismatch(
            f"{name} was taken at schema revision {backup} but the database is at "
            f"{database}; restore it with the Confide version that took it"
        )


def _authenticate(path: Path, keyring: Keyring, name: str) -> dict[str, Any]:
    """Authenticate every chunk, before the database is touched; return the manifest."""
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise NotABackup(f"{name} does not exist") from None
    with raw:
        chunks = read_chunks(raw, keyring, name)
        records = iter(RecordReader(chunks, name))
        manifest = _manifest(next(records, None), name)
        for _ in chunks:  # the rest of the file: authenticated, not parsed
            pass
    return manifest


def _manifest(record: tuple[bytes, bytes] | None, name: str) -> dict[str, Any]:
    document = _json(record[1], name) if record is not None and record[0] == MANIFEST else None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise _damaged(name)
    if document.get("format") != CONTENT_FORMAT:
        raise NotABackup(
            f"{name} holds backup contents format {document.get('format')}; this version of "
            f"Confide reads format {CONTENT_FORMAT}"
        )
    if not isinstance(document.get("revision"), str):
        raise _damaged(name)
    return document


def _load_tables(
    connection: Connection, records: Iterator[tuple[bytes, bytes]], name: str
) -> dict[str, int]:
    known = {table.name: table for table in repository.tables()}
    loader = _TableLoader(connection, name)
    trailer: object = None
    for kind, payload in records:
        if trailer is not None:
            raise _damaged(name)
        if kind == ROW:
            loader.add(payload)
        elif kind == TABLE:
            loader.start(_table_for(_json(payload, name), known, name))
        elif kind == TRAILER:
            loader.flush()
            trailer = _json(payload, name)
        else:
            raise _damaged(name)
    if not isinstance(trailer, dict) or trailer.get("rows") != loader.counts:
        raise _damaged(name)
    if set(loader.counts) != set(known):
        raise SchemaMismatch(f"{name} does not hold every table of this schema")
    return loader.counts


def _table_for(document: object, known: dict[str, Table], name: str) -> Table:
    if not isinstance(document, dict):
        raise _damaged(name)
    table = known.get(str(document.get("name")))
    if table is None or document.get("columns") != _column_names(table):
        raise SchemaMismatch(
            f"{name} holds table {document.get('name')!r} in a shape this schema does not have"
        )
    return table


class _TableLoader:
    """Insert the rows of the current table in batches."""

    def __init__(self, connection: Connection, name: str) -> None:
        self._connection = connection
        self._name = name
        self._table: Table | None = None
        self._columns: list[str] = []
        self._batch: list[tuple[Any, ...]] = []
        self.counts: dict[str, int] = {}

    def start(self, table: Table) -> None:
        self.flush()
        if table.name in self.counts:
            raise _damaged(self._name)
        self._table, self._columns = table, _column_names(table)
        self.counts[table.name] = 0

    def add(self, payload: bytes) -> None:
        if self._table is None:
            raise _damaged(self._name)
        try:
            values = _decode_row(payload)
        except ValueError:
            raise _damaged(self._name) from None
        if len(values) != len(self._columns):
            raise _damaged(self._name)
        self._batch.append(values)
        if len(self._batch) >= _ROWS_PER_INSERT:
            self.flush()

    def flush(self) -> None:
        if self._table is None or not self._batch:
            return
        inserted = repository.insert_rows(self._connection, self._table, self._columns, self._batch)
        self.counts[self._table.name] += inserted
        self._batch = []


def _json(payload: bytes, name: str) -> object:
    try:
        return json.loads(payload.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise _damaged(name) from None


def _damaged(name: str) -> BackupUnreadable:
    return BackupUnreadable(f"{name} is damaged: its contents do not parse")
