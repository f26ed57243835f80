"""The ``confide`` command line."""

from __future__ import annotations

import typer

from confide.cli import bench, conversation, knowledge, models, server

app = typer.Typer(
    name="confide",
    help="Confide: a privacy-first AI customer-service assistant.",
    no_args_is_help=True,
    add_completion=False,
)
server.register(app)
conversation.register(app)
models.register(app)
app.add_typer(knowledge.kb, name="kb")
app.add_typer(bench.bench, name="bench")


def main() -> None:
    app()
