"""``confide backup create`` and ``confide backup restore`` from the command line."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from tests.backups.helpers import Customer, dump, row_counts
from tests.conftest import cli_json


def test_backup_create_then_restore_with_force_prints_one_json_document_each(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    Customer(client, "cli-customer")
    before, counts = dump(runtime), row_counts(runtime)
    path = tmp_path / "cli.backup"

    code, created = cli_json(runtime.settings, "backup", "create", str(path))
    assert code == 0
    assert set(created) == {
        "file",
        "bytes",
        "revision",
        "master_key_version",
        "created_at",
        "rows",
        "tables",
    }
    assert created["tables"] == counts and created["rows"] == sum(counts.values())
    assert created["bytes"] == path.stat().st_size
    assert created["master_key_version"] == runtime.keyring.active.id
    assert path.stat().st_mode & 0o777 == 0o600

    Customer(client, "cli-later")
    code, refused = cli_json(runtime.settings, "backup", "restore", str(path))
    assert (code, refused["error"]) == (1, "DatabaseNotEmpty")

    code, restored = cli_json(runtime.settings, "backup", "restore", str(path), "--force")
    assert code == 0
    assert restored == {
        "file": str(path),
        "revision": created["revision"],
        "created_at": created["created_at"],
        "rows": created["rows"],
        "tables": counts,
        "reshredded": 0,
        "ledger_entries": 0,
    }
    assert dump(runtime) == before


def test_backup_create_refuses_to_overwrite_and_restore_refuses_a_missing_file(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = tmp_path / "exists.backup"
    path.write_bytes(b"precious")
    code, out = cli_json(runtime.settings, "backup", "create", str(path))
    assert (code, out) == (
        1,
        {"error": "BackupExists", "detail": f"{path} already exists; choose another file name"},
    )
    assert path.read_bytes() == b"precious"
    code, out = cli_json(runtime.settings, "backup", "restore", str(tmp_path / "missing.backup"))
    assert (code, out) == (
        1,
        {"error": "NotABackup", "detail": f"{tmp_path / 'missing.backup'} does not exist"},
    )
