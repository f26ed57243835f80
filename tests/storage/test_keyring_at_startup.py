"""Startup refuses a keyring that would strand the database's data keys, and changes nothing.

Runs on SQLite and PostgreSQL: the check reads ``data_keys`` through the real schema.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from confide.app import create_app
from confide.bootstrap import initialise
from confide.config import Settings
from confide.crypto import Keyring, SecretKey
from confide.db import unit_of_work
from confide.runtime import Runtime, SetupError, build_runtime
from confide.vault.keycheck import KeyringMismatch
from confide.vault.models import DataKeyRecord

MASTER_KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(1, 33))).decode()


def _variant(settings: Settings, **changes: str) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


def _with_customers(settings: Settings, n: int = 2) -> list[str]:
    """Initialise and create ``n`` customer data keys; return the stored wrapped keys' ids."""
    runtime = initialise(settings)
    try:
        with runtime.work() as session:
            return [runtime.vault.create_data_key(session) for _ in range(n)]
    finally:
        runtime.close()


def _data_key_rows(runtime_or_settings: Settings) -> list[tuple[str, str, bytes]]:
    runtime = build_runtime(runtime_or_settings, with_assistant=False)
    try:
        with unit_of_work(runtime.sessions) as session:
            rows = session.execute(
                select(DataKeyRecord.id, DataKeyRecord.master_version, DataKeyRecord.wrapped)
            )
            return sorted((a, b, bytes(c or b"")) for a, b, c in rows)
    finally:
        runtime.close()


def test_a_matching_keyring_starts_and_opens_the_data_keys(settings: Settings) -> None:
    key_ids = _with_customers(settings)

    runtime = build_runtime(settings, with_assistant=False)
    try:
        with runtime.work() as session:
            assert sorted(runtime.vault._data_key(session, k).id for k in key_ids) == sorted(
                key_ids
            )
    finally:
        runtime.close()


def test_a_deleted_keyring_file_is_not_replaced_while_the_database_has_data_keys(
    settings: Settings,
) -> None:
    _with_customers(settings)
    version = Keyring.load(settings.keyring_path).active.id
    settings.keyring_path.unlink()

    with pytest.raises(KeyringMismatch) as caught:
        build_runtime(settings, create=True)

    assert str(caught.value) == (
        f"the keyring file {settings.keyring_path} is missing but this database holds 2 "
        f"customer data keys wrapped by master key version(s) {version}: refusing to start "
        "with a new keyring, which would strand them; restore the keyring file that belongs "
        "to this database, or set the CONFIDE_MASTER_KEY it was created with"
    )
    assert not settings.keyring_path.exists()


def test_a_keyring_file_from_elsewhere_is_refused(settings: Settings, tmp_path: Path) -> None:
    _with_customers(settings)
    version = Keyring.load(settings.keyring_path).active.id
    settings.keyring_path.unlink()
    Keyring.create(settings.keyring_path)
    other = settings.keyring_path.read_bytes()

    with pytest.raises(KeyringMismatch) as caught:
        build_runtime(settings, create=True)

    assert str(caught.value).startswith(
        f"this database holds 2 customer data keys wrapped by master key version(s) {version}, "
        f"which the keyring file {settings.keyring_path} does not hold: refusing to start"
    )
    assert settings.keyring_path.read_bytes() == other


def test_a_keyring_whose_master_key_was_changed_in_place_is_refused(settings: Settings) -> None:
    _with_customers(settings)
    document = json.loads(settings.keyring_path.read_text())
    version = document["versions"][0]["id"]
    document["secrets"]["master_keys"][version] = base64.b64encode(
        SecretKey.generate().reveal()
    ).decode()
    settings.keyring_path.write_text(json.dumps(document))
    os.chmod(settings.keyring_path, 0o600)

    with pytest.raises(KeyringMismatch) as caught:
        build_runtime(settings)

    assert str(caught.value).startswith(
        f"the keyring file {settings.keyring_path} has master key version {version}, but it "
        "does not unwrap this database's data keys (a wrong key or a damaged keyring): "
        "refusing to start"
    )


