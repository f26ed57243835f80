"""Operators that turn findings into safe text: redact, mask, pseudonymize."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from confide.pii.findings import Finding

MASK_CHAR = "*"
_KEEP_TAIL = frozenset({"CREDIT_CARD", "IBAN_CODE"})


def _replace(text: str, findings: Sequence[Finding], render: list[str]) -> str:
    parts: list[str] = []
    cursor = 0
    for finding, replacement in sorted(
        zip(findings, render, strict=True), key=lambda p: p[0].start
    ):
        if finding.start < cursor:  # overlapping findings: the first one wins
            continue
        parts.append(text[cursor : finding.start])
        parts.append(replacement)
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts)


def redact(text: str, findings: Sequence[Finding]) -> str:
    """Replace each finding with its type in angle brackets: ``<EMAIL_ADDRESS>``."""
    return _replace(text, findings, [f"<{f.entity_type}>" for f in findings])


def mask(text: str, findings: Sequence[Finding], keep_last: int = 4) -> str:
    """Mask each finding's letters and digits; cards and IBANs keep their last digits."""
    return _replace(
        text, findings, [_masked(text[f.start : f.end], f, keep_last) for f in findings]
    )


def _masked(value: str, finding: Finding, keep_last: int) -> str:
    keep = keep_last if finding.entity_type in _KEEP_TAIL else 0
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    hidden = set(positions[: len(positions) - keep] if keep else positions)
    return "".join(MASK_CHAR if i in hidden else ch for i, ch in enumerate(value))


class Pseudonymizer:
    """Consistent placeholders within one conversation: same value, same placeholder.

    ``mapping`` (placeholder to original) is what the caller stores encrypted under the
    customer's data key; without it the pseudonyms cannot be reversed.
    """

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self._mapping: dict[str, str] = dict(mapping or {})
        self._by_value: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        for placeholder, original in self._mapping.items():
            entity, number = placeholder[1:-1].rsplit("_", 1)
            self._by_value[(entity, _key(original))] = placeholder
            self._counts[entity] = max(self._counts.get(entity, 0), int(number))

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self._mapping)

    def pseudonymize(self, text: str, findings: Sequence[Finding]) -> str:
        return _replace(text, findings, [self._placeholder(text, f) for f in findings])

    def _placeholder(self, text: str, finding: Finding) -> str:
        original = text[finding.start : finding.end]
        key = (finding.entity_type, _key(original))
        if key not in self._by_value:
            number = self._counts.get(finding.entity_type, 0) + 1
            self._counts[finding.entity_type] = number
            placeholder = f"<{finding.entity_type}_{number}>"
            self._by_value[key] = placeholder
            self._mapping[placeholder] = original
        return self._by_value[key]


def _key(value: str) -> str:
    return " ".join(value.split()).casefold()


_PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")


def reidentify(text: str, mapping: Mapping[str, str]) -> str:
    """Put the originals back in place of the placeholders found in ``mapping``."""
    return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
