"""``confide users``: staff accounts (the CLI acts with the admin role; see staff.roles)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from confide.cli.common import (
    CLI_ACTOR,
    DataDir,
    JsonFlag,
    command_errors,
    console,
    emit,
    open_runtime,
)
from confide.db import unit_of_work
from confide.staff import service
from confide.staff.endpoints import staff_out
from confide.staff.roles import Action

users = typer.Typer(help="Staff accounts: agents, supervisors, admins and auditors.")

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return typer.get_text_stream("stdin").readline().rstrip("\r\n")
    if env := os.environ.get("CONFIDE_NEW_STAFF_PASSWORD"):
        return env
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command()
def add(
    name: str,
    role: Annotated[str, typer.Option("--role", help="agent, supervisor, admin or auditor")],
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a staff account (password prompted, or from stdin with --password-stdin)."""
    with command_errors(as_json):
        password = _password(password_stdin)
        with (
            open_runtime(data_dir, action=Action.USERS_MANAGE, with_assistant=False) as runtime,
            unit_of_work(runtime.sessions) as session,
        ):
            user = service.add_user(session, runtime.staff, name, role, password, actor=CLI_ACTOR)
            out = staff_out(user)
    emit(
        as_json,
        out.model_dump(mode="json"),
        lambda: console.print(f"added {out.name} ({out.role})"),
    )


@users.command("list")
def list_(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Every staff account, with its role, state and last login."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.USERS_MANAGE, with_assistant=False) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        rows = [staff_out(u).model_dump(mode="json") for u in service.list_users(session)]

    def human() -> None:
        table = Table("name", "role", "state", "last login", "audit id")
        for row in rows:
            state = "disabled" if row["disabled"] else "active"
            table.add_row(
                row["name"], row["role"], state, row["last_login_at"] or "never", row["actor"]
            )
        console.print(table)

    emit(as_json, {"users": rows}, human)


@users.command()
def disable(name: str, data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Disable an account and revoke its sessions and API keys (the account stays, for the
    audit log's sake)."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.USERS_MANAGE, with_assistant=False) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        out = staff_out(service.disable_user(session, runtime.staff, name, actor=CLI_ACTOR))
    emit(as_json, out.model_dump(mode="json"), lambda: console.print(f"disabled {out.name}"))
