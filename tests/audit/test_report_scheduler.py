"""The self-audit in the server's lifespan: off at 0, not at startup, then every interval
counted from the last scheduled run, each run an audit entry and a signed checkpoint."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from confide.app import create_app
from confide.audit.models import AuditEntry
from confide.runtime import Runtime


def _with_interval(runtime: Runtime, seconds: float) -> Runtime:
    runtime.settings = runtime.settings.model_copy(update={"self_audit_seconds": seconds})
    return runtime


def _report_entries(runtime: Runtime) -> list[tuple[str, str]]:
    query = select(AuditEntry.actor, AuditEntry.outcome).where(AuditEntry.action == "audit.report")
    with runtime.work() as session:
        return [(actor, outcome) for actor, outcome in session.execute(query)]


def test_the_server_runs_the_self_audit_every_interval_and_signs_a_checkpoint(
    runtime: Runtime,
) -> None:
    with TestClient(create_app(runtime=_with_interval(runtime, 0.2))) as client:
        scheduler = client.app.state.self_audit  # type: ignore[attr-defined]
        assert scheduler.wait_for_runs(2, timeout=60)
        report = scheduler.last_report
    assert report is not None and report.ok is True
    entries = _report_entries(runtime)
    assert len(entries) >= 2 and set(entries) == {("system", "ok")}
    with runtime.work() as session:
        verified = runtime.audit.verify(session)
    assert verified.ok is True and verified.checkpoints >= 2


def test_the_first_run_waits_one_interval_after_startup(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=_with_interval(runtime, 3600.0))) as client:
        scheduler = client.app.state.self_audit  # type: ignore[attr-defined]
        scheduler.wake()
        assert not scheduler.wait_for_runs(1, timeout=0.5)
        assert scheduler.last_report is None and _report_entries(runtime) == []
        now = runtime.clock()
        runtime.clock = lambda: now + timedelta(hours=2)
        scheduler.wake()
        assert scheduler.wait_for_runs(1, timeout=60)
        assert scheduler.last_report.ok is True
    assert _report_entries(runtime) == [("system", "ok")]


def test_the_interval_counts_from_the_last_scheduled_run_in_the_log(runtime: Runtime) -> None:
    with runtime.work() as session:
        runtime.audit.record(session, "audit.report", actor="system")
    later = runtime.clock() + timedelta(minutes=50)
    runtime.clock = lambda: later
    with TestClient(create_app(runtime=_with_interval(runtime, 3600.0))) as client:
        scheduler = client.app.state.self_audit  # type: ignore[attr-defined]
        assert scheduler.due() is False
        runtime.clock = lambda: later + timedelta(minutes=11)
        assert scheduler.due() is True


def test_a_failing_check_is_recorded_as_a_failed_run(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE orders SET carrier = 'jane.doe@example.com'"))
    with TestClient(create_app(runtime=_with_interval(runtime, 0.2))) as client:
        scheduler = client.app.state.self_audit  # type: ignore[attr-defined]
        assert scheduler.wait_for_runs(1, timeout=60)
        assert scheduler.last_report.failed == ["no_plaintext_pii_sample"]
    assert _report_entries(runtime)[0] == ("system", "failed")


def test_the_self_audit_is_off_when_the_interval_is_zero(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=_with_interval(runtime, 0))) as client:
        assert client.app.state.self_audit is None  # type: ignore[attr-defined]
