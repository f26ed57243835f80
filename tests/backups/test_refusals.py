"""A restore refuses any file it cannot authenticate, and then the database is unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from confide.backups import (
    BackupUnreadable,
    NotABackup,
    SchemaMismatch,
    check_revision,
    create_backup,
    restore_backup,
)
from confide.backups.format import MIN_CHUNK_SIZE, TAG_SIZE, read_header
from confide.crypto import Keyring
from confide.runtime import Runtime
from tests.backups.helpers import Customer, dump
from tests.conftest import Chat

CHUNK = MIN_CHUNK_SIZE  # small chunks, so the demo database spans many of them
BLOCK = CHUNK + TAG_SIZE


@pytest.fixture
def backup(client: TestClient, runtime: Runtime, tmp_path: Path) -> Path:
    """A backup of the demo store with two customers; then the database moves on."""
    Customer(client, "refusal-a"), Customer(client, "refusal-b")
    path = tmp_path / "good.backup"
    create_backup(runtime.engine, runtime.keyring, path, chunk_size=CHUNK)
    Chat(client).say("written after the backup")
    return path


def _header_size(path: Path) -> int:
    with path.open("rb") as raw:
        return len(read_header(raw, str(path)).raw)


def _flip(offset: Callable[[int, int], int]) -> Callable[[bytes, int], bytes]:
    def change(data: bytes, header: int) -> bytes:
        at = offset(len(data), header)
        return data[:at] + bytes((data[at] ^ 0x01,)) + data[at + 1 :]

    return change


def _chunks(data: bytes, header: int) -> list[bytes]:
    return [data[i : i + BLOCK] for i in range(header, len(data), BLOCK)]


def _swap_first_two_chunks(data: bytes, header: int) -> bytes:
    chunks = _chunks(data, header)
    return data[:header] + chunks[1] + chunks[0] + b"".join(chunks[2:])


def _drop_last_chunk(data: bytes, header: int) -> bytes:
    return data[:header] + b"".join(_chunks(data, header)[:-1])


def _repeat_a_chunk_at_the_end(data: bytes, header: int) -> bytes:
    chunks = _chunks(data, header)
    return data[:header] + b"".join(chunks[:-1]) + chunks[0] + chunks[-1]


DAMAGE: dict[str, Callable[[bytes, int], bytes]] = {
    "flipped chunk-size byte": _flip(lambda size, header: 11),
    "flipped nonce-prefix byte": _flip(lambda size, header: 15),
    "flipped wrapped-key byte": _flip(lambda size, header: header - 20),
    "flipped byte in the first chunk": _flip(lambda size, header: header + 3),
    "flipped byte in a middle chunk": _flip(lambda size, header: header + 5 * BLOCK + 100),
    "flipped last byte": _flip(lambda size, header: size - 1),
    "truncated to the header": lambda data, header: data[:header],
    "truncated inside the header": lambda data, header: data[: header - 7],
    "truncated inside a chunk": lambda data, header: data[: header + 3 * BLOCK + 500],
    "truncated at a chunk boundary": _drop_last_chunk,
    "last byte missing": lambda data, header: data[:-1],
    "chunks reordered": _swap_first_two_chunks,
    "chunk appended": _repeat_a_chunk_at_the_end,
}


def _restore(runtime: Runtime, path: Path, keyring: Keyring | None = None) -> None:
    restore_backup(
        runtime.engine,
        keyring or runtime.keyring,
        path,
        ledger_dir=runtime.settings.data_dir,
        force=True,
    )


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_backup_is_refused_and_the_database_is_unchanged(
    runtime: Runtime, backup: Path, tmp_path: Path, damage: str
) -> None:
    data = backup.read_bytes()
    assert len(_chunks(data, _header_size(backup))) > 6
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(DAMAGE[damage](data, _header_size(backup)))
    before = dump(runtime)
    with pytest.raises(BackupUnreadable, match=r"damaged\.backup"):
        _restore(runtime, damaged)
    assert dump(runtime) == before


def test_backup_restored_with_another_keyring_is_refused_naming_the_master_key(
    runtime: Runtime, backup: Path, tmp_path: Path
) -> None:
    other = Keyring.create(tmp_path / "other-keyring.json")
    before = dump(runtime)
    with pytest.raises(BackupUnreadable) as refused:
        _restore(runtime, backup, other)
    assert refused.value.detail == (
        f"{backup} was encrypted under master key version {runtime.keyring.active.id}, which "
        "this keyring does not have: restore it with the keyring it was made with"
    )
    assert dump(runtime) == before


def test_backup_whose_wrapped_key_names_this_keyring_but_does_not_unwrap_is_refused(
    runtime: Runtime, backup: Path, tmp_path: Path
) -> None:
    # Same master version id, other key bytes: the wrap itself fails to authenticate.
    version = runtime.keyring.active
    impostor = Keyring(
        [type(version)(version.id, version.created_at, "active", type(version.key).generate())],
        index_root=type(version.key).generate(),
    )
    before = dump(runtime)
    with pytest.raises(BackupUnreadable, match="cannot be authenticated"):
        _restore(runtime, backup, impostor)
    assert dump(runtime) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is not a Confide backup"),
        (b"id,title,body\nfaq,FAQ,Hello\n", "is not a Confide backup"),
        (b"CONFIDBK\x02" + bytes(40), "is backup format 2; this version of Confide reads format 1"),
        (b"CONFIDBK\x01\x00", "is truncated"),
    ],
)
def test_file_that_is_not_a_backup_is_refused(
    runtime: Runtime, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "not.backup"
    path.write_bytes(content)
    before = dump(runtime)
    with pytest.raises((NotABackup, BackupUnreadable)) as refused:
        _restore(runtime, path)
    assert refused.value.detail == f"{path} {message}"
    assert dump(runtime) == before


def test_backup_from_another_schema_revision_is_refused(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    Customer(client, "revision")
    with runtime.engine.begin() as connection:
        real = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        # Pretend the schema was at another revision when this backup was taken.
        connection.execute(text("UPDATE alembic_version SET version_num = 'older0001'"))
    path = tmp_path / "older.backup"
    summary = create_backup(runtime.engine, runtime.keyring, path)
    assert summary.revision == "older0001"
    with runtime.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :real"), {"real": real})
    Chat(client).say("after the backup")
    before = dump(runtime)
    with pytest.raises(SchemaMismatch) as refused:
        _restore(runtime, path)
    assert refused.value.detail == (
        f"{path} was taken at schema revision older0001 but the database is at {real}; "
        "restore it with the Confide version that took it"
    )
    assert dump(runtime) == before


def test_revision_check_accepts_only_the_same_revision() -> None:
    check_revision("0002", "0002", "b.backup")
    with pytest.raises(SchemaMismatch, match="revision 0001 but the database is at 0002"):
        check_revision("0001", "0002", "b.backup")
    with pytest.raises(SchemaMismatch, match="run `confide init` first"):
        check_revision("0001", None, "b.backup")
