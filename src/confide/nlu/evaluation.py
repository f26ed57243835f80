"""Scoring an intent model on labelled messages, and the BANKING77-style benchmark."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from confide.nlu.data import OOS_LABEL, IntentDataError, LabelledText, read_labelled_csv
from confide.nlu.embedders import Embedder
from confide.nlu.model import IntentModel, IntentPrediction
from confide.nlu.training import TrainOptions, train_intent_model

__all__ = ["EvalReport", "bench_intents", "evaluate"]


@dataclass(frozen=True, slots=True)
class EvalReport:
    """How well a model did on labelled messages.

    ``accuracy``: over all rows; an ``oos`` row is right iff rejected, an in-scope row iff
    the predicted intent is its label (a rejection is wrong). ``in_scope_accuracy``: the same
    over in-scope rows only. ``oos_recall``: the share of ``oos`` rows rejected. Each is
    ``None`` when there are no rows for it.
    """

    accuracy: float
    in_scope_accuracy: float | None
    oos_recall: float | None
    n: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(model: IntentModel, examples: Sequence[LabelledText]) -> EvalReport:
    """Score ``model`` on ``examples`` (see :class:`EvalReport` for the definitions)."""
    if not examples:
        raise IntentDataError("cannot evaluate on no examples")
    predictions = model.predict_many([example.text for example in examples])
    return _report(examples, predictions)


def _report(examples: Sequence[LabelledText], predictions: list[IntentPrediction]) -> EvalReport:
    is_oos = np.array([example.intent == OOS_LABEL for example in examples])
    right = np.array(
        [
            prediction.out_of_scope
            if example.intent == OOS_LABEL
            else prediction.intent == example.intent
            for example, prediction in zip(examples, predictions, strict=True)
        ]
    )
    return EvalReport(
        accuracy=float(right.mean()),
        in_scope_accuracy=float(right[~is_oos].mean()) if (~is_oos).any() else None,
        oos_recall=float(right[is_oos].mean()) if is_oos.any() else None,
        n=len(examples),
    )


def bench_intents(
    train_path: str | Path,
    test_path: str | Path,
    *,
    engine: str = "lexical",
    options: TrainOptions | None = None,
    embedder: Embedder | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> dict[str, Any]:
    """Train on one CSV, test on another, one ``predict`` call per test message.

    Returns ``engine, accuracy, accuracy_with_rejection, latency_p50_ms, latency_p99_ms,
    n_train, n_test, train_seconds``. ``accuracy`` is plain top-1 accuracy over in-scope
    rows, ignoring rejection (the metric published for BANKING77);
    ``accuracy_with_rejection`` is :func:`evaluate`'s accuracy, where rejecting an in-scope
    message is wrong. ``train_seconds`` includes fine-tuning and calibration.
    """
    train = read_labelled_csv(train_path)
    test = read_labelled_csv(test_path)
    started = timer()
    model = train_intent_model(train, engine=engine, options=options, embedder=embedder)
    train_seconds = timer() - started
    model.predict(test[0].text)  # warm-up: first-call costs are not per-message latency
    predictions, latencies = [], []
    for example in test:
        started = timer()
        predictions.append(model.predict(example.text))
        latencies.append(timer() - started)
    in_scope = [
        prediction.ranking[0][0] == example.intent
        for example, prediction in zip(test, predictions, strict=True)
        if example.intent != OOS_LABEL
    ]
    latency_ms = np.array(latencies) * 1000
    return {
        "engine": engine,
        "accuracy": float(np.mean(in_scope)) if in_scope else None,
        "accuracy_with_rejection": _report(test, predictions).accuracy,
        "latency_p50_ms": float(np.percentile(latency_ms, 50)),
        "latency_p99_ms": float(np.percentile(latency_ms, 99)),
        "n_train": len(train),
        "n_test": len(test),
        "train_seconds": train_seconds,
    }
