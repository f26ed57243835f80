"""Automatic rotation in the server's lifespan, driven by a clock the test moves."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from confide.app import create_app
from confide.audit.models import AuditEntry
from confide.crypto import Keyring
from confide.keys.rotation import RotationScheduler
from confide.runtime import Runtime
from tests.keys.conftest import FakeClock, fresh_runtime


def test_the_server_rotates_an_overdue_master_key_at_startup_and_then_on_schedule(
    runtime: Runtime,
) -> None:
    first = runtime.keyring.active
    clock = FakeClock(first.created_at)
    with fresh_runtime(runtime.settings, clock=clock) as server:
        app = create_app(runtime=server)
        clock.advance(days=89)
        with TestClient(app):
            scheduler: RotationScheduler = app.state.key_rotation
            assert scheduler.checks == 1
            assert server.keyring.active.id == first.id  # 89 days: not due

            clock.advance(days=1)
            scheduler.wake()
            assert scheduler.wait_for_checks(2, timeout=10)
            second = server.keyring.active
            assert second.id != first.id and second.created_at == clock()

            clock.advance(days=30)
            scheduler.wake()
            assert scheduler.wait_for_checks(3, timeout=10)
            assert server.keyring.active.id == second.id

    on_disk = Keyring.load(runtime.settings.keyring_path)
    assert [(v.id, v.state) for v in on_disk.versions] == [
        (first.id, "decrypt-only"),
        (second.id, "active"),
    ]


def test_an_overdue_key_is_rotated_before_the_server_takes_requests(runtime: Runtime) -> None:
    first = runtime.keyring.active.id
    clock = FakeClock(runtime.keyring.active.created_at)
    clock.advance(days=120)
    with (
        fresh_runtime(runtime.settings, clock=clock) as server,
        TestClient(create_app(runtime=server)) as client,
    ):
        assert server.keyring.active.id != first
        started = client.post("/v1/conversations", json={})
        assert started.status_code == 201
        with server.work() as session:
            [entry] = session.query(AuditEntry).filter_by(action="keys.rotate").all()
            reason = f"{server.keyring.active.id} is now active (automatic rotation)"
            assert (entry.actor, entry.reason) == ("system", reason)
    assert Keyring.load(runtime.settings.keyring_path).active.id != first


def test_an_environment_master_key_is_not_rotated_but_warned_about(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    keyring = Keyring.from_master_key("B" * 43 + "=")
    clock = FakeClock(keyring.active.created_at)
    clock.advance(days=200)
    scheduler = RotationScheduler(keyring, period_days=90, interval_seconds=3600, clock=clock)
    with caplog.at_level(logging.WARNING, logger="confide.keys.rotation"):
        first, second = scheduler.check(), scheduler.check()
    assert first.due and first.rotated is None and second.rotated is None
    assert len(keyring.versions) == 1
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "cannot be rotated in place" in warnings[0]
