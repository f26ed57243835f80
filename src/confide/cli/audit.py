"""``confide audit``: verify the audit chain against its signed checkpoints; checkpoint it."""

from __future__ import annotations

import typer

from confide.cli.common import DataDir, JsonFlag, command_errors, console, emit, open_runtime
from confide.db import unit_of_work

audit = typer.Typer(help="The tamper-evident audit log: verify, checkpoint.")


@audit.command()
def verify(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Recompute the hash chain and check every signed checkpoint; exit 1 when not intact."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, with_assistant=False) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        result = runtime.audit.verify(session)
    data = result.as_dict()

    def human() -> None:
        colour = "green" if result.ok else "red"
        console.print(
            f"[{colour}]{'intact' if result.ok else 'TAMPERED'}[/{colour}]: {result.detail}"
        )
        console.print(f"{result.entries} entries, {result.checkpoints} checkpoints")
        if result.first_bad is not None:
            console.print(f"first bad entry: {result.first_bad}")

    emit(as_json, data, human)
    if not result.ok:
        raise typer.Exit(1)


@audit.command()
def checkpoint(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Sign the chain's current size and head hash into the checkpoint file."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, with_assistant=False) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        taken = runtime.audit.checkpoint(session)
        path = runtime.settings.audit_dir
    data = {"size": taken.size, "head": taken.head, "at": taken.at.isoformat(), "dir": str(path)}
    emit(as_json, data, lambda: console.print(f"checkpoint: {taken.size} entries -> {path}"))
