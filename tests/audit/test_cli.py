"""``confide audit verify|checkpoint`` through the real command line."""

from __future__ import annotations

from sqlalchemy import text

from confide.config import Settings
from confide.runtime import Runtime
from tests.conftest import cli_json


def test_verify_reports_an_intact_log_and_exits_zero(runtime: Runtime, settings: Settings) -> None:
    with runtime.work() as session:
        runtime.audit.record(session, "test.one", actor="system")
    code, data = cli_json(settings, "audit", "verify", "--json")
    assert code == 0
    assert data["ok"] is True and data["entries"] == 1 and data["first_bad"] is None


def test_verify_names_the_altered_entry_and_exits_non_zero(
    runtime: Runtime, settings: Settings
) -> None:
    with runtime.work() as session:
        for _ in range(3):
            runtime.audit.record(session, "test.one", actor="system")
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'someone' WHERE seq = 2"))
    code, data = cli_json(settings, "audit", "verify", "--json")
    assert code == 1
    assert data["ok"] is False and data["first_bad"] == 2


def test_checkpoint_then_verify_counts_it(runtime: Runtime, settings: Settings) -> None:
    with runtime.work() as session:
        runtime.audit.record(session, "test.one", actor="system")
    code, taken = cli_json(settings, "audit", "checkpoint", "--json")
    assert code == 0 and taken["size"] == 1 and len(taken["head"]) == 64
    code, data = cli_json(settings, "audit", "verify", "--json")
    assert code == 0 and data["checkpoints"] == 1


def test_key_operations_from_the_command_line_are_audited(
    runtime: Runtime, settings: Settings
) -> None:
    code, rotated = cli_json(settings, "keys", "rotate", "--json")
    assert code == 0
    code, _ = cli_json(settings, "keys", "rewrap", "--json")
    assert code == 0
    with runtime.work() as session:
        rows = session.execute(
            text("SELECT action, actor, outcome, reason FROM audit_entries ORDER BY seq")
        ).all()
    assert [(r.action, r.actor, r.outcome) for r in rows] == [
        ("keys.rotate", "operator:cli", "ok"),
        ("keys.rewrap", "operator:cli", "ok"),
    ]
    assert rotated["active"] in rows[0].reason
    code, data = cli_json(settings, "audit", "verify", "--json")
    assert code == 0 and data["entries"] == 2
