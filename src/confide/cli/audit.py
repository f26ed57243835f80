"""``confide audit``: verify the audit chain against its signed checkpoints; checkpoint it;
run the self-audit report."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.table import Table

from confide.audit.report import SelfAuditOptions, SelfAuditReport, run_self_audit
from confide.cli.common import DataDir, JsonFlag, command_errors, console, emit, open_runtime
from confide.db import unit_of_work
from confide.staff.roles import Action

audit = typer.Typer(help="The tamper-evident audit log: verify, checkpoint; the self-audit.")

# Who the audit log names for a report run from the command line.
ACTOR = "operator:cli"
SampleRows = Annotated[
    int | None,
    typer.Option(
        "--sample-rows",
        min=1,
        help="Rows sampled per table for plaintext personal data "
        "(default CONFIDE_SELF_AUDIT_SAMPLE_ROWS, 200).",
        show_default=False,
    ),
]


@audit.command()
def verify(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Recompute the hash chain and check every signed checkpoint; exit 1 when not intact."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.AUDIT_REPORT, with_assistant=False) as runtime,
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
        open_runtime(data_dir, action=Action.AUDIT_REPORT, with_assistant=False) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        taken = runtime.audit.checkpoint(session)
        path = runtime.settings.audit_dir
    data = {"size": taken.size, "head": taken.head, "at": taken.at.isoformat(), "dir": str(path)}
    emit(as_json, data, lambda: console.print(f"checkpoint: {taken.size} entries -> {path}"))


@audit.command()
def report(
    data_dir: DataDir = None, sample_rows: SampleRows = None, as_json: JsonFlag = False
) -> None:
    """The self-audit: audit chain, key age and retirement, plaintext personal data in a
    sample of the database, legal bases, overdue rights requests, retention backlog, dormant
    staff accounts. Exit 1 when any check fails."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.AUDIT_REPORT, with_assistant=False) as runtime,
    ):
        options = SelfAuditOptions.from_settings(runtime.settings)
        if sample_rows is not None:
            options = dataclasses.replace(options, sample_rows=sample_rows)
        result = run_self_audit(runtime, actor=ACTOR, options=options)
    emit(as_json, result.as_dict(), lambda: _print_report(result))
    if not result.ok:
        raise typer.Exit(1)


def _print_report(result: SelfAuditReport) -> None:
    table = Table("check", "result", "detail")
    for check in result.checks:
        mark = "[green]ok[/green]" if check.ok else "[red]FAILED[/red]"
        table.add_row(check.name, mark, check.detail)
    console.print(table)
    summary = "every check passed" if result.ok else f"failed: {', '.join(result.failed)}"
    console.print(f"self-audit at {result.at.isoformat(timespec='seconds')}: {summary}")
