"""Evaluation metrics on a tiny file whose figures are computed by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from confide.pii import AnalyzerOptions, Finding, PiiAnalyzer
from confide.pii.evaluation import (
    EvaluationDataError,
    GoldSpan,
    Sample,
    evaluate,
    load_samples,
)

# The pattern recognizers alone (the CRF name recognizer has its own tests).
PATTERNS_ONLY = AnalyzerOptions(statistical=False)

# Entities separated only by skip words ("at", "and") merge into one PII span, as in
# presidio-evaluator, so the first text joins the name and the email with "using".
RECORDS = [
    {
        "full_text": "Call Jane Smith using jo@example.com now",
        "spans": [
            {"entity_type": "PERSON", "start_position": 5, "end_position": 15},
            {"entity_type": "EMAIL_ADDRESS", "start_position": 22, "end_position": 36},
        ],
    },
    {
        "full_text": "card 4111 1111 1111 1111 from ip 192.0.2.15",
        "spans": [
            {"entity_type": "CREDIT_CARD", "start_position": 5, "end_position": 24},
            {"entity_type": "TITLE", "start_position": 30, "end_position": 32},
        ],
    },
]


def load_samples_from(records: list[dict[str, Any]]) -> list[Sample]:
    return [
        Sample(
            r["full_text"],
            tuple(
                GoldSpan(s["entity_type"], s["start_position"], s["end_position"])
                for s in r["spans"]
            ),
        )
        for r in records
    ]


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(RECORDS), encoding="utf-8")
    return path


def test_pattern_analyzer_scores_match_hand_computed_figures(data_file: Path) -> None:
    result = evaluate(load_samples(data_file), PiiAnalyzer(options=PATTERNS_ONLY).analyze)
    # Gold: the name, the email, the card (TITLE is not scored). Predicted: email, card, ip.
    assert result["pii"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f2": 2 / 3})
    # Tokens: gold Jane, Smith, the email, 4 card groups; predicted email, 4 groups, the ip.
    assert result["pii_token"] == pytest.approx(
        {"precision": 5 / 6, "recall": 5 / 7, "f2": 25 / 34}
    )
    entities = result["entities"]
    assert entities["PERSON"] == {"precision": 0.0, "recall": 0.0, "f2": 0.0, "support": 1}
    assert entities["EMAIL_ADDRESS"] == {"precision": 1.0, "recall": 1.0, "f2": 1.0, "support": 1}
    assert entities["CREDIT_CARD"]["support"] == 1
    assert entities["IP_ADDRESS"] == {"precision": 0.0, "recall": 0.0, "f2": 0.0, "support": 0}
    assert result["n"] == 2
    assert result["texts_per_second"] > 0


def test_span_below_iou_threshold_is_a_miss_and_a_false_alarm(data_file: Path) -> None:
    samples = load_samples(data_file)[:1]
    # "Jane" against "Jane Smith": IoU 4/10 < 0.75.
    result = evaluate(samples, lambda _: [Finding("PERSON", 5, 9, 1.0, "t")])
    assert result["pii"]["recall"] == 0.0
    assert result["pii"]["precision"] == 0.0
    assert result["entities"]["PERSON"]["support"] == 1


def test_name_found_in_two_adjacent_pieces_counts_as_one_match(data_file: Path) -> None:
    samples = load_samples(data_file)[:1]
    pieces = [Finding("PERSON", 5, 9, 1.0, "t"), Finding("PERSON", 10, 15, 1.0, "t")]
    result = evaluate(samples, lambda _: pieces)
    assert result["entities"]["PERSON"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f2": 1.0,
        "support": 1,
    }
    assert result["pii"] == {"precision": 1.0, "recall": 0.5, "f2": pytest.approx(5 / 9)}


def test_wrong_type_with_full_overlap_counts_for_pii_but_not_the_entity(
    data_file: Path,
) -> None:
    samples = load_samples(data_file)[:1]
    result = evaluate(samples, lambda _: [Finding("LOCATION", 5, 15, 1.0, "t")])
    assert result["entities"]["PERSON"]["recall"] == 0.0
    assert result["entities"]["LOCATION"]["precision"] == 0.0
    assert result["pii"] == {"precision": 1.0, "recall": 0.5, "f2": pytest.approx(5 / 9)}


def test_pii_spans_separated_only_by_skip_words_merge() -> None:
    found = [Finding("PERSON", 0, 10, 1.0, "t"), Finding("EMAIL_ADDRESS", 14, 28, 1.0, "t")]
    gold = [
        {"entity_type": "PERSON", "start_position": 0, "end_position": 10},
        {"entity_type": "EMAIL_ADDRESS", "start_position": 14, "end_position": 28},
    ]
    samples = load_samples_from([{"full_text": "Jane Smith at jo@example.com", "spans": gold}])
    result = evaluate(samples, lambda _: found[1:])
    # One merged gold PII span (28 chars) against the email (14 chars): IoU 0.5, a miss.
    assert result["pii"] == {"precision": 0.0, "recall": 0.0, "f2": 0.0}
    assert result["entities"]["EMAIL_ADDRESS"]["recall"] == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not valid JSON"),
        ('{"full_text": "x"}', "expected a JSON list"),
        ('[{"full_text": "x"}]', "record 0: missing or bad field"),
    ],
)
def test_bad_file_raises_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvaluationDataError, match=message):
        load_samples(path)
