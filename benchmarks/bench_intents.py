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
import platform
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from confide.nlu import ENGINES, bench_intents

DEFAULT_DATA = Path(os.environ.get("CONFIDE_BANKING77", "/work/shared/data/banking77"))
LIBRARIES = ("numpy", "scipy", "scikit-learn", "torch", "sentence-transformers", "transformers")


def machine(libraries: Sequence[str] = LIBRARIES) -> dict[str, Any]:
    """The CPU (`lscpu` model name, with its family and model numbers: "AMD EPYC" alone
    names several generations), cores, RAM, Python and ``libraries``' versions."""
    fields: dict[str, str] = {}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    model = fields.get("Model name", "")
    if model and fields.get("CPU family") and fields.get("Model"):
        model += f" (family {fields['CPU family']} model {fields['Model']})"
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions: dict[str, str | None] = {}
    for name in libraries:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "ram_gib": round(ram_gib, 1),
        "python": platform.python_version(),
        "libraries": versions,
    }


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
