"""What every command shares: the data directory option, JSON output, one error path."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from confide.config import Settings
from confide.crypto import KeyringError
from confide.errors import ConfideError
from confide.knowledge.articles import ArticleFormatError
from confide.nlu import IntentDataError
from confide.runtime import Runtime, build_runtime
from confide.staff.roles import Action, require

# Who the audit log names for what the command line does.
CLI_ACTOR = "operator:cli"

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="CONFIDE_DATA_DIR",
        help="Data directory (database, keyring, models).",
        show_default=False,
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]

EXPECTED_ERRORS = (ConfideError, KeyringError, ArticleFormatError, IntentDataError, OSError)


class InvalidSettings(ConfideError):
    pass


class UnreadableFile(ConfideError):
    pass


def settings_for(data_dir: Path | None) -> Settings:
    """Settings from the environment; a clear error naming the field when they are wrong."""
    try:
        return Settings(data_dir=data_dir) if data_dir else Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]
        )
        raise InvalidSettings(f"invalid configuration: {problems}") from None


def read_text_file(path: Path, what: str) -> str:
    """A UTF-8 text file's content; a clear error if it is missing or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(f"{what} {path} is not UTF-8 text") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read {what} {path}: {exc.strerror}") from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=str, ensure_ascii=False) + "\n")


@contextmanager
def command_errors(as_json: bool) -> Iterator[None]:
    """Expected failures become one clear line (or a JSON error) and exit status 1."""
    try:
        yield
    except EXPECTED_ERRORS as exc:
        name = exc.name if isinstance(exc, ConfideError) else type(exc).__name__
        detail = exc.detail if isinstance(exc, ConfideError) else str(exc)
        if as_json:
            print_json({"error": name, "detail": detail})
        else:
            err_console.print(f"[red]error:[/red] {detail}", highlight=False)
        raise typer.Exit(1) from None


@contextmanager
def open_runtime(
    data_dir: Path | None,
    *,
    action: Action | None,
    create: bool = False,
    with_assistant: bool = True,
) -> Iterator[Runtime]:
    """The runtime for a command that does ``action`` (None: touches no one's data, e.g. a
    chat as a customer); refused when the CLI's role may not (``CONFIDE_CLI_ROLE``)."""
    settings = settings_for(data_dir)
    require_cli(settings, action)
    runtime = build_runtime(settings, create=create, with_assistant=with_assistant)
    try:
        yield runtime
    finally:
        runtime.close()


def require_cli(settings: Settings, action: Action | None) -> None:
    """The CLI asks the same role x action table as the API, with ``settings.cli_role``."""
    if action is not None:
        require(settings.cli_role, action)


def emit(as_json: bool, data: Any, human: Callable[[], None]) -> None:
    if as_json:
        print_json(data)
    else:
        human()
