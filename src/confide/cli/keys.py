"""``confide keys``: master key status, rotate, rewrap, retire; re-key one customer."""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from confide.cli.common import (
    CLI_ACTOR,
    DataDir,
    JsonFlag,
    command_errors,
    console,
    emit,
    err_console,
    open_runtime,
)
from confide.db import unit_of_work
from confide.keys import service
from confide.runtime import Runtime
from confide.staff.roles import Action

keys = typer.Typer(help="Master key lifecycle: status, rotate, rewrap, retire, rekey.")


def _runtime(data_dir: Path | None) -> AbstractContextManager[Runtime]:
    return open_runtime(data_dir, action=Action.KEYS_MANAGE, with_assistant=False)


ACTOR = CLI_ACTOR


def _audit(runtime: Runtime, action: str, *, reason: str, outcome: str = "ok") -> None:
    with unit_of_work(runtime.sessions) as session:
        runtime.audit.record(session, action, actor=ACTOR, reason=reason, outcome=outcome)


@keys.command()
def status(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Master key versions, data keys wrapped under each, and warnings."""
    with (
        command_errors(as_json),
        _runtime(data_dir) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        report = service.key_status(
            session,
            runtime.keyring,
            rotation_period_days=runtime.settings.key_rotation_days,
            now=runtime.clock(),
        )
    emit(as_json, report.as_dict(), lambda: _print_status(report))


def _print_status(report: service.KeyStatus) -> None:
    table = Table("version", "created", "state", "data keys")
    for v in report.versions:
        table.add_row(v.id, v.created_at.isoformat(timespec="seconds"), v.state, str(v.data_keys))
    console.print(table)
    console.print(
        f"active {report.active}, {report.active_age_days:.1f} days old "
        f"(rotation period {report.rotation_period_days} days)"
    )
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning.detail}", highlight=False)


@keys.command()
def rotate(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Add a new active master key version; old versions keep decrypting."""
    with command_errors(as_json), _runtime(data_dir) as runtime:
        new = service.rotate_master_key(runtime.keyring)
        _audit(runtime, "keys.rotate", reason=f"{new.id} is now active")
    data = {"active": new.id, "created_at": new.created_at.isoformat()}
    emit(as_json, data, lambda: console.print(f"{new.id} is now the active master key."))


@keys.command()
def rewrap(
    data_dir: DataDir = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Data keys per transaction.")] = 1000,
    pause: Annotated[
        float, typer.Option(min=0.0, help="Seconds to wait between batches (lowers load).")
    ] = 0.0,
    as_json: JsonFlag = False,
) -> None:
    """Wrap every data key under the active master key; safe to interrupt and run again."""
    with command_errors(as_json), _runtime(data_dir) as runtime:
        progress = Progress(
            *Progress.get_default_columns()[:1],
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=as_json,
        )
        with progress:
            task = progress.add_task("rewrapping data keys", total=None)

            def advance(p: service.RewrapProgress) -> None:
                progress.update(task, total=p.total, completed=p.done + p.failed)

            summary = service.rewrap_data_keys(
                runtime.sessions,
                runtime.keyring,
                batch_size=batch_size,
                pause_seconds=pause,
                on_batch=advance,
            )
        _audit(
            runtime,
            "keys.rewrap",
            reason=f"{summary.rewrapped} rewrapped, {len(summary.failed)} failed",
            outcome="failed" if summary.failed else "ok",
        )
    emit(
        as_json,
        summary.as_dict(),
        lambda: console.print(
            f"Rewrapped {summary.rewrapped} data keys under {summary.active} in "
            f"{summary.seconds:.1f} s; {len(summary.failed)} could not be unwrapped, "
            f"{summary.remaining} remain under older versions."
        ),
    )
    if summary.failed:
        raise typer.Exit(1)


@keys.command()
def retire(
    version: Annotated[str, typer.Argument(help="The master key version id, e.g. mk-…")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Retire a master key version that no longer wraps any data key."""
    with (
        command_errors(as_json),
        _runtime(data_dir) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        retired = service.retire_master_key(session, runtime.keyring, version)
        runtime.audit.record(session, "keys.retire", actor=ACTOR, reason=f"{retired.id} retired")
    data = {"retired": retired.id, "state": retired.state}
    emit(as_json, data, lambda: console.print(f"{retired.id} is retired: it decrypts nothing."))


@keys.command()
def rekey(
    subject_id: Annotated[uuid.UUID, typer.Argument(help="The customer (subject) id.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Give one customer a fresh data key; re-encrypt their fields; destroy the old key."""
    with (
        command_errors(as_json),
        _runtime(data_dir) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        result = service.rekey_subject(session, runtime.vault, subject_id)
        runtime.audit.record(session, "keys.rekey", actor=ACTOR, subject_id=subject_id)
    emit(
        as_json,
        result.as_dict(),
        lambda: console.print(
            f"Re-encrypted {result.fields} fields of {result.subject_id} under a new data key."
        ),
    )
