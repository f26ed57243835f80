"""Invariant 6: the inner libraries import neither the web framework nor the ORM."""

from __future__ import annotations

import subprocess
import sys

import pytest

INNER = [
    "confide.crypto",
    "confide.nlu",
    "confide.pii",
    "confide.knowledge.articles",
    "confide.knowledge.retrieval",
    "confide.dialogue",
    "confide.consent.purposes",
    "confide.consent.receipts",
    "confide.policy.rules",
]


@pytest.mark.parametrize("module", INNER)
def test_inner_library_imports_no_web_framework_or_orm(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = ('fastapi', 'starlette', 'sqlalchemy', 'torch')\n"
        "bad = sorted(m for m in heavy if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
