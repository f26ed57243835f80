"""The command line asks the role x action table too, with CONFIDE_CLI_ROLE (default admin)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from confide.cli import app as cli_app
from confide.config import Settings
from confide.runtime import Runtime
from tests.conftest import cli_env


def run_as(settings: Settings, role: str, *args: str) -> tuple[int, dict[str, object]]:
    env = {**cli_env(settings), "CONFIDE_CLI_ROLE": role}
    result = CliRunner().invoke(cli_app, [*args, "--json"], env=env)
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("role", "args", "allowed"),
    [
        ("admin", ("keys", "status"), True),
        ("auditor", ("keys", "status"), False),
        ("auditor", ("audit", "verify"), True),
        ("agent", ("audit", "verify"), False),
        ("auditor", ("users", "list"), False),
        ("admin", ("users", "list"), True),
        ("supervisor", ("subjects", "requests"), False),
        ("auditor", ("subjects", "requests"), True),
        ("auditor", ("retention", "run"), False),
    ],
)
def test_each_command_is_allowed_exactly_as_the_table_says(
    runtime: Runtime, role: str, args: tuple[str, ...], allowed: bool
) -> None:
    code, body = run_as(runtime.settings, role, *args)
    if allowed:
        assert code == 0, body
    else:
        assert code != 0
        assert body["error"] == "Forbidden"
        assert str(body["detail"]).startswith(f"the {role} role may not do ")
