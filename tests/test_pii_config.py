"""The PII engine follows the deployment's CONFIDE_PII_* settings, in the server and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from confide.cli import app
from confide.config import Settings
from confide.pii_config import InvalidPiiSettings, configured_analyzer

TEXT = "Maria Jensen (maria@example.com) asked about account ACC-778812"


def _redact(settings: Settings, text: str) -> str:
    from confide.pii import redact

    analyzer = configured_analyzer(settings)
    return redact(text, analyzer.analyze(text))


def test_defaults_redact_names_and_emails(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert _redact(settings, TEXT) == ("<PERSON> (<EMAIL_ADDRESS>) asked about account ACC-778812")


def test_allow_list_entities_and_custom_patterns_are_applied(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        pii_allow_list=["maria@example.com"],
        pii_custom_patterns={"ACCOUNT_NUMBER": r"ACC-\d{6}"},
    )
    assert _redact(settings, TEXT) == (
        "<PERSON> (maria@example.com) asked about account <ACCOUNT_NUMBER>"
    )
    only_email = Settings(data_dir=tmp_path, pii_entities=["EMAIL_ADDRESS"])
    assert _redact(only_email, TEXT) == (
        "Maria Jensen (<EMAIL_ADDRESS>) asked about account ACC-778812"
    )


def test_the_cli_reads_the_settings_from_the_environment() -> None:
    result = CliRunner().invoke(
        app,
        ["pii", "redact"],
        input=TEXT + "\n",
        env={"CONFIDE_PII_STATISTICAL": "false", "CONFIDE_PII_DENY_LIST": '{"PERSON": ["Maria"]}'},
    )
    assert result.exit_code == 0
    assert result.stdout == "<PERSON> Jensen (<EMAIL_ADDRESS>) asked about account ACC-778812\n"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONFIDE_PII_ENTITIES": '["EMAIL"]'}, "unknown PII entity types: EMAIL (known: AGE,"),
        ({"CONFIDE_PII_THRESHOLDS": '{"PERSN": 0.3}'}, "unknown PII entity types: PERSN"),
        (
            {"CONFIDE_PII_CUSTOM_PATTERNS": '{"ACCOUNT_NUMBER": "ACC-(\\\\d{6}"}'},
            "the custom pattern for ACCOUNT_NUMBER is not a regular expression",
        ),
    ],
)
def test_a_setting_the_engine_cannot_follow_is_one_clear_error(
    env: dict[str, str], message: str
) -> None:
    for command in ("scan", "redact"):
        result = CliRunner().invoke(app, ["pii", command], input=TEXT + "\n", env=env)
        assert result.exit_code == 1
        assert result.stdout == ""  # nothing scanned with a half-applied configuration
        assert "invalid PII configuration: " + message in " ".join(result.stderr.split())
        assert "Traceback" not in result.stderr


def test_types_from_custom_patterns_and_deny_lists_may_be_named(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        pii_custom_patterns={"ACCOUNT_NUMBER": r"ACC-\d{6}"},
        pii_deny_list={"CODENAME": ["Bluebird"]},
        pii_entities=["ACCOUNT_NUMBER", "CODENAME"],
        pii_thresholds={"ACCOUNT_NUMBER": 0.5},
    )
    assert _redact(settings, TEXT + " Bluebird") == (
        "Maria Jensen (maria@example.com) asked about account <ACCOUNT_NUMBER> <CODENAME>"
    )
    with pytest.raises(InvalidPiiSettings, match="unknown PII entity types: CODENAME"):
        configured_analyzer(Settings(data_dir=tmp_path, pii_entities=["CODENAME"]))
