"""Confide's PII engine and Microsoft Presidio over the same texts, in one run.

Presidio runs offline with its pattern recognizers and a blank spaCy pipeline (no model can be
downloaded here), as issue 4 asks. Both are scored by confide.pii.evaluation (presidio-evaluator's
SpanEvaluator method). Presidio lives only in the benchmark environment:

    python -m venv /tmp/presvenv && /tmp/presvenv/bin/pip install presidio-analyzer -e .
    /tmp/presvenv/bin/python benchmarks/bench_pii_vs_presidio.py [FILE.json]
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from pathlib import Path

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


def timed(analyze, texts) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for text in texts:
        analyze(text)
    return len(texts) / (time.perf_counter() - started)


def run(name: str, analyze, samples, warm: list[str]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    texts = [s.text for s in samples]
    for text in warm:
        analyze(text)
    first_pass = timed(analyze, texts)  # every name and place is new to the engine
    second_pass = timed(analyze, texts)  # the same texts again: word caches are warm
    scores = evaluate(samples, analyze)
    return {
        "engine": name,
        "texts_per_second": round(first_pass, 1),
        "texts_per_second_repeat": round(second_pass, 1),
        "pii_span": scores["pii"],
        "pii_token": scores["pii_token"],
    }


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    samples = load_samples(path)
    warm = warm_up_texts()
    rows = [
        run("confide (patterns + CRF)", PiiAnalyzer().analyze, samples, warm),
        run(
            "confide (patterns only)",
            PiiAnalyzer(options=AnalyzerOptions(statistical=False)).analyze,
            samples,
            warm,
        ),
        run("presidio (patterns, blank spaCy)", presidio_analyze(), samples, warm),
    ]
    for row in rows:
        sys.stdout.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
