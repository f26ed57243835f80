"""The shape every recognizer produces, the protocol it implements, and an index of
findings by span."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: its type, character span (end exclusive) and score."""

    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str


class Recognizer(Protocol):
    """Anything with a name, the entity types it reports and a ``find`` method."""

    name: str
    entities: tuple[str, ...]

    def find(self, text: str) -> list[Finding]: ...


class SpanIndex:
    """Findings sorted by start, to find those overlapping a span without a scan of all
    (each finding's end and the largest end so far bound the walk back), and to put new
    findings in place of some of them."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.original = list(findings)
        self.findings = sorted(self.original, key=lambda f: (f.start, f.end))
        self._starts = [f.start for f in self.findings]
        self._reach: list[int] = []
        reach = -1
        for f in self.findings:
            reach = max(reach, f.end)
            self._reach.append(reach)
        self._dropped: set[int] = set()
        self._added: list[Finding] = []

    def put(self, finding: Finding, replacing: Iterable[int]) -> None:
        """Add ``finding`` in place of the findings at ``replacing`` (indices), with the
        best of their scores and its own."""
        replacing = list(replacing)
        score = max([finding.score, *(self.findings[i].score for i in replacing)])
        self._dropped.update(replacing)
        self._added.append(
            Finding(finding.entity_type, finding.start, finding.end, score, finding.recognizer)
        )

    def result(self) -> list[Finding]:
        """The findings after the ``put`` calls, by position (as given if none)."""
        if not self._added:
            return self.original
        kept = [f for i, f in enumerate(self.findings) if i not in self._dropped]
        return sorted([*kept, *self._added], key=lambda f: (f.start, f.end))

    def overlapping(self, start: int, end: int) -> list[int]:
        """Indices of the findings that overlap ``start:end``."""
        i = bisect.bisect_left(self._starts, end)
        hits: list[int] = []
        while i and self._reach[i - 1] > start:
            i -= 1
            if self.findings[i].end > start:
                hits.append(i)
        return hits
