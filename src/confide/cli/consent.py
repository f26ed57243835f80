"""``confide notice`` (publish and list privacy notice versions) and ``confide consent``
(check consent receipts)."""

from __future__ import annotations

import json
from pathlib import Path
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
    read_text_file,
)
from confide.consent.errors import ReceiptMalformed
from confide.consent.notices import list_versions, publish_notice
from confide.staff.roles import Action

notice = typer.Typer(help="The privacy notice: publish and list versions.", no_args_is_help=True)


@notice.command()
def publish(
    file: Annotated[Path, typer.Argument(help="Markdown file, optional YAML front matter.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Publish FILE as the next version (earlier versions are kept); publishing the text
    already in force changes nothing."""
    with command_errors(as_json):
        text = read_text_file(file, "notice file")
        with (
            open_runtime(data_dir, action=Action.CONFIG_MANAGE, with_assistant=False) as runtime,
            runtime.work() as session,
        ):
            published, created = publish_notice(session, text, now=runtime.clock())
            if created:
                reason = f"privacy notice version {published.version}"
                runtime.audit.record(session, "config.notice", actor=CLI_ACTOR, reason=reason)
            data = {
                "version": published.version,
                "title": published.title,
                "sha256": published.sha256,
                "published_at": published.published_at.isoformat(),
                "created": created,
            }
    verb = "Published" if created else "Unchanged: already in force as"
    emit(as_json, data, lambda: console.print(f"{verb} version {data['version']}."))


@notice.command("list")
def list_(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Every published version, oldest first; the last one is in force."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.CONFIG_MANAGE, with_assistant=False) as runtime,
        runtime.work() as session,
    ):
        versions = list_versions(session)
    data = [v.model_dump(mode="json") for v in versions]
    emit(as_json, data, lambda: _print_versions(data))


def _print_versions(data: list[dict[str, object]]) -> None:
    if not data:
        console.print("No privacy notice is published yet.")
        return
    table = Table("version", "published", "title", "in force")
    for v in data:
        table.add_row(
            str(v["version"]), str(v["published_at"]), str(v["title"]), "yes" if v["active"] else ""
        )
    console.print(table)


consent = typer.Typer(help="Consent receipts.", no_args_is_help=True)


@consent.command()
def verify(
    file: Annotated[Path, typer.Argument(help="A signed receipt as the API returned it.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Whether this server signed the receipt and nothing in it changed (exit status 1 if
    not)."""
    with command_errors(as_json):
        try:
            document = json.loads(read_text_file(file, "receipt file"))
        except json.JSONDecodeError:
            raise ReceiptMalformed(f"receipt file {file} is not JSON") from None
        with open_runtime(data_dir, action=None, with_assistant=False) as runtime:
            result = runtime.consents.verify(document)
    data = result.model_dump()
    mark = "[green]valid[/green]" if result.valid else "[red]invalid[/red]"
    emit(as_json, data, lambda: console.print(f"{mark}: {result.detail}", highlight=False))
    if not result.valid:
        raise typer.Exit(1)
