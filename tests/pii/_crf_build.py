"""The C tagger, ``confide.pii._crf``, when it is built (None without a C compiler)."""

from __future__ import annotations

from typing import Any

import pytest

BUILT: Any
try:
    from confide.pii import _crf as BUILT  # type: ignore[attr-defined,no-redef]
except ImportError:
    BUILT = None


@pytest.fixture(autouse=True, scope="module")
def crf_built() -> Any:
    """Skips a test when the module is not built; in CI, where it must be, the skip fails."""
    if BUILT is None:
        pytest.skip("confide.pii._crf is not built (no C compiler at install)")
    return BUILT
