"""Benchmark the intent engines on BANKING77 (official train / test split).

Usage:
    python benchmarks/bench_intents.py [--data DIR] [--engine lexical --engine semantic]
                                       [--out benchmarks/out/intents.json]

DIR holds train.csv and test.csv (columns text,category); the data are never copied into
the repository. Prints one JSON object per engine, as ``confide bench intents --json``
does, and writes them all, with the machine's description, to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from machine_info import machine

from confide.nlu import ENGINES, bench_intents

DEFAULT_DATA = Path(os.environ.get("CONFIDE_BANKING77", "/work/shared/data/banking77"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--engine", action="append", choices=ENGINES)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/intents.json"))
    args = parser.parse_args()
    results = []
    for engine in args.engine or list(ENGINES):
        result = bench_intents(args.data / "train.csv", args.data / "test.csv", engine=engine)
        print(json.dumps(result), flush=True)
        results.append(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine(), "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
