"""Run the recognizers, filter by options and resolve overlapping findings."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from confide.pii.findings import Finding, Recognizer
from confide.pii.ner import CrfRecognizer
from confide.pii.recognizers import (
    DEFAULT_ORDER_PATTERNS,
    DEFAULT_PHONE_REGIONS,
    Pattern,
    PatternRecognizer,
)
from confide.pii.recognizers import default_recognizers as _defaults

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class CustomPattern:
    """A deployment-specific pattern, e.g. an account number format."""

    entity_type: str
    regex: str
    score: float = 0.9


@dataclass(frozen=True, slots=True)
class AnalyzerOptions:
    """Per-deployment configuration.

    ``entities`` limits the reported types (None means all); ``thresholds`` overrides the
    default minimum score per type; ``allow_list`` values are never reported; ``deny_list``
    maps an entity type to literal values that are always reported. ``statistical`` adds the
    packaged CRF recognizer for names, places, addresses and organisations.
    """

    entities: frozenset[str] | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    default_threshold: float = DEFAULT_THRESHOLD
    allow_list: frozenset[str] = frozenset()
    deny_list: Mapping[str, Sequence[str]] = field(default_factory=dict)
    order_patterns: tuple[str, ...] = DEFAULT_ORDER_PATTERNS
    custom_patterns: tuple[CustomPattern, ...] = ()
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    statistical: bool = True


def resolve_overlaps(findings: Sequence[Finding]) -> list[Finding]:
    """Keep, among overlapping findings, the higher score, then the longer span."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: (f.start, f.end))


class PiiAnalyzer:
    """Finds personal data in text with a list of recognizers."""

    def __init__(
        self,
        recognizers: Sequence[Recognizer] | None = None,
        options: AnalyzerOptions | None = None,
    ) -> None:
        self.options = options or AnalyzerOptions()
        if recognizers is None:
            recognizers = [
                *_defaults(self.options.order_patterns, self.options.phone_regions),
                *([CrfRecognizer()] if self.options.statistical else []),
                *_custom_recognizers(self.options),
            ]
        self._recognizers: list[Recognizer] = list(recognizers)
        self._deny = [
            (entity, re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)", re.IGNORECASE))
            for entity, values in self.options.deny_list.items()
            for value in values
        ]

    @property
    def recognizers(self) -> tuple[Recognizer, ...]:
        return tuple(self._recognizers)

    def add_recognizer(self, recognizer: Recognizer) -> None:
        """Plug in another recognizer (for example the statistical name recognizer)."""
        self._recognizers.append(recognizer)

    def analyze(self, text: str) -> list[Finding]:
        """All findings in ``text`` that pass the options, without overlaps, by position."""
        found: list[Finding] = []
        for recognizer in self._recognizers:
            if self._wanted(recognizer.entities):
                found.extend(f for f in recognizer.find(text) if self._keep(f, text))
        found.extend(self._denied(text))
        return resolve_overlaps(found)

    def _wanted(self, entities: Sequence[str]) -> bool:
        selected = self.options.entities
        return selected is None or any(e in selected for e in entities)

    def _keep(self, finding: Finding, text: str) -> bool:
        opts = self.options
        if opts.entities is not None and finding.entity_type not in opts.entities:
            return False
        if text[finding.start : finding.end] in opts.allow_list:
            return False
        return finding.score >= opts.thresholds.get(finding.entity_type, opts.default_threshold)

    def _denied(self, text: str) -> list[Finding]:
        return [
            Finding(entity, m.start(), m.end(), 1.0, "deny_list")
            for entity, regex in self._deny
            if self._wanted((entity,))
            for m in regex.finditer(text)
        ]


def _custom_recognizers(options: AnalyzerOptions) -> list[Recognizer]:
    return [
        PatternRecognizer(
            f"custom_{p.entity_type.lower()}", p.entity_type, [Pattern(p.regex, p.score)]
        )
        for p in options.custom_patterns
    ]
