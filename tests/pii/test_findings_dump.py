"""scripts/pii_findings_dump.py: one line of findings per text of a fixed corpus, no text."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.pii._scripts import load_script


def _shared_data(root: Path) -> None:
    (root / "banking77").mkdir(parents=True)
    (root / "banking77" / "train.csv").write_text(
        "text,category\n"
        '"Please call me on (201) 555-0147, I am Maria Fernandes",card\n'
        "where is my refund,refund\n",
        encoding="utf-8",
    )
    (root / "wnut17").mkdir()
    (root / "wnut17" / "emerging.dev.conll").write_text(
        "mail\tO\nmaria@example.com\tO\n\nhi\tO\n", encoding="utf-8"
    )


def test_each_text_gets_one_line_of_spans_and_types_and_none_of_its_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = load_script("pii_findings_dump")
    _shared_data(tmp_path / "data")
    monkeypatch.setattr(dump, "DATA", tmp_path / "data")
    monkeypatch.setattr(dump, "RANDOM_TEXTS", 5)
    out = tmp_path / "findings.jsonl"
    monkeypatch.setattr(sys, "argv", ["pii_findings_dump.py", "--out", str(out)])
    dump.main()
    written = out.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in written.splitlines()]
    assert len(lines) == 2 + 2 + 5  # two questions, two tweets, five random strings
    found = {(kind, recognizer) for kind, _, _, _, recognizer in lines[0]}
    assert ("PHONE_NUMBER", "phone") in found and ("PERSON", "crf-ner") in found
    assert lines[1] == []
    assert [kind for kind, *_ in lines[2]] == ["EMAIL_ADDRESS"]
    for secret in ("555-0147", "Maria", "maria@example.com", "refund"):
        assert secret not in written


def test_the_random_strings_are_the_same_on_every_run() -> None:
    dump = load_script("pii_findings_dump")
    first = list(dump._random_texts(50))
    assert first == list(dump._random_texts(50))
    assert len(set(first)) > 40
    assert first != list(dump._random_texts(50, seed=8))
