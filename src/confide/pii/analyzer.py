"""Run the recognizers, filter by options and resolve overlapping findings."""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import string
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from confide.pii.currencies import CurrencyCodes
from confide.pii.findings import Finding, Recognizer, SpanIndex
from confide.pii.lexicon import POSTAL_CODE, NrpRecognizer
from confide.pii.ner import DEFAULT_NAME_PRIOR, ENTITIES, CrfRecognizer, accelerator
from confide.pii.recognizers import (
    DEFAULT_ORDER_PATTERNS,
    DEFAULT_PHONE_REGIONS,
    DigitStats,
    PatternRecognizer,
    PhoneRecognizer,
    configured_pattern,
    forget_lower_case,
    lower_case,
)
from confide.pii.recognizers import default_recognizers as _defaults

DEFAULT_THRESHOLD = 0.5


@runtime_checkable
class Clearing(Protocol):
    """A recognizer that also names spans that are no personal data."""

    def cleared(self, text: str) -> list[tuple[int, int]]: ...


# A name the model is at least this sure of stays a name against a word list's reading, with
# the name prior at 1 (see ``confident_at``).
CONFIDENT = 0.9


def confident_at(name_prior: float) -> float:
    """``CONFIDENT`` for another name prior: the prior adds its log-odds to the tagger's
    score for a name, so a sure name's score moves with it (0.950 at the default 1.75, 0.961
    at 2)."""
    odds = math.log(CONFIDENT / (1.0 - CONFIDENT)) + name_prior - 1.0
    return 1.0 / (1.0 + math.exp(-odds))


# Recognizers that accept the digit counts the analyzer takes once per text.
_TAKES_STATS = frozenset({PatternRecognizer, PhoneRecognizer, CrfRecognizer})


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
    packaged CRF recognizer for names, places, addresses and organisations;
    ``name_prior`` (log-odds; 0 is the model as trained) makes it report more names the
    higher it is, and more false ones.
    ``semantic_model_path``, when set, adds the optional MiniLM-based recognizer
    (``confide.pii.semantic``, needs the ``semantic`` extra) read from that directory.
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
    name_prior: float = DEFAULT_NAME_PRIOR
    semantic_model_path: Path | None = None


def resolve_overlaps(
    findings: Sequence[Finding],
    text: str | None = None,
    statistical: Collection[str] = frozenset(),
    yielding: Collection[str] = frozenset(),
    confident: float = CONFIDENT,
) -> list[Finding]:
    """Keep, among overlapping findings, the higher score, then the longer span.

    Findings of the ``statistical`` recognizers (named) yield to pattern findings, whose
    exact formats and checksums make them the better evidence: a statistical span that
    swallows or clips a pattern finding is trimmed to its part on one side (the wordier
    one) if that still reads as an entity, or dropped. Without ``text`` such a span cannot
    be judged and is dropped. Findings of the ``yielding`` recognizers (a nationality word,
    a postal code) are kept only where they overlap no other kept finding, or only
    statistical findings that lie wholly inside their span and are shorter or not a sure
    name (scored under ``confident``): the word list or the format then says better than
    the model what it is ("Nigerian" is a nationality, not a place; "Jehovah's Witness" is
    not a name and a place).
    """
    if len(findings) > 1:
        # The usual case: no two findings overlap; then every rule below keeps each finding
        # as it is (a test compares this with ``_resolve``). Empty or reversed spans take the
        # full way: two at one place would come out in the ranking's order, not the input's.
        ordered = sorted(findings, key=_position)
        if all(f.start < f.end for f in ordered) and all(
            a.end <= b.start for a, b in itertools.pairwise(ordered)
        ):
            return ordered
    return _resolve(findings, text, statistical, yielding, confident)


def _resolve(
    findings: Sequence[Finding],
    text: str | None,
    statistical: Collection[str],
    yielding: Collection[str],
    confident: float = CONFIDENT,
) -> list[Finding]:
    """``resolve_overlaps`` in full."""
    if yielding and len(findings) > 1:
        weak = [f for f in findings if f.recognizer in yielding]
        if weak:
            kept = resolve_overlaps(
                [f for f in findings if f.recognizer not in yielding], text, statistical
            )
            kept = _without_guesses_inside(weak, kept, statistical, confident)
            return sorted([*kept, *_clear_of(_by_score(weak), kept)], key=_position)
    if len(findings) < 2:
        return list(findings)
    if statistical:
        models = [f for f in findings if f.recognizer in statistical]
        if models and len(models) < len(findings):
            patterns = _by_score([f for f in findings if f.recognizer not in statistical])
            trimmed = [t for f in models if (t := _outside(f, patterns, text)) is not None]
            return sorted([*patterns, *_by_score(trimmed)], key=_position)
    return sorted(_by_score(findings), key=_position)


