"""A customer erased after a backup was taken stays erased when that backup is restored."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from confide.backups import create_backup, restore_backup
from confide.db import unit_of_work
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault.ledger import LedgerError, ledger_path, record_shredded, shredded_ids
from confide.vault.models import DataKeyRecord
from tests.backups.helpers import Customer, restarted, shred_customer


def _restore(runtime: Runtime, path: Path) -> int:
    summary = restore_backup(
        runtime.engine, runtime.keyring, path, ledger_dir=runtime.settings.data_dir, force=True
    )
    return summary.reshredded


def test_erase_then_restore_backup_keeps_subject_erased(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    erased, kept = Customer(client, "erase-me"), Customer(client, "keep-me")
    kept_transcript = kept.transcript(client)
    path = tmp_path / "before-erasure.backup"
    create_backup(runtime.engine, runtime.keyring, path)

    key_id = shred_customer(runtime, erased.subject_id)
    reshredded = _restore(runtime, path)

    assert reshredded == 1
    with unit_of_work(runtime.sessions) as session:
        record = session.get(DataKeyRecord, key_id)
        subject = session.get(Subject, erased.subject_id)
        assert record is not None and subject is not None
        assert record.wrapped is None and record.destroyed_at is not None
        assert (subject.status, subject.email_ct, subject.email_index) == ("erased", None, None)
        assert (subject.name_ct, subject.external_id_ct, subject.external_id_index) == (
            None,
            None,
            None,
        )
    with restarted(runtime) as fresh:
        _assert_unreadable(erased, fresh)
        assert kept.transcript(fresh) == kept_transcript


def _assert_unreadable(customer: Customer, client: TestClient) -> None:
    status, body = customer.transcript(client)
    assert (status, body["status"]) == (200, "erased")
    assert [m["text"] for m in body["messages"]] == [None, None, None, None, None]


def test_restoring_a_backup_taken_after_the_erasure_keeps_it_erased_without_redoing_it(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    erased = Customer(client, "already-gone")
    shred_customer(runtime, erased.subject_id)
    path = tmp_path / "after-erasure.backup"
    create_backup(runtime.engine, runtime.keyring, path)

    assert _restore(runtime, path) == 0
    with restarted(runtime) as fresh:
        _assert_unreadable(erased, fresh)


def test_ledger_lists_every_recorded_key_once_and_is_private(tmp_path: Path) -> None:
    assert shredded_ids(tmp_path) == frozenset()
    for key_id in ("a" * 32, "b" * 32, "a" * 32):
        record_shredded(tmp_path, key_id)
    assert shredded_ids(tmp_path) == {"a" * 32, "b" * 32}
    assert ledger_path(tmp_path).stat().st_mode & 0o777 == 0o600
    lines = ledger_path(tmp_path).read_text(encoding="ascii").splitlines()
    assert [line.split(" ")[0] for line in lines] == ["a" * 32, "b" * 32, "a" * 32]


def test_ledger_ignores_a_torn_last_line_and_the_next_record_cuts_it(tmp_path: Path) -> None:
    record_shredded(tmp_path, "c" * 32)
    with ledger_path(tmp_path).open("ab") as handle:
        handle.write(b"dddddddd")  # a crash in the middle of an append
    assert shredded_ids(tmp_path) == {"c" * 32}
    record_shredded(tmp_path, "e" * 32)
    assert shredded_ids(tmp_path) == {"c" * 32, "e" * 32}
    assert b"dddddddd" not in ledger_path(tmp_path).read_bytes()


def test_ledger_refuses_a_corrupt_line_and_an_invalid_key_id(tmp_path: Path) -> None:
    ledger_path(tmp_path).write_bytes(b"not a valid line at all\n")
    os.chmod(ledger_path(tmp_path), 0o600)
    with pytest.raises(LedgerError, match="corrupt at line 1"):
        shredded_ids(tmp_path)
    with pytest.raises(ValueError, match="not a data key id"):
        record_shredded(tmp_path, "has spaces in it")


def test_rekey_then_restore_older_backup_keeps_the_customer_readable(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    from confide.keys.service import rekey_subject

    customer = Customer(client, "rekey-me")
    before = customer.transcript(client)
    path = tmp_path / "before-rekey.backup"
    create_backup(runtime.engine, runtime.keyring, path)
    with unit_of_work(runtime.sessions) as session:
        rekey_subject(session, runtime.vault, customer.subject_id)
    assert shredded_ids(runtime.settings.data_dir) == set()  # a re-key is not an erasure

    assert _restore(runtime, path) == 0
    with restarted(runtime) as fresh:
        assert customer.transcript(fresh) == before
