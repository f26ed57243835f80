"""Benchmark the PII engine: accuracy on presidio-research data and per-message latency.

Usage:
    python benchmarks/bench_pii.py [--data FILE.json ...] [--out benchmarks/out/pii.json]

For each file prints the ``confide pii eval --json`` document of the default analyzer
(patterns and the CRF) and the throughput of the pattern recognizers alone; then the
latency of one typical 200-character chat message (p50 / p99 over many runs, after a
warm-up) for both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def latency_ms(analyzer: PiiAnalyzer, runs: int = 2000) -> dict[str, float]:
    for _ in range(200):
        analyzer.analyze(MESSAGE)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        analyzer.analyze(MESSAGE)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "message_chars": len(MESSAGE),
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
    print(
        json.dumps({"default": report["latency"], "patterns_only": report["latency_patterns_only"]})
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
