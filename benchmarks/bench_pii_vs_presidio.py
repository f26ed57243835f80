"""Confide's PII engine and Microsoft Presidio over the same texts, in one run.

Presidio runs offline with its pattern recognizers and a blank spaCy pipeline (no model can be
downloaded here), as issue 4 asks. Both are scored by confide.pii.evaluation (presidio-evaluator's
SpanEvaluator method). The engines take turns, 50 texts at a time, so that a shared machine's
drifting speed weighs on each alike. Presidio lives only in the benchmark environment:

    python -m venv /tmp/presvenv && /tmp/presvenv/bin/pip install presidio-analyzer -e .
    /tmp/presvenv/bin/python benchmarks/bench_pii_vs_presidio.py [FILE.json]

The first line printed describes the machine: the ratio depends on it (Presidio's speed
relative to Confide's differs between CPUs), so results are compared on one machine.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from machine_info import machine

from confide.pii import AnalyzerOptions, Finding, PiiAnalyzer
from confide.pii.evaluation import evaluate, load_samples

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/presidio_research/generated_large.json"


def presidio_analyze():  # type: ignore[no-untyped-def]
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # offline: uses its snapshot
    blank = Path(tempfile.mkdtemp()) / "blank_en"
    spacy.blank("en").to_disk(blank)
    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": str(blank)}]}
    engine = AnalyzerEngine(
        nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine(),
        supported_languages=["en"],
    )

    def analyze(text: str) -> list[Finding]:
        return [
            Finding(r.entity_type, r.start, r.end, r.score, "presidio")
            for r in engine.analyze(text, language="en")
        ]

    return analyze


def warm_up_texts() -> list[str]:
    """Texts other than the measured ones (BANKING77 test questions): both engines warm up
    on them, so caches hold ordinary words but none of the measured texts' names."""
    import csv

    path = DEFAULT.parents[1] / "banking77" / "test.csv"
    with path.open(encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


CHUNK = 50  # texts each engine runs before the next one takes its turn


def interleaved(engines, texts: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    """Texts per second of each engine over ``texts``, the engines taking turns chunk by
    chunk: a shared machine's speed drifts over seconds, and each engine then meets the
    same drift instead of the one that ran first getting a quieter or busier minute."""
    spent = [0.0] * len(engines)
    for offset in range(0, len(texts), CHUNK):
        chunk = texts[offset : offset + CHUNK]
        for k, analyze in enumerate(engines):
            started = time.perf_counter()
            for text in chunk:
                analyze(text)
            spent[k] += time.perf_counter() - started
    return [len(texts) / s for s in spent]


def run(named, samples, warm: list[str]) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    texts = [s.text for s in samples]
    engines = [analyze for _, analyze in named]
    for analyze in engines:
        for text in warm:
            analyze(text)
    first_pass = interleaved(engines, texts)  # every name and place is new to the engines
    second_pass = interleaved(engines, texts)  # the same texts again: word caches are warm
    rows: list[dict[str, object]] = []
    for k, (name, analyze) in enumerate(named):
        scores = evaluate(samples, analyze)
        rows.append(
            {
                "engine": name,
                "texts_per_second": round(first_pass[k], 1),
                "texts_per_second_repeat": round(second_pass[k], 1),
                "times_presidio": round(first_pass[k] / first_pass[-1], 2),
                "times_presidio_repeat": round(second_pass[k] / second_pass[-1], 2),
                "pii_span": scores["pii"],
                "pii_token": scores["pii_token"],
            }
        )
    return rows


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    samples = load_samples(path)
    warm = warm_up_texts()
    libraries = ("presidio-analyzer", "spacy", "phonenumbers", "python-crfsuite")
    sys.stdout.write(json.dumps({"machine": machine(libraries)}) + "\n")
    rows = run(
        [
            ("confide (patterns + CRF)", PiiAnalyzer().analyze),
            (
                "confide (patterns only)",
                PiiAnalyzer(options=AnalyzerOptions(statistical=False)).analyze,
            ),
            ("presidio (patterns, blank spaCy)", presidio_analyze()),
        ],
        samples,
        warm,
    )
    for row in rows:
        sys.stdout.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
