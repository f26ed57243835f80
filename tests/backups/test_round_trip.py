"""Create a backup, change or empty the database, restore it: everything is back, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from confide.backups import (
    BackupExists,
    BackupSummary,
    DatabaseNotEmpty,
    RestoreSummary,
    create_backup,
    repository,
    restore_backup,
)
from confide.runtime import Runtime
from tests.backups.helpers import Customer, dump, restarted, row_counts
from tests.conftest import Chat


def _backup(runtime: Runtime, path: Path) -> BackupSummary:
    return create_backup(runtime.engine, runtime.keyring, path)


def _restore(runtime: Runtime, path: Path, *, force: bool = False) -> RestoreSummary:
    return restore_backup(
        runtime.engine, runtime.keyring, path, ledger_dir=runtime.settings.data_dir, force=force
    )


def test_restore_over_a_changed_database_brings_back_every_row_and_readable_message(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    customers = [Customer(client, f"round-{n}", messages=3) for n in range(3)]
    client.post(
        f"/v1/conversations/{customers[0].id}/feedback",
        json={"rating": "up", "comment": "very helpful"},
        headers=customers[0].headers,
    )
    transcripts = [c.transcript(client) for c in customers]
    before = dump(runtime)
    summary = _backup(runtime, tmp_path / "full.backup")
    assert summary.tables == row_counts(runtime)
    assert summary.tables["messages"] == 3 * 7  # greeting, then 3 exchanges each
    assert summary.tables["feedback"] == 1

    later = Chat(client)
    later.say("a message after the backup")
    customers[1].say("another message after the backup")
    assert dump(runtime) != before

    restored = _restore(runtime, tmp_path / "full.backup", force=True)

    assert dump(runtime) == before
    assert restored.tables == summary.tables and restored.rows == summary.rows
    assert restored.revision == summary.revision and restored.reshredded == 0
    with restarted(runtime) as fresh:
        assert [c.transcript(fresh) for c in customers] == transcripts
        assert transcripts[0][1]["messages"][1]["text"] == "hello, my code is round-0-0"
        gone = fresh.get(f"/v1/conversations/{later.id}", headers=later.headers)
        assert gone.status_code == 401


def test_restore_into_an_emptied_database_needs_no_force(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    customer = Customer(client, "emptied")
    before, transcript = dump(runtime), customer.transcript(client)
    _backup(runtime, tmp_path / "b.backup")
    with runtime.engine.begin() as connection:
        repository.delete_everything(connection)
    assert all(rows == [] for rows in dump(runtime).values())

    _restore(runtime, tmp_path / "b.backup")

    assert dump(runtime) == before
    with restarted(runtime) as fresh:
        assert customer.transcript(fresh) == transcript


def test_restore_over_a_database_with_rows_without_force_is_refused_and_changes_nothing(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    Customer(client, "kept")
    _backup(runtime, tmp_path / "b.backup")
    Chat(client).say("after the backup")
    before = dump(runtime)
    with pytest.raises(DatabaseNotEmpty, match="pass --force"):
        _restore(runtime, tmp_path / "b.backup")
    assert dump(runtime) == before


def test_backup_file_is_private_and_never_overwritten(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "b.backup"
    _backup(runtime, path)
    assert path.stat().st_mode & 0o777 == 0o600
    first = path.read_bytes()
    with pytest.raises(BackupExists):
        _backup(runtime, path)
    assert path.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
