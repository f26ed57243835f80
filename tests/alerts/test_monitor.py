"""Alerts end to end: staff reads in the audit log raise an ``alert.raised`` entry once,
posted to a webhook (a real local HTTP server), shown to auditors and admins only."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from confide.alerts.rules import AlertRules
from confide.alerts.service import AlertMonitor
from confide.app import create_app
from confide.audit.models import AuditEntry
from confide.runtime import Runtime
from tests.staff.helpers import add_staff, login


class Hook:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["content-length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.server.shutdown()


def monitor(runtime: Runtime, **kwargs: Any) -> AlertMonitor:
    return AlertMonitor(
        runtime.sessions, runtime.audit, runtime.clock, AlertRules(min_subjects=5), **kwargs
    )


def read_customers(runtime: Runtime, actor: str, count: int) -> None:
    with runtime.work() as session:
        for _ in range(count):
            runtime.audit.record(session, "staff.read", actor=actor, subject_id=uuid.uuid4())


def test_an_agent_reading_many_customers_raises_one_alert_posted_to_the_webhook(
    runtime: Runtime, hook: Hook
) -> None:
    actor = add_staff(runtime, "ana", "agent")
    read_customers(runtime, actor, 4)
    checker = monitor(runtime, webhook_url=hook.url)
    assert checker.check() == []
    read_customers(runtime, actor, 1)
    [alert] = checker.check()
    assert (alert.kind, alert.actor) == ("access-rate", actor)
    with runtime.work() as session:
        [entry] = session.query(AuditEntry).filter_by(action="alert.raised").all()
        assert entry.actor == "system"
        assert entry.reason == f"access-rate {actor}: read 5 customers in 60 min " + (
            "(busiest window in 7 days: 0)"
        )
    assert hook.bodies[0]["kind"] == "access-rate" and hook.bodies[0]["actor"] == actor
    # Still standing a minute later: not raised again.
    read_customers(runtime, actor, 3)
    assert checker.check() == []
    assert len(hook.bodies) == 1


def test_repeated_failed_logins_raise_a_denials_alert(client: TestClient, runtime: Runtime) -> None:
    add_staff(runtime, "ana", "agent")
    for _ in range(3):
        client.post("/v1/staff/login", json={"name": "ghost", "password": "wrong password"})
    checker = AlertMonitor(
        runtime.sessions, runtime.audit, runtime.clock, AlertRules(max_denials=3)
    )
    [alert] = checker.check()
    assert (alert.kind, alert.actor) == ("denials", "anonymous")


def test_a_failing_webhook_leaves_the_alert_in_the_audit_log(runtime: Runtime) -> None:
    actor = add_staff(runtime, "ana", "agent")
    read_customers(runtime, actor, 5)
    # Nothing listens on port 9 (discard) here: the post fails, the alert stays.
    raised = monitor(runtime, webhook_url="http://127.0.0.1:9/alerts", webhook_timeout=1).check()
    assert len(raised) == 1
    with runtime.work() as session:
        assert session.query(AuditEntry).filter_by(action="alert.raised").count() == 1


def test_alerts_are_shown_to_auditors_and_admins_only(client: TestClient, runtime: Runtime) -> None:
    actor = add_staff(runtime, "ana", "agent")
    read_customers(runtime, actor, 5)
    monitor(runtime).check()
    for name, role, status in [
        ("olga", "auditor", 200),
        ("root", "admin", 200),
        ("sue", "supervisor", 403),
    ]:
        add_staff(runtime, name, role)
        response = client.get("/v1/alerts", headers=login(client, name))
        assert response.status_code == status
        if status == 200:
            assert [a["reason"].split(":")[0] for a in response.json()] == ["access-rate agent"]


def test_the_server_checks_on_a_schedule(runtime: Runtime) -> None:
    runtime.settings.alert_check_seconds = 0.05
    app = create_app(runtime=runtime)
    with TestClient(app):
        assert app.state.alerts.wait_for_runs(2, timeout=10)
