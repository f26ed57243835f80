"""``confide kb import`` and ``confide kb list``."""

from __future__ import annotations

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
)
from confide.db import unit_of_work
from confide.knowledge.articles import load_articles
from confide.knowledge.service import import_articles, list_articles
from confide.staff.roles import Action

kb = typer.Typer(help="The knowledge base.", no_args_is_help=True)


@kb.command("import")
def import_(
    path: Annotated[
        Path, typer.Argument(help="A folder of Markdown articles, a JSON or CSV file.")
    ],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Add or replace articles (by id); nothing is imported if any article is invalid."""
    with command_errors(as_json), open_runtime(data_dir, action=Action.CONFIG_MANAGE) as runtime:
        articles = load_articles(path)
        with unit_of_work(runtime.sessions) as session:
            created, updated = import_articles(session, articles)
            reason = f"{created} articles added, {updated} replaced"
            runtime.audit.record(session, "config.kb_import", actor=CLI_ACTOR, reason=reason)
    data = {"imported": len(articles), "created": created, "updated": updated}
    emit(
        as_json,
        data,
        lambda: console.print(
            f"Imported {len(articles)} articles ({created} new, {updated} updated)."
        ),
    )


@kb.command("list")
def list_(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """List the articles."""
    with (
        command_errors(as_json),
        open_runtime(data_dir, action=Action.CONFIG_MANAGE) as runtime,
        unit_of_work(runtime.sessions) as session,
    ):
        articles = list_articles(session)
    data = [
        {"id": a.id, "title": a.title, "tags": list(a.tags), "intent": a.intent} for a in articles
    ]

    def table() -> None:
        out = Table("id", "title", "intent", "tags")
        for a in articles:
            out.add_row(a.id, a.title, a.intent or "", ", ".join(a.tags))
        console.print(out)

    emit(as_json, data, table)