def test_a_different_environment_master_key_is_refused_and_nothing_changes(
    settings: Settings,
) -> None:
    right = _variant(settings, master_key=MASTER_KEY)
    wrong = _variant(settings, master_key=OTHER_KEY)
    _with_customers(right, n=3)
    before = _data_key_rows(right)

    with pytest.raises(KeyringMismatch) as caught:
        initialise(wrong)

    message = str(caught.value)
    assert message.startswith("this database holds 3 customer data keys wrapped by master key ")
    assert "which CONFIDE_MASTER_KEY does not hold: refusing to start" in message
    assert OTHER_KEY not in message and MASTER_KEY not in message
    assert _data_key_rows(right) == before
    assert not settings.keyring_path.exists()


def test_a_keyring_file_replaced_by_an_environment_key_is_refused(settings: Settings) -> None:
    _with_customers(settings)

    with pytest.raises(KeyringMismatch, match="which CONFIDE_MASTER_KEY does not hold"):
        build_runtime(_variant(settings, master_key=MASTER_KEY))


def test_one_damaged_wrapped_key_does_not_stop_the_server(settings: Settings) -> None:
    key_ids = sorted(_with_customers(settings, n=2))
    runtime = build_runtime(settings, with_assistant=False)
    with unit_of_work(runtime.sessions) as session:
        record = session.get(DataKeyRecord, key_ids[0])
        assert record is not None and record.wrapped is not None
        record.wrapped = bytes(record.wrapped[:-1]) + bytes([record.wrapped[-1] ^ 1])
    runtime.close()

    build_runtime(settings, with_assistant=False).close()


def test_a_fresh_database_gets_a_new_keyring_as_before(settings: Settings) -> None:
    runtime = build_runtime(settings, create=True, with_assistant=False)
    try:
        with unit_of_work(runtime.sessions) as session:
            assert session.scalar(select(func.count()).select_from(DataKeyRecord)) == 0
    finally:
        runtime.close()
    assert settings.keyring_path.exists()


def test_the_app_refuses_to_start_with_a_wrong_master_key(settings: Settings) -> None:
    _with_customers(_variant(settings, master_key=MASTER_KEY))
    wrong = _variant(settings, master_key=OTHER_KEY)

    with pytest.raises(KeyringMismatch), TestClient(create_app(wrong)):
        pass


def test_the_app_refuses_a_protected_keyring_without_the_passphrase(settings: Settings) -> None:
    initialise(_variant(settings, keyring_passphrase="a passphrase")).close()

    with pytest.raises(SetupError) as caught, TestClient(create_app(settings)):
        pass

    assert str(caught.value) == (
        f"keyring file {settings.keyring_path} is passphrase-protected: "
        "set CONFIDE_KEYRING_PASSPHRASE"
    )


def test_a_protected_keyring_opens_with_its_passphrase(settings: Settings) -> None:
    protected = _variant(settings, keyring_passphrase="a passphrase")
    key_ids = _with_customers(protected)

    runtime: Runtime = build_runtime(protected, with_assistant=False)
    try:
        assert runtime.keyring.passphrase_protected
        with runtime.work() as session:
            assert runtime.vault._data_key(session, key_ids[0]).id == key_ids[0]
    finally:
        runtime.close()


def test_a_passphrase_for_an_unprotected_keyring_is_ignored_with_a_warning(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    initialise(settings).close()
    before = settings.keyring_path.read_bytes()

    with caplog.at_level("WARNING", logger="confide.runtime"):
        runtime = build_runtime(_variant(settings, keyring_passphrase="a passphrase"))
    runtime.close()

    assert not runtime.keyring.passphrase_protected
    assert settings.keyring_path.read_bytes() == before
    assert [r.getMessage() for r in caplog.records] == [
        f"keyring file {settings.keyring_path} is not passphrase-protected; "
        "CONFIDE_KEYRING_PASSPHRASE does not apply to it"
    ]