def _without_guesses_inside(
    weak: Sequence[Finding], kept: list[Finding], statistical: Collection[str], confident: float
) -> list[Finding]:
    """``kept`` less the statistical findings that a finding of ``weak`` covers, where all
    the findings that finding overlaps are such, and each is shorter than it or not a
    name read with ``confident`` ("Christian" read as a name at 0.97 stays a name)."""
    dropped: set[Finding] = set()
    index = SpanIndex(kept)
    for w in weak:
        touched = [index.findings[i] for i in index.overlapping(w.start, w.end)]
        if touched and all(
            k.recognizer in statistical
            and w.start <= k.start
            and k.end <= w.end
            and (
                k.entity_type != "PERSON"
                or k.score < confident
                or k.end - k.start < w.end - w.start
            )
            for k in touched
        ):
            dropped.update(touched)
    return [k for k in kept if k not in dropped] if dropped else kept


def _clear_of(findings: Sequence[Finding], kept: Sequence[Finding]) -> list[Finding]:
    """``findings`` that overlap none of ``kept``."""
    index = SpanIndex(kept)
    return [f for f in findings if not index.overlapping(f.start, f.end)]


def _position(finding: Finding) -> tuple[int, int]:
    return finding.start, finding.end


def _by_score(findings: Sequence[Finding]) -> list[Finding]:
    """The findings that overlap no better one (higher score, then longer, then earlier).

    The kept findings never overlap, so sorted by start their ends rise too: the one with
    the last start before a finding's end is the only one that can reach into it (a
    bisection instead of a scan of all kept findings; thousands of findings in one long
    text stay fast)."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    if any(f.start >= f.end for f in ranked):  # no recognizer reports an empty span
        kept: list[Finding] = []
        for finding in ranked:
            if all(finding.end <= k.start or finding.start >= k.end for k in kept):
                kept.append(finding)
        return kept
    kept = []  # by start
    starts: list[int] = []
    for finding in ranked:
        i = bisect.bisect_left(starts, finding.end)
        if i and kept[i - 1].end > finding.start:
            continue
        kept.insert(i, finding)
        starts.insert(i, finding.start)
    return kept


def _outside(finding: Finding, patterns: Sequence[Finding], text: str | None) -> Finding | None:
    """``finding`` cut down to its part on one side of the pattern findings it overlaps.

    Only a piece at either end qualifies (never one between two pattern findings), and
    only if it still reads as an entity: two words, or one capitalised word. A span that
    is mostly pattern findings is dropped: the model was reacting to them.
    """
    cuts = sorted(
        (p.start, p.end) for p in patterns if p.start < finding.end and finding.start < p.end
    )
    if not cuts:
        return finding
    pieces = _pieces(finding.start, finding.end, cuts)
    if text is None or 2 * sum(e - s for s, e in pieces) <= finding.end - finding.start:
        return None
    ends = [p for p in pieces if p[0] == finding.start or p[1] == finding.end]
    words = [_words(text[start:end]) for start, end in ends]
    best = max(range(len(ends)), key=lambda i: sum(map(len, words[i])), default=None)
    if best is None or not _reads_as_entity(words[best]):
        return None
    start, end = ends[best]
    while not text[start].isalnum():
        start += 1
    while not (text[end - 1].isalnum() or text[end - 1] == "."):
        end -= 1
    return Finding(finding.entity_type, start, end, finding.score, finding.recognizer)


def _words(piece: str) -> list[str]:
    """Tokens of two letters or more and nothing else ("ACC-0042" is not a word)."""
    stripped = (token.strip(string.punctuation) for token in piece.split())
    return [token for token in stripped if len(token) >= 2 and token.isalpha()]


def _reads_as_entity(words: Sequence[str]) -> bool:
    # "order" or "account" left over from "order NW-12345" is not an address.
    return len(words) >= 2 or (len(words) == 1 and words[0][0].isupper())


def _pieces(start: int, end: int, cuts: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``start:end`` that no cut (sorted) covers."""
    pieces: list[tuple[int, int]] = []
    for cut_start, cut_end in cuts:
        if cut_start > start:
            pieces.append((start, cut_start))
        start = max(start, cut_end)
    if start < end:
        pieces.append((start, end))
    return pieces


