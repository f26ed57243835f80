from __future__ import annotations

import csv
from pathlib import Path

import pytest

from confide.nlu import (
    OOS_LABEL,
    EvalReport,
    IntentDataError,
    IntentModel,
    LabelledText,
    bench_intents,
    evaluate,
)

from .conftest import OOS_LINES, PHRASINGS, UNRELATED, UNSEEN


def test_evaluate_on_a_hand_counted_set(lexical_model: IntentModel) -> None:
    examples = [
        LabelledText("my card got stolen at the station", "lost_card"),  # right
        LabelledText("I forgot the password for my account", "reset_password"),  # right
        LabelledText("please cancel my monthly plan", "refund"),  # wrong intent
        LabelledText("sing me a song about dogs", OOS_LABEL),  # rejected: right
        LabelledText("who painted the mona lisa", OOS_LABEL),  # rejected: right
        LabelledText("I'd like a refund for my purchase", OOS_LABEL),  # accepted: wrong
    ]

    report = evaluate(lexical_model, examples)

    assert report == EvalReport(accuracy=4 / 6, in_scope_accuracy=2 / 3, oos_recall=2 / 3, n=6)
    assert report.as_dict() == {
        "accuracy": 4 / 6,
        "in_scope_accuracy": 2 / 3,
        "oos_recall": 2 / 3,
        "n": 6,
    }


def test_evaluate_counts_a_rejected_in_scope_message_as_wrong(lexical_model: IntentModel) -> None:
    examples = [
        LabelledText("sing me a song about dogs", "refund"),  # rejected, so wrong
        LabelledText("please give me a refund", "refund"),
    ]

    report = evaluate(lexical_model, examples)

    assert report == EvalReport(accuracy=0.5, in_scope_accuracy=0.5, oos_recall=None, n=2)


def test_evaluate_without_in_scope_rows_has_no_in_scope_accuracy(
    lexical_model: IntentModel,
) -> None:
    report = evaluate(lexical_model, [LabelledText(text, OOS_LABEL) for text in UNRELATED])

    assert report == EvalReport(accuracy=1.0, in_scope_accuracy=None, oos_recall=1.0, n=4)


def test_evaluate_on_nothing_is_rejected(lexical_model: IntentModel) -> None:
    with pytest.raises(IntentDataError, match="no examples"):
        evaluate(lexical_model, [])


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(rows)
    return path


def test_bench_reports_accuracy_latency_and_sizes(tmp_path: Path) -> None:
    train = [(text, intent) for intent, texts in PHRASINGS.items() for text in texts]
    train += [(text, OOS_LABEL) for text in OOS_LINES]
    test = [(text, intent) for text, intent in UNSEEN]
    ticks = iter(range(1000))

    result = bench_intents(
        write_csv(tmp_path / "train.csv", train),
        write_csv(tmp_path / "test.csv", test),
        timer=lambda: float(next(ticks)),
    )

    assert result == {
        "engine": "lexical",
        "accuracy": 1.0,
        "accuracy_with_rejection": 1.0,
        "latency_p50_ms": 1000.0,
        "latency_p99_ms": 1000.0,
        "n_train": 72,
        "n_test": 5,
        "train_seconds": 1.0,
    }
