"""Training and evaluating the intent model the assistant uses."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from confide.config import Settings
from confide.errors import ConfideError
from confide.knowledge.articles import Article
from confide.nlu import (
    EvalReport,
    IntentDataError,
    IntentModel,
    LabelledText,
    SemanticEngineUnavailable,
    SentenceEmbedder,
    evaluate,
    read_labelled_csv,
    train_intent_model,
)


class TrainingDataInvalid(ConfideError):
    status_code = 422


class ModelMissing(ConfideError):
    status_code = 503


def read_examples(path: Path) -> list[LabelledText]:
    try:
        return read_labelled_csv(path)
    except (IntentDataError, OSError) as exc:
        raise TrainingDataInvalid(str(exc)) from exc


def article_examples(articles: Sequence[Article]) -> list[LabelledText]:
    """An article's example questions are training phrasings for the intent it answers."""
    return [
        LabelledText(question, article.intent)
        for article in articles
        if article.intent
        for question in article.questions
    ]


def train_and_save(
    settings: Settings,
    examples: Sequence[LabelledText],
    *,
    engine: str | None = None,
) -> dict[str, Any]:
    """Train on ``examples`` and replace the active model atomically; returns its metadata."""
    engine = engine or settings.nlu_engine
    embedder = configured_embedder(settings) if engine == "semantic" else None
    try:
        model = train_intent_model(examples, engine=engine, embedder=embedder)
    except (ValueError, SemanticEngineUnavailable) as exc:  # IntentDataError is a ValueError
        raise TrainingDataInvalid(str(exc)) from exc
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=settings.models_dir, suffix=".tmp")
    os.close(fd)
    try:
        model.save(Path(tmp))
        os.replace(tmp, settings.intent_model_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dict(model.metadata)


def configured_embedder(settings: Settings) -> SentenceEmbedder | None:
    """The sentence model at ``CONFIDE_SEMANTIC_MODEL_PATH``, or None for the packaged one."""
    if settings.semantic_model_path is None:
        return None
    return SentenceEmbedder(settings.semantic_model_path)


def load_model(settings: Settings) -> IntentModel:
    if not settings.intent_model_path.exists():
        raise ModelMissing("no intent model is trained yet: run `confide train`")
    return IntentModel.load(settings.intent_model_path, embedder=configured_embedder(settings))


def evaluate_file(settings: Settings, path: Path) -> EvalReport:
    return evaluate(load_model(settings), read_examples(path))
