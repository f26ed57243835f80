"""The machine a benchmark ran on, printed or written with its results: a speed means
little without it. Dependency-free, so that any benchmark environment can import it."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from importlib import metadata
from typing import Any

# The libraries the intent, learning-loop and personalization benchmarks depend on.
LIBRARIES = ("numpy", "scipy", "scikit-learn", "torch", "sentence-transformers", "transformers")


def machine(libraries: Sequence[str] = LIBRARIES) -> dict[str, Any]:
    """The CPU (`lscpu` model name, with its family and model numbers: "AMD EPYC" alone
    names several generations), cores, RAM, Python and the versions of ``libraries``."""
    fields: dict[str, str] = {}
    english = {**os.environ, "LC_ALL": "C"}  # lscpu translates its labels
    try:
        lscpu = subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=False, env=english
        ).stdout
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
