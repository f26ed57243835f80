"""``confide retention``: delete what has outlived its retention period, now."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from confide.cli.common import DataDir, JsonFlag, command_errors, console, emit, open_runtime
from confide.retention import RetentionPeriods, RetentionReport, run_retention
from confide.staff.roles import Action

retention = typer.Typer(help="Retention: delete expired personal data.", no_args_is_help=True)

DryRun = Annotated[bool, typer.Option("--dry-run", help="Count what has expired; change nothing.")]


@retention.command()
def run(dry_run: DryRun = False, data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Delete every category's expired data (periods from CONFIDE_RETENTION_*_DAYS) and say
    how much, per category."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.CONFIG_MANAGE, with_assistant=False) as runtime,
    ):
        periods = RetentionPeriods.from_settings(runtime.settings)
        report = run_retention(
            runtime.sessions, periods, runtime.clock(), dry_run=dry_run, audit=runtime.audit
        )
    emit(as_json, report.model_dump(mode="json"), lambda: _print_report(report))


def _print_report(report: RetentionReport) -> None:
    verb = "would delete" if report.dry_run else "deleted"
    table = Table("category", "period", verb, "note")
    for name, category in report.categories.items():
        period = f"{category.period_days} days" if category.period_days else "kept forever"
        counts = ", ".join(f"{n} {what}" for what, n in category.counts.items()) or "-"
        table.add_row(name, period, counts, category.note or "")
    console.print(table)
    if report.dry_run:
        console.print("Dry run: nothing was changed.")
