"""``confide users add|list|disable`` with --json."""

from __future__ import annotations

from confide.config import Settings
from confide.runtime import Runtime
from tests.conftest import cli_json, cli_run
from tests.staff.helpers import PASSWORD


def test_add_list_disable(runtime: Runtime, settings: Settings) -> None:
    code, out = cli_run(
        settings,
        "users",
        "add",
        "ana",
        "--role",
        "agent",
        "--password-stdin",
        "--json",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, out
    assert '"role": "agent"' in out and '"disabled": false' in out
    code, listed = cli_json(settings, "users", "list")
    assert code == 0
    assert [(u["name"], u["role"], u["disabled"]) for u in listed["users"]] == [
        ("ana", "agent", False)
    ]
    code, disabled = cli_json(settings, "users", "disable", "ana")
    assert (code, disabled["disabled"]) == (0, True)
    code, listed = cli_json(settings, "users", "list")
    assert listed["users"][0]["disabled"] is True


def test_bad_role_and_unknown_user_are_clear_errors(runtime: Runtime, settings: Settings) -> None:
    code, out = cli_run(
        settings,
        "users",
        "add",
        "ana",
        "--role",
        "wizard",
        "--password-stdin",
        "--json",
        stdin=PASSWORD + "\n",
    )
    assert code != 0
    assert "there is no role 'wizard'" in out
    code, err = cli_json(settings, "users", "disable", "nobody")
    assert code != 0 and err["error"] == "StaffNotFound"
    code, listed = cli_json(settings, "users", "list")
    assert listed["users"] == []
