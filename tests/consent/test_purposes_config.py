"""Purposes come from configuration; a configuration that cannot work stops startup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from confide.cli import app as cli_app
from confide.config import Settings
from confide.consent.purposes import LegalBasis, default_purposes


def _purpose(basis: str = "consent") -> dict[str, str]:
    return {"title": "A purpose", "description": "Why, in plain words.", "legal_basis": basis}


def _service() -> dict[str, str]:
    return _purpose("contract")


def test_the_defaults_are_the_five_purposes_of_the_issue() -> None:
    purposes = Settings().purposes
    assert {n: p.legal_basis for n, p in purposes.items()} == {
        "service": LegalBasis.CONTRACT,
        "personalization": LegalBasis.CONSENT,
        "improvement": LegalBasis.CONSENT,
        "analytics": LegalBasis.LEGITIMATE_INTEREST,
        "human_review": LegalBasis.CONTRACT,
    }
    assert purposes["analytics"].objectable and purposes["human_review"].requires_handoff
    assert purposes == default_purposes()


def test_purposes_can_be_declared_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    declared = {"service": _service(), "surveys": _purpose()}
    monkeypatch.setenv("CONFIDE_PURPOSES", json.dumps(declared))
    purposes = Settings().purposes
    assert list(purposes) == ["service", "surveys"]
    assert purposes["surveys"].consent_based


@pytest.mark.parametrize(
    ("purposes", "expected"),
    [
        ({"service": _service(), "analytics": _purpose("vibes")}, "analytics.legal_basis"),
        ({"improvement": _purpose()}, "'service' purpose"),
        ({"service": _purpose("consent")}, "legal basis 'contract'"),
        ({"service": _service(), "Bad Name": _purpose()}, "lowercase"),
        ({"service": {**_service(), "description": ""}}, "service.description"),
        ({"service": {**_service(), "colour": "red"}}, "service.colour"),
    ],
    ids=["unknown-basis", "no-service", "service-not-contract", "bad-name", "empty", "unknown"],
)
def test_a_configuration_that_cannot_work_is_refused(
    purposes: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(purposes=purposes)
    assert expected in str(raised.value)


def test_every_command_refuses_to_start_with_an_unknown_legal_basis(tmp_path: Path) -> None:
    purposes = {"service": _service(), "analytics": _purpose("legitimate-interest")}
    env = {"CONFIDE_DATA_DIR": str(tmp_path), "CONFIDE_PURPOSES": json.dumps(purposes)}
    result = CliRunner().invoke(cli_app, ["notice", "list", "--json"], env=env)
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["error"] == "InvalidSettings"
    assert out["detail"].startswith("invalid configuration: purposes.analytics.legal_basis")
    assert not (tmp_path / "confide.db").exists()