class PiiAnalyzer:
    """Finds personal data in text with a list of recognizers."""

    def __init__(
        self,
        recognizers: Sequence[Recognizer] | None = None,
        options: AnalyzerOptions | None = None,
    ) -> None:
        self.options = options or AnalyzerOptions()
        if recognizers is None:
            try:
                patterns = _defaults(self.options.order_patterns, self.options.phone_regions)
            except re.error as exc:
                raise ValueError(f"an order pattern is not a regular expression: {exc}") from None
            recognizers = [
                *patterns,
                NrpRecognizer(),
                CurrencyCodes(),
                POSTAL_CODE,
                *(
                    [CrfRecognizer(name_prior=self.options.name_prior)]
                    if self.options.statistical
                    else []
                ),
                *_semantic_recognizers(self.options),
                *_custom_recognizers(self.options),
            ]
        self._recognizers: list[Recognizer] = list(recognizers)
        # The text's digits counted in C where the tagger's accelerator is in use.
        module = accelerator()
        self._digit_stats: Callable[[str], DigitStats] = (
            DigitStats.of if module is None else functools.partial(module.digit_stats, DigitStats)
        )
        self._confident = confident_at(self.options.name_prior)
        _check_entity_types(self.options, self._recognizers)
        self._configure()
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
        self._configure()

    def _configure(self) -> None:
        """What ``analyze`` derives from the recognizers, once per change to them: which are
        statistical; the plan (each wanted recognizer, whether it takes the text's digit
        counts, the digits any of its findings needs: its call is skipped when the text has
        fewer); the placeholders the operators write for the entity types they report."""
        self._statistical = _statistical_names(self._recognizers)
        # Recognizers that also know spans that are no personal data.
        self._clearing: list[Clearing] = [r for r in self._recognizers if isinstance(r, Clearing)]
        # Recognizers that keep the last text for a second question about it: told to drop
        # it once the text is done, so that no message stays in memory after its analysis.
        self._forgetting: list[Callable[[], None]] = [
            forget for r in self._recognizers if callable(forget := getattr(r, "forget", None))
        ]
        self._yielding = frozenset(r.name for r in self._recognizers if getattr(r, "yields", False))
        # A yielding recognizer whose types are not reported still runs while a statistical
        # one is, to overrule its guesses as it would if reported ("I am Nigerian" is a
        # nationality, so no name, even where only names are reported).
        models_wanted = any(
            r.name in self._statistical and self._wanted(r.entities) for r in self._recognizers
        )
        self._arbiters = frozenset(
            r.name
            for r in self._recognizers
            if models_wanted and r.name in self._yielding and not self._wanted(r.entities)
        )
        # Each recognizer with the digits and the longest run of them any finding needs, and
        # the strings one of which the text (or its lower case) must hold for one (``needs``).
        self._plan: list[tuple[Recognizer, bool, int, int, tuple[str, ...], bool]] = []
        for r in self._recognizers:
            if self._wanted(r.entities) or r.name in self._arbiters:
                min_digits, min_run = getattr(r, "min_digits", 0), getattr(r, "min_run", 0)
                digits = min_digits if type(min_digits) is int else 0
                run = min_run if type(min_run) is int else 0
                # (not for a subclass with a ``find`` of its own: it may need other things)
                needs, in_lower = (
                    r.needs
                    if isinstance(r, PatternRecognizer) and type(r).find is PatternRecognizer.find
                    else ((), False)
                )
                self._plan.append((r, type(r) in _TAKES_STATS, digits, run, needs, in_lower))
        # Whether ``_keep`` asks only a finding's score (the default options): then
        # ``analyze`` filters by score without a call per finding.
        self._scores_only = self.options.entities is None and not self.options.allow_list
        # The plan for a text without digits: most recognizers need some.
        self._plan_no_digits = [step for step in self._plan if step[2] == 0 and step[3] == 0]
        types = {e for r in self._recognizers for e in r.entities} | set(self.options.deny_list)
        names = "|".join(sorted(map(re.escape, types)))
        self._placeholder = re.compile(rf"<(?:{names})(?:_\d{{1,6}})?>") if types else None

    def analyze(self, text: str) -> list[Finding]:
        """All findings in ``text`` that pass the options, without overlaps, by position."""
        stats = self._digit_stats(text)
        digits, run = stats.digits, stats.run
        found: list[Finding] = []
        plan = self._plan if digits else self._plan_no_digits
        for recognizer, takes_stats, min_digits, min_run, needs, in_lower in plan:
            if digits < min_digits or run < min_run:
                continue
            if needs:
                where = lower_case(text)[0] if in_lower else text
                for needed in needs:
                    if needed in where:
                        break
                else:
                    continue  # none of them: the recognizer would find nothing
            if takes_stats:
                found.extend(recognizer.find(text, stats))  # type: ignore[call-arg]
            else:
                found.extend(recognizer.find(text))
        if found:
            if self._scores_only:
                opts = self.options
                thresholds, default = opts.thresholds, opts.default_threshold
                found = [f for f in found if f.score >= thresholds.get(f.entity_type, default)]
            else:
                found = [f for f in found if self._keep(f, text)]
        if found and self._clearing and any(f.recognizer in self._statistical for f in found):
            found = self._without_cleared(found, text)
        if self._deny:
            found.extend(self._denied(text))
        if found and "<" in text:
            found = self._outside_placeholders(found, text)
        kept = resolve_overlaps(found, text, self._statistical, self._yielding, self._confident)
        if self._arbiters:
            kept = [f for f in kept if f.recognizer not in self._arbiters]
        forget_lower_case()
        for forget in self._forgetting:
            forget()
        return kept

    def _without_cleared(self, findings: list[Finding], text: str) -> list[Finding]:
        """``findings`` less the model's guesses that lie in a span a recognizer knows is
        no personal data (a language: "in French")."""
        spans = [span for r in self._clearing for span in r.cleared(text)]
        if not spans:
            return findings
        return [
            f
            for f in findings
            if f.recognizer not in self._statistical
            or not any(a <= f.start and f.end <= b for a, b in spans)
        ]

    def _outside_placeholders(self, findings: list[Finding], text: str) -> list[Finding]:
        """``findings`` without those inside what the redact and pseudonymize operators put in
        place of a finding ("<PERSON>", "<PERSON_2>"): redacted text is not personal data
        again. Only the entity types of this analyzer count ("<BOB_5551234567>" does not)."""
        if self._placeholder is None:
            return findings
        spans = [m.span() for m in self._placeholder.finditer(text)]
        if not spans:
            return findings
        return [f for f in findings if not any(a <= f.start and f.end <= b for a, b in spans)]

    def _wanted(self, entities: Sequence[str]) -> bool:
        selected = self.options.entities
        return selected is None or any(e in selected for e in entities)

    def _keep(self, finding: Finding, text: str) -> bool:
        opts = self.options
        wanted = opts.entities is None or finding.entity_type in opts.entities
        if not wanted and finding.recognizer not in self._arbiters:
            return False
        if opts.allow_list and text[finding.start : finding.end] in opts.allow_list:
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
    recognizers: list[Recognizer] = []
    for p in options.custom_patterns:
        try:
            pattern = configured_pattern(p.regex, p.score)
            name = f"custom_{p.entity_type.lower()}"
            recognizers.append(PatternRecognizer(name, p.entity_type, [pattern]))
        except re.error as exc:
            raise ValueError(
                f"the custom pattern for {p.entity_type} is not a regular expression: {exc}"
            ) from None
    return recognizers


