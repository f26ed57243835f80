"""The CRF recognizer for names, places and street addresses (fictional PII only)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from confide.pii.findings import Finding
from confide.pii.ner import (
    DEFAULT_MODEL_PATH,
    CrfRecognizer,
    merge_adjacent,
    spans_to_bio,
    tokenize,
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="module")
def recognizer() -> CrfRecognizer:
    return CrfRecognizer()


def test_finds_name_and_city_with_exact_spans(recognizer: CrfRecognizer) -> None:
    text = "Hi, my name is Maria Jensen and I live in Copenhagen"
    found = {(f.entity_type, text[f.start : f.end]) for f in recognizer.find(text)}
    assert ("PERSON", "Maria Jensen") in found
    assert ("LOCATION", "Copenhagen") in found
    person = next(f for f in recognizer.find(text) if f.entity_type == "PERSON")
    assert (person.start, person.end) == (15, 27)
    assert person.recognizer == "crf-ner"
    assert 0.5 < person.score <= 1.0


def test_no_person_in_a_product_request(recognizer: CrfRecognizer) -> None:
    findings = recognizer.find("I want to return the blue kettle")
    assert [f for f in findings if f.entity_type == "PERSON"] == []


@pytest.mark.parametrize(
    "text",
    [
        "Please ship it to 42 Elm Street, Springfield, and thanks,\nTomas Okafor",
        "my name is lena vestergaard, i moved to oslo last week",
        "Dear Mr. Arjun Patel, your parcel to 7 Rue des Lilas, Lyon is on its way.",
        "",
        "   \n  ",
    ],
)
def test_spans_align_with_the_text(recognizer: CrfRecognizer, text: str) -> None:
    for finding in recognizer.find(text):
        assert isinstance(finding, Finding)
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == text[finding.start : finding.end].strip()
        assert finding.entity_type in recognizer.entities
        assert 0.0 <= finding.score <= 1.0


def test_signature_name_is_a_person(recognizer: CrfRecognizer) -> None:
    text = "The kettle arrived broken.\nThanks,\nTomas Okafor"
    found = {(f.entity_type, text[f.start : f.end]) for f in recognizer.find(text)}
    assert ("PERSON", "Tomas Okafor") in found


def test_entity_filter_drops_other_types() -> None:
    only_people = CrfRecognizer(entities=("PERSON",))
    text = "Hi, my name is Maria Jensen and I live in Copenhagen"
    assert {f.entity_type for f in only_people.find(text)} == {"PERSON"}


def test_packaged_model_loads_offline_with_its_metadata() -> None:
    assert DEFAULT_MODEL_PATH.is_file()
    assert DEFAULT_MODEL_PATH.stat().st_size < 5_000_000
    meta = json.loads(DEFAULT_MODEL_PATH.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["sources"] and meta["train_template_ids"]
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network disabled')\n"
        "socket.socket.connect = refuse\n"
        "from confide.pii.ner import CrfRecognizer\n"
        "print(len(CrfRecognizer().find('my name is Maria Jensen')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_missing_model_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        CrfRecognizer(tmp_path / "absent.crfsuite")


def test_tokenizer_keeps_offsets_and_splits_possessives() -> None:
    text = "Maria O'Neil's order\nto Saint-Denis."
    tokens = tokenize(text)
    assert [t.text for t in tokens] == [
        "Maria",
        "O'Neil",
        "'s",
        "order",
        "to",
        "Saint-Denis",
        ".",
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_bio_labels_continue_a_span_across_a_line_break() -> None:
    text = "12 Elm Street\nSpringfield"
    tokens = tokenize(text)
    labels = spans_to_bio(tokens, [(0, len(text), "STREET_ADDRESS")])
    assert labels == ["B-STREET_ADDRESS"] + ["I-STREET_ADDRESS"] * 3


def test_merge_adjacent_joins_address_parts_but_not_separate_people() -> None:
    text = "12 Elm Street, Apt. 4 and Ana, Bo"
    spans = [(0, 2, "STREET_ADDRESS"), (3, 13, "STREET_ADDRESS"), (15, 21, "STREET_ADDRESS")]
    spans += [(26, 29, "PERSON"), (31, 33, "PERSON")]
    assert merge_adjacent(spans, text) == [
        (0, 21, "STREET_ADDRESS"),
        (26, 29, "PERSON"),
        (31, 33, "PERSON"),
    ]


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_training_script_runs_end_to_end_on_a_tiny_subset(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "train_pii_ner", REPO / "scripts" / "train_pii_ner.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "ner.crfsuite"
    meta = module.main(
        ["--limit", "60", "--per-template", "2", "--max-iterations", "5", "--out", str(out)]
    )
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert (tmp_path / "ner.gazetteer.json").is_file()
    assert meta["train_sentences"] > 0
    CrfRecognizer(out).find("my name is Maria Jensen")
