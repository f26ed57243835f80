"""Benchmark the PII engine: accuracy on presidio-research data and per-message latency.

Usage:
    python benchmarks/bench_pii.py [--data FILE.json ...] [--out benchmarks/out/pii.json]

For each file prints the ``confide pii eval --json`` document of the default analyzer
(patterns and the CRF) and the throughput of the pattern recognizers alone; then the
latency of typical chat messages (p50 / p99 over many runs, after a warm-up): a 184-character
one with an order number, a card, an email and a phone number (both analyzers), and a
~200-character one with a name, a street address and a phone number, repeated and with
new made-up words on every run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from confide.pii import AnalyzerOptions, PiiAnalyzer
from confide.pii.evaluation import evaluate, load_samples

DATA_DIR = Path("/work/shared/data/presidio_research")
DEFAULT_DATA = [DATA_DIR / "generated_large.json", DATA_DIR / "generated_small.json"]
MESSAGE = (
    "Hi, this is about order NW-48213. I paid with 4111 1111 1111 1111 but was charged "
    "twice. Please refund one. You can reach me at jo.doe@example.com or +1 201-555-0123 "
    "after 5pm. Thanks!"
)
# A second typical message: a name, a street address and a phone number, all found by the
# statistical recognizer or the phone recognizer. {first}, {last} and {street} are filled
# with made-up words the engine has never seen, new on every run, so their features are
# computed each time (the cold case: a new customer's name).
NAMED_MESSAGE = (
    "Hello, my name is {first} {last} and I moved last week. Please send order NW-48213 to "
    "42 {street} Street, Springfield and call me on (201) 555-0147 if the courier cannot "
    "find it. Best wishes, {first}"
)
_SYLLABLES = ("ka", "ren", "vo", "li", "mar", "tes", "dun", "bra", "sel", "ko", "vin", "ta")


def made_up_word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def latency_ms(
    analyzer: PiiAnalyzer, message: str = MESSAGE, runs: int = 2000, fresh: bool = False
) -> dict[str, float]:
    """p50 and p99 of one message. With ``fresh``, the placeholders get new made-up words on
    every run; otherwise the same message repeats (its words cached after the first run)."""
    rng = random.Random(7)

    def text() -> str:
        if not fresh:
            return message.format(first="Maria", last="Fernandes", street="Elm")
        return message.format(
            first=made_up_word(rng), last=made_up_word(rng), street=made_up_word(rng)
        )

    for _ in range(200):
        analyzer.analyze(text())
    timings = []
    for _ in range(runs):
        sample = text()
        started = time.perf_counter()
        analyzer.analyze(sample)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "message_chars": len(text()),
        "p50_ms": statistics.median(timings),
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/pii.json"))
    args = parser.parse_args()
    analyzer = PiiAnalyzer()
    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "phonenumbers": metadata.version("phonenumbers"),
            "python-stdnum": metadata.version("python-stdnum"),
        },
        "datasets": {},
    }
    patterns = PiiAnalyzer(options=AnalyzerOptions(statistical=False))
    for path in args.data or DEFAULT_DATA:
        samples = load_samples(path)
        result = evaluate(samples, analyzer.analyze)
        result["patterns_only_texts_per_second"] = evaluate(samples, patterns.analyze)[
            "texts_per_second"
        ]
        report["datasets"][path.name] = result
        print(json.dumps({"data": path.name, **result}))
    report["latency"] = latency_ms(analyzer)
    report["latency_patterns_only"] = latency_ms(patterns)
    report["latency_named"] = latency_ms(analyzer, NAMED_MESSAGE)
    report["latency_named_fresh_words"] = latency_ms(analyzer, NAMED_MESSAGE, fresh=True)
    print(
        json.dumps(
            {
                "default": report["latency"],
                "patterns_only": report["latency_patterns_only"],
                "default_named": report["latency_named"],
                "default_named_fresh_words": report["latency_named_fresh_words"],
            }
        )
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
