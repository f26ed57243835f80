"""``confide subjects``: find customers without decrypting anything (blind indexes)."""

from __future__ import annotations

from typing import Annotated

import typer

from confide.cli.common import DataDir, JsonFlag, command_errors, console, emit, open_runtime
from confide.cli.rights import register as register_rights_commands
from confide.staff.roles import Action
from confide.subjects.service import find_subjects

subjects = typer.Typer(help="Customers (data subjects).", no_args_is_help=True)


@subjects.command()
def find(
    email: Annotated[str | None, typer.Option(help="Exact email address.")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number, any common format.")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Customer ids with this email or phone: a blind-index lookup, nothing is decrypted."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.RIGHTS_QUEUE) as runtime,
        runtime.work() as session,
    ):
        found = find_subjects(
            session,
            runtime.vault,
            email=email,
            phone=phone,
            phone_region=runtime.settings.default_phone_region,
        )
        data = [{"subject_id": str(s.id), "status": s.status} for s in found]
    emit(as_json, data, lambda: console.print("\n".join(d["subject_id"] for d in data) or "none"))


register_rights_commands(subjects)
