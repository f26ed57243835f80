"""``confide bench``: benchmarks a user can reproduce."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from confide.cli.common import JsonFlag, command_errors, console, emit
from confide.loadtest import run_load
from confide.nlu import bench_intents

bench = typer.Typer(help="Benchmarks.", no_args_is_help=True)


@bench.command()
def intents(
    train: Annotated[Path, typer.Option(help="Training CSV.")],
    test: Annotated[Path, typer.Option(help="Test CSV.")],
    engine: Annotated[str, typer.Option(help="lexical or semantic.")] = "lexical",
    as_json: JsonFlag = False,
) -> None:
    """Train on --train, then accuracy and per-message latency on --test."""
    with command_errors(as_json), console.status("Training and measuring…"):
        result = bench_intents(train, test, engine=engine)
    emit(as_json, result, lambda: console.print(result))


@bench.command()
def server(
    url: Annotated[
        str, typer.Option(help="A Confide server on this machine, with the demo loaded.")
    ],
    conversations: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    messages: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Concurrent conversations through the HTTP API: latency p50/p99 and messages per second."""
    with command_errors(as_json):
        result = asyncio.run(run_load(url, conversations, messages)).as_dict()
    emit(as_json, result, lambda: console.print(result))
