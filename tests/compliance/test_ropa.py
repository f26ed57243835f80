"""``confide compliance ropa``: Article 30 records generated from the configuration."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from confide.cli import app as cli_app
from confide.config import Settings
from confide.runtime import Runtime
from tests.conftest import cli_env, cli_json, cli_run


def test_records_follow_the_configured_purposes_and_periods(
    runtime: Runtime, settings: Settings
) -> None:
    code, records = cli_json(settings, "compliance", "ropa", "--json")
    assert code == 0
    by_purpose = {a["purpose"]: a for a in records["activities"]}
    assert set(by_purpose) == set(runtime.settings.purposes)
    assert by_purpose["service"]["legal_basis"] == "contract"
    assert by_purpose["improvement"]["consent_required"] is True
    assert by_purpose["analytics"]["legal_basis"] == "legitimate_interest"
    assert "agent" in by_purpose["human_review"]["recipients"]
    assert "agent" not in by_purpose["improvement"]["recipients"]
    assert records["retention"]["transcripts"] == f"{settings.retention_transcripts_days} days"
    assert records["controller"]["name"]  # the demo notice names the controller
    assert records["privacy_notice_version"] == 1


def test_changed_configuration_changes_the_records(runtime: Runtime, settings: Settings) -> None:
    env = {
        **cli_env(settings),
        "CONFIDE_RETENTION_TRANSCRIPTS_DAYS": "7",
        "CONFIDE_RETENTION_FEEDBACK_DAYS": "0",
    }
    result = CliRunner().invoke(cli_app, ["compliance", "ropa", "--json"], env=env)
    assert result.exit_code == 0, result.stdout
    records = json.loads(result.stdout)
    assert records["retention"]["transcripts"] == "7 days"
    assert records["retention"]["feedback"] == "kept"


def test_markdown_document_is_written(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "ropa.md"
    code, shown = cli_run(settings, "compliance", "ropa", "--out", str(out))
    assert code == 0
    assert "Records of processing activities" in shown
    written = out.read_text(encoding="utf-8")
    assert written.startswith("# Records of processing activities (GDPR Article 30(1))")
    for heading in ("## Controller", "## Processing activities", "## Retention"):
        assert heading in written
    assert "| Improving the assistant" in written or "(`improvement`)" in written
