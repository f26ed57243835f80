"""``confide pii`` scan, redact and eval through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from confide.cli import app

runner = CliRunner()


def test_scan_prints_one_json_line_of_findings_per_input_line() -> None:
    result = runner.invoke(app, ["pii", "scan"], input="mail jo@example.com\nnothing here\n")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        {
            "findings": [
                {
                    "entity_type": "EMAIL_ADDRESS",
                    "start": 5,
                    "end": 19,
                    "score": 1.0,
                    "recognizer": "email",
                }
            ]
        },
        {"findings": []},
    ]


def test_redact_prints_redacted_lines() -> None:
    stdin = "card 4111 1111 1111 1111\norder NW-12345\n"
    result = runner.invoke(app, ["pii", "redact"], input=stdin)
    assert result.exit_code == 0
    assert result.stdout == "card <CREDIT_CARD>\norder <ORDER_NUMBER>\n"


def test_eval_prints_the_metrics_document(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    record = {
        "full_text": "mail jo@example.com",
        "spans": [{"entity_type": "EMAIL_ADDRESS", "start_position": 5, "end_position": 19}],
    }
    path.write_text(json.dumps([record]), encoding="utf-8")
    result = runner.invoke(app, ["pii", "eval", "--data", str(path), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["pii"] == {"precision": 1.0, "recall": 1.0, "f2": 1.0}
    assert data["pii_token"] == {"precision": 1.0, "recall": 1.0, "f2": 1.0}
    assert data["entities"] == {
        "EMAIL_ADDRESS": {"precision": 1.0, "recall": 1.0, "f2": 1.0, "support": 1}
    }
    assert data["n"] == 1


def test_eval_on_a_bad_file_exits_1_with_a_json_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    result = runner.invoke(app, ["pii", "eval", "--data", str(path), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error["error"] == "EvaluationDataError"
    assert error["detail"].startswith(f"{path} is not valid JSON")


def test_eval_on_a_missing_file_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pii", "eval", "--data", str(tmp_path / "none.json"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["detail"].startswith("cannot read")


def test_eval_name_prior_finds_more_names(tmp_path: Path) -> None:
    path = tmp_path / "names.json"
    text = "Corwen posted the new video"
    record = {
        "full_text": text,
        "spans": [{"entity_type": "PERSON", "start_position": 0, "end_position": 6}],
    }
    path.write_text(json.dumps([record]), encoding="utf-8")

    def recall(*extra: str) -> float:
        result = runner.invoke(app, ["pii", "eval", "--data", str(path), "--json", *extra])
        assert result.exit_code == 0, result.output
        return float(json.loads(result.stdout)["pii"]["recall"])

    assert recall("--name-prior", "0") == 0.0
    assert recall("--name-prior", "4") == 1.0


def test_eval_name_prior_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "none.json"
    result = runner.invoke(app, ["pii", "eval", "--data", str(path), "--name-prior", "9"])
    assert result.exit_code == 2
    assert "--name-prior" in result.output
    assert not path.exists()