@functools.cache
def _built_in_types() -> frozenset[str]:
    """Every type the packaged recognizers report (built once, not per analyzer)."""
    return frozenset(ENTITIES).union(*(r.entities for r in _defaults()))


def _check_entity_types(options: AnalyzerOptions, recognizers: Sequence[Recognizer]) -> None:
    """A type named in ``entities`` or ``thresholds`` that nothing can report is a typo
    ("EMAIL" for "EMAIL_ADDRESS") that would silently report nothing of it, or everything
    at the default threshold: refused, with the types there are."""
    named = set(options.entities or ()) | set(options.thresholds)
    if not named:
        return
    known = set(_built_in_types()) | set(options.deny_list)
    known.update(p.entity_type for p in options.custom_patterns)
    known.update(e for r in recognizers for e in r.entities)
    unknown = sorted(named - known)
    if unknown:
        raise ValueError(
            f"unknown PII entity types: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )


def _semantic_recognizers(options: AnalyzerOptions) -> list[Recognizer]:
    if options.semantic_model_path is None:
        return []
    from confide.pii.semantic import SemanticNerRecognizer  # loads torch on construction

    return [SemanticNerRecognizer(options.semantic_model_path)]


def _statistical_names(recognizers: Sequence[Recognizer]) -> frozenset[str]:
    """Names of the recognizers whose spans are a model's guess rather than a format."""
    return frozenset(
        r.name
        for r in recognizers
        if isinstance(r, CrfRecognizer) or getattr(r, "statistical", False)
    )
