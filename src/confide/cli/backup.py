"""``confide backup create`` and ``confide backup restore``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from confide.backups import create_backup, restore_backup
from confide.cli.common import (
    DataDir,
    JsonFlag,
    command_errors,
    console,
    emit,
    require_cli,
    settings_for,
)
from confide.config import Settings
from confide.crypto import Keyring, KeyringError
from confide.db import make_engine
from confide.migrate import upgrade_database
from confide.runtime import SetupError, open_keyring
from confide.staff.roles import Action

backup = typer.Typer(help="Encrypted backups of the whole database.", no_args_is_help=True)

File = Annotated[Path, typer.Argument(help="The backup file.", show_default=False)]


@contextmanager
def _database(data_dir: Path | None) -> Iterator[tuple[Settings, Engine, Keyring]]:
    # Only the engine and the keyring: a backup needs no model and no schema upgrade.
    settings = settings_for(data_dir)
    require_cli(settings, Action.CONFIG_MANAGE)
    try:
        keyring = open_keyring(settings)
    except KeyringError as exc:
        raise SetupError(str(exc)) from exc
    # A restore writes back what the database held: on SQLite that may be text with a NUL
    # character, stored before the guard refused it (an audit entry's reason).
    engine = make_engine(settings.resolved_database_url, refuse_nul=False)
    try:
        yield settings, engine, keyring
    finally:
        engine.dispose()


@backup.command("create")
def create(file: File, data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Write a consistent, encrypted backup of the whole database to FILE (never overwrites).

    Safe while the server is running.
    """
    with command_errors(as_json), _database(data_dir) as (_, engine, keyring):
        summary = create_backup(engine, keyring, file)
    emit(
        as_json,
        summary.as_dict(),
        lambda: console.print(
            f"Backed up {summary.rows} rows to {summary.file} ({summary.bytes} bytes); "
            f"it needs master key version {summary.master_key_version} to restore."
        ),
    )


@backup.command("restore")
def restore(
    file: File,
    data_dir: DataDir = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that is not empty.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Replace the whole database with FILE, all or nothing; stop the server first.

    Customers erased since the backup was taken stay erased (the shred ledger).
    """
    with command_errors(as_json), _database(data_dir) as (settings, engine, keyring):
        upgrade_database(engine)
        summary = restore_backup(engine, keyring, file, ledger_dir=settings.data_dir, force=force)
    emit(
        as_json,
        summary.as_dict(),
        lambda: console.print(
            f"Restored {summary.rows} rows from {summary.file} (taken {summary.created_at}); "
            f"{summary.reshredded} erased customers' keys destroyed again."
        ),
    )
