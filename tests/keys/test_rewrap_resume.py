"""Rewrap killed midway, then run again: it finishes and no data key is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from confide.crypto import Keyring
from confide.db import unit_of_work
from confide.keys import service
from confide.runtime import Runtime
from confide.vault.models import DataKeyRecord
from tests.keys.conftest import bulk_data_keys, cli_json


class Crash(Exception):
    pass


def _count_under(runtime: Runtime, version: str) -> int:
    with unit_of_work(runtime.sessions) as session:
        query = select(func.count()).where(DataKeyRecord.master_version == version)
        return int(session.scalar(query) or 0)


def _assert_every_key_opens_under(
    runtime: Runtime, version: str, material: dict[str, bytes]
) -> None:
    keyring = Keyring.load(runtime.settings.keyring_path)
    with unit_of_work(runtime.sessions) as session:
        rows = session.execute(
            select(DataKeyRecord.id, DataKeyRecord.master_version, DataKeyRecord.wrapped)
        ).all()
    assert len(rows) == len(material)
    for key_id, master_version, wrapped in rows:
        assert master_version == version
        assert keyring.unwrap_data_key(key_id, bytes(wrapped)).key.reveal() == material[key_id]


def test_rewrap_crashing_between_batches_then_run_again_finishes(runtime: Runtime) -> None:
    keyring = runtime.keyring
    material = bulk_data_keys(runtime, keyring, 250)
    old = keyring.active.id
    new = service.rotate_master_key(keyring).id

    def crash_after_three_batches(progress: service.RewrapProgress) -> None:
        if progress.batches == 3:
            raise Crash

    with pytest.raises(Crash):
        service.rewrap_data_keys(
            runtime.sessions, keyring, batch_size=40, on_batch=crash_after_three_batches
        )
    assert _count_under(runtime, new) == 120 and _count_under(runtime, old) == 130

    summary = service.rewrap_data_keys(runtime.sessions, keyring, batch_size=40)
    assert (summary.total, summary.rewrapped, summary.remaining, summary.batches) == (
        130,
        130,
        0,
        4,
    )
    _assert_every_key_opens_under(runtime, new, material)


def test_rewrap_process_killed_midway_then_run_again_finishes(runtime: Runtime) -> None:
    keyring = runtime.keyring
    material = bulk_data_keys(runtime, keyring, 2000)
    old = keyring.active.id
    new = service.rotate_master_key(keyring).id
    env = {**os.environ, "CONFIDE_DATA_DIR": str(runtime.settings.data_dir)}
    env["CONFIDE_DATABASE_URL"] = runtime.settings.database_url or ""
    command = [sys.executable, "-c", "from confide.cli import main; main()"]
    process = subprocess.Popen(
        [*command, "keys", "rewrap", "--batch-size", "100", "--pause", "0.2", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _count_under(runtime, new) < 300 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        process.kill()  # SIGKILL: no clean-up of any kind
        process.wait()
    moved = _count_under(runtime, new)
    assert 300 <= moved < 2000 and moved % 100 == 0  # only whole batches were committed
    assert _count_under(runtime, old) == 2000 - moved

    code, summary = cli_json(runtime.settings, "keys", "rewrap")
    assert code == 0
    assert summary["rewrapped"] == 2000 - moved and summary["remaining"] == 0
    _assert_every_key_opens_under(runtime, new, material)
