"""``confide pii scan | redact | eval``: the PII engine on stdin lines or a labelled file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from confide.cli.common import (
    JsonFlag,
    command_errors,
    console,
    emit,
    err_console,
    print_json,
    settings_for,
)
from confide.pii import AnalyzerOptions, PiiAnalyzer, redact
from confide.pii.evaluation import EvaluationDataError, evaluate, load_samples
from confide.pii.ner import DEFAULT_NAME_PRIOR, MAX_NAME_PRIOR
from confide.pii.semantic import DEFAULT_SEMANTIC_MODEL_PATH
from confide.pii_config import configured_analyzer

pii = typer.Typer(help="Find and redact personal data.", no_args_is_help=True)


@pii.command()
def scan() -> None:
    """Read text lines on stdin; print one JSON line of findings per line."""
    with command_errors(False):
        analyzer = configured_analyzer(settings_for(None))
    for line in sys.stdin:
        findings = analyzer.analyze(line.rstrip("\n"))
        print_json({"findings": [asdict(f) for f in findings]})


@pii.command("redact")
def redact_() -> None:
    """Read text lines on stdin; print each with its personal data replaced by its type."""
    with command_errors(False):
        analyzer = configured_analyzer(settings_for(None))
    for line in sys.stdin:
        text = line.rstrip("\n")
        sys.stdout.write(redact(text, analyzer.analyze(text)) + "\n")


@contextmanager
def _data_errors(as_json: bool) -> Iterator[None]:
    try:
        yield
    except EvaluationDataError as exc:
        if as_json:
            print_json({"error": "EvaluationDataError", "detail": str(exc)})
        else:
            err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None


@pii.command("eval")
def eval_(
    data: Annotated[Path, typer.Option("--data", help="A presidio-research JSON file.")],
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic",
            help="Add the MiniLM-based recognizer (the `semantic` extra) to the default engine.",
        ),
    ] = False,
    name_prior: Annotated[
        float,
        typer.Option(
            "--name-prior",
            min=-MAX_NAME_PRIOR,
            max=MAX_NAME_PRIOR,
            help="Log-odds added to the name model's score for a name (0: as trained).",
        ),
    ] = DEFAULT_NAME_PRIOR,
    as_json: JsonFlag = False,
) -> None:
    """Precision, recall and F2 per entity and for PII as a whole, and texts per second."""
    with _data_errors(as_json):
        samples = load_samples(data)
    options = AnalyzerOptions(
        semantic_model_path=DEFAULT_SEMANTIC_MODEL_PATH if semantic else None,
        name_prior=name_prior,
    )
    result = evaluate(samples, PiiAnalyzer(options=options).analyze)
    emit(as_json, result, lambda: console.print(result))
