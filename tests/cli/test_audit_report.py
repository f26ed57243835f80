"""``confide audit report`` through the real command line: one JSON document, exit status 1
when a check fails, a table for people, and an audit entry by the operator."""

from __future__ import annotations

from sqlalchemy import text

from confide.audit.report import CHECKS
from confide.config import Settings
from confide.runtime import Runtime
from tests.conftest import cli_json, cli_run

PII = "jane.doe@example.com"


def _report_entries(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    query = text(
        "SELECT actor, outcome, reason FROM audit_entries WHERE action = 'audit.report' "
        "ORDER BY seq"
    )
    with runtime.work() as session:
        return [(r.actor, r.outcome, r.reason) for r in session.execute(query)]


def test_report_json_passes_on_a_fresh_installation_and_exits_zero(
    runtime: Runtime, settings: Settings
) -> None:
    code, data = cli_json(settings, "audit", "report")
    assert code == 0
    assert set(data) == {"ok", "checks", "at"} and data["ok"] is True
    assert [c["name"] for c in data["checks"]] == [name for name, _ in CHECKS]
    assert all(c["ok"] is True and c["detail"] for c in data["checks"])
    assert _report_entries(runtime) == [("operator:cli", "ok", None)]


def test_report_exits_non_zero_naming_the_failed_check_but_not_the_data(
    runtime: Runtime, settings: Settings
) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE orders SET carrier = :pii"), {"pii": PII})
    code, data = cli_json(settings, "audit", "report", "--sample-rows", "2")
    assert code == 1
    assert data["ok"] is False
    failed = [c for c in data["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["no_plaintext_pii_sample"]
    assert "orders.carrier: EMAIL_ADDRESS in 2 rows" in failed[0]["detail"]
    code, out = cli_run(settings, "audit", "report")
    assert code == 1
    assert "no_plaintext_pii_sample" in out and "FAILED" in out
    assert "failed: no_plaintext_pii_sample" in out
    assert "jane" not in out
    assert _report_entries(runtime) == [
        ("operator:cli", "failed", "check.no_plaintext_pii_sample"),
        ("operator:cli", "failed", "check.no_plaintext_pii_sample"),
    ]


def test_report_prints_a_table_for_people(runtime: Runtime, settings: Settings) -> None:
    code, out = cli_run(settings, "audit", "report")
    assert code == 0
    for name, _ in CHECKS:
        assert name in out
    assert "every check passed" in out
