"""The shape every recognizer produces and the protocol it implements."""

from __future__ import annotations

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
