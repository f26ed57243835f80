"""``confide train`` and ``confide eval``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from confide.cli.common import (
    CLI_ACTOR,
    DataDir,
    JsonFlag,
    command_errors,
    console,
    emit,
    open_runtime,
    settings_for,
)
from confide.db import unit_of_work
from confide.intents.service import article_examples, evaluate_file, read_examples, train_and_save
from confide.knowledge.service import list_articles
from confide.learning.retrain import register_trained
from confide.staff.roles import Action


class EngineChoice(StrEnum):
    lexical = "lexical"
    semantic = "semantic"


Engine = Annotated[
    EngineChoice | None,
    typer.Option(help="lexical (default; scikit-learn) or semantic (needs confide[semantic])."),
]


def register(app: typer.Typer) -> None:
    @app.command()
    def train(
        examples: Annotated[
            Path | None,
            typer.Option(
                help="CSV with text and intent/label/category; `oos` rows are out of scope."
            ),
        ] = None,
        data_dir: DataDir = None,
        engine: Engine = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Train the intent model from labelled examples (plus the articles' example questions)."""
        with (
            command_errors(as_json),
            open_runtime(data_dir, action=Action.CONFIG_MANAGE) as runtime,
        ):
            rows = read_examples(examples) if examples else []
            with unit_of_work(runtime.sessions) as session:
                rows += article_examples(list_articles(session))
            metadata = train_and_save(
                runtime.settings, rows, engine=engine.value if engine else None
            )
            register_trained(runtime, rows, actor=CLI_ACTOR, engine=metadata.get("engine"))
            with unit_of_work(runtime.sessions) as session:
                reason = f"{metadata.get('engine')} intent model on {len(rows)} examples"
                runtime.audit.record(session, "config.train", actor=CLI_ACTOR, reason=reason)
        emit(
            as_json,
            metadata,
            lambda: console.print(
                f"Trained a {metadata.get('engine')} model on {len(rows)} examples; "
                f"out-of-scope threshold {metadata.get('threshold'):.3f}."
            ),
        )

    @app.command("eval")
    def eval_(
        data: Annotated[Path, typer.Option(help="CSV with text and intent/label/category.")],
        data_dir: DataDir = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Intent accuracy, in-scope accuracy and out-of-scope recall of the active model."""
        with command_errors(as_json):
            report = evaluate_file(settings_for(data_dir), data).as_dict()
        emit(
            as_json,
            report,
            lambda: console.print(
                "  ".join(
                    f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}"
                    for k, v in report.items()
                )
            ),
        )
