"""Score the analyzer against a presidio-research JSON file.

Method (re-implemented from presidio-evaluator's ``SpanEvaluator``, not copied):

1. Tokenize each text; a token takes an entity's label when the entity's start or end
   falls inside the token or the token starts inside the entity (IO scheme).
2. Runs of tokens with the same label form spans; tokens that are skip words
   (punctuation, stop words, "street", "mr." ...) are dropped and the span's normalized
   character range is that of the remaining tokens; spans of one label separated only
   by skip words are merged.
3. For each gold span, every predicted span with character IoU > 0 (over normalized
   ranges, union = hull) overlaps it. None: a false negative. One: a true positive when
   IoU >= 0.75 and the types agree, else a false negative and a false positive. Several:
   grouped by type, the combined IoU of each group decides as above. Predictions that
   overlap no gold span are false positives. Precision = TP / predicted, recall = TP /
   gold, F2 weighs recall twice.
4. Type-agnostic (``pii``): every label becomes ``PII`` before step 2. Token level
   (``pii_token``): each non-skip token is PII or not, counted token by token.

Differences from the reference: a regex tokenizer instead of spaCy's, and a shorter
English stop-word list. Dataset types are mapped to ours by ``DATASET_TYPE_MAP``.
"""

from __future__ import annotations

import json
import re
import string
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confide.pii.findings import Finding

IOU_THRESHOLD = 0.75
BETA = 2.0

# presidio-research type -> Confide type. None: not personal data we aim to find
# (job titles and honorifics), dropped from the gold spans.
DATASET_TYPE_MAP: dict[str, str | None] = {
    "ADDRESS": "STREET_ADDRESS",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "LOCATION": "LOCATION",
    "GPE": "LOCATION",
    "PERSON": "PERSON",
    "ORGANIZATION": "ORGANIZATION",
    "CREDIT_CARD": "CREDIT_CARD",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "DATE_TIME": "DATE_TIME",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "US_SSN": "US_SSN",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "DOMAIN_NAME": "URL",
    "URL": "URL",
    "US_DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "AGE": "AGE",
    "NRP": "NRP",
    "ZIP_CODE": "POSTAL_CODE",
    "TITLE": None,
    "PREFIX": None,
}

_STOP_WORDS = (
    "a about above after again all also am an and any are as at be been before being below"
    " between both but by can could did do does doing down during each few for from further"
    " had has have having he her here hers herself him himself his how i if in into is it"
    " its itself just me more most my myself no nor not now of off on once only or other our"
    " ours out over own same she should so some such than that the their theirs them then"
    " there these they this those through to too under until up very was we were what when"
    " where which while who whom why will with would you your yours"
)
_PRESIDIO_SKIP = (
    "'s street st. st de rue via day address country state city zip po apt unit corner"
    " p.o. box suite mr. mrs. miss year years y/o month months old morning noon afternoon"
    " night evening first last week weeks weekend days age ago inc inc. ltd >> >>> >>>>"
)
SKIP_WORDS = frozenset([*string.punctuation, *_STOP_WORDS.split(), *_PRESIDIO_SKIP.split(), ""])

_TOKEN = re.compile(
    r"https?://\S+[^\s.,;:!?)]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\w+(?:[.'-]\w+)*\.?|[^\w\s]"
)


class EvaluationDataError(ValueError):
    """The evaluation file is missing, not JSON, or not in presidio-research format."""


@dataclass(frozen=True, slots=True)
class GoldSpan:
    entity_type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    spans: tuple[GoldSpan, ...]


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    text: str

    @property
    def skip(self) -> bool:
        return self.text.lower() in SKIP_WORDS


@dataclass(frozen=True, slots=True)
class _Span:
    label: str
    first: int  # token index range, end exclusive
    last: int
    nstart: int  # normalized character range
    nend: int


@dataclass(slots=True)
class _Counts:
    tp: int = 0
    predicted: int = 0
    annotated: int = 0

    def metrics(self) -> dict[str, float]:
        precision = self.tp / self.predicted if self.predicted else 0.0
        recall = self.tp / self.annotated if self.annotated else 0.0
        return {"precision": precision, "recall": recall, "f2": f_beta(precision, recall)}


def f_beta(precision: float, recall: float, beta: float = BETA) -> float:
    if precision == 0 and recall == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)


def load_samples(path: Path) -> list[Sample]:
    """Read a presidio-research JSON list of ``{full_text, spans: [...]}``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvaluationDataError(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvaluationDataError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(raw, list):
        raise EvaluationDataError(f"{path}: expected a JSON list of records")
    return [_sample(record, i) for i, record in enumerate(raw)]


def _sample(record: Any, index: int) -> Sample:
    try:
        text = record["full_text"]
        spans = tuple(
            GoldSpan(str(s["entity_type"]), int(s["start_position"]), int(s["end_position"]))
            for s in record["spans"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EvaluationDataError(f"record {index}: missing or bad field {exc}") from None
    if not isinstance(text, str):
        raise EvaluationDataError(f"record {index}: full_text is not a string")
    return Sample(text, spans)


def tokenize(text: str) -> list[_Token]:
    return [_Token(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def _label_tokens(tokens: Sequence[_Token], spans: Sequence[tuple[str, int, int]]) -> list[str]:
    labels = ["O"] * len(tokens)
    for label, start, end in sorted(spans, key=lambda s: s[1]):
        for i, tok in enumerate(tokens):
            if (
                tok.start <= start <= tok.end
                or tok.start <= end <= tok.end
                or start <= tok.start < end
            ):
                labels[i] = label
    return labels


def _spans_from_labels(tokens: Sequence[_Token], labels: Sequence[str]) -> list[_Span]:
    runs: list[tuple[str, int, int]] = []
    for i, label in enumerate(labels):
        if label == "O":
            continue
        if runs and runs[-1][0] == label and runs[-1][2] == i:
            runs[-1] = (label, runs[-1][1], i + 1)
        else:
            runs.append((label, i, i + 1))
    spans: list[_Span] = []
    for label, first, last in runs:
        kept = [t for t in tokens[first:last] if not t.skip]
        if not kept:
            continue
        span = _Span(label, first, last, kept[0].start, max(t.end for t in kept))
        previous = spans[-1] if spans else None
        if previous and previous.label == label and _only_skip(tokens[previous.last : first]):
            span = _Span(label, previous.first, last, previous.nstart, span.nend)
            spans[-1] = span
        else:
            spans.append(span)
    return spans


def _only_skip(tokens: Sequence[_Token]) -> bool:
    return all(t.skip for t in tokens)


def _iou(a: _Span, b: _Span) -> float:
    inter = min(a.nend, b.nend) - max(a.nstart, b.nstart)
    if inter <= 0:
        return 0.0
    return inter / (max(a.nend, b.nend) - min(a.nstart, b.nstart))


def _combined_iou(gold: _Span, preds: Sequence[_Span]) -> float:
    # Mirrors the reference's character sets, including its off-by-one ranges.
    gold_chars = set(range(gold.nstart, gold.nend + 1))
    pred_chars: set[int] = set()
    for i, p in enumerate(preds):
        pred_chars.update(range(p.nstart, p.nend + 1) if i == 0 else range(p.nstart - 1, p.nend))
    union = len(gold_chars | pred_chars)
    return len(gold_chars & pred_chars) / union if union else 0.0


def _match(gold: Sequence[_Span], preds: Sequence[_Span], counts: dict[str, _Counts]) -> None:
    touched: set[int] = set()
    for g in gold:
        counts[g.label].annotated += 1
        overlapping = [(i, p) for i, p in enumerate(preds) if _iou(g, p) > 0]
        touched.update(i for i, _ in overlapping)
        by_type: dict[str, list[_Span]] = {}
        for _, p in sorted(overlapping, key=lambda ip: ip[1].nstart):
            by_type.setdefault(p.label, []).append(p)
        for label, group in by_type.items():
            iou = _iou(g, group[0]) if len(group) == 1 else _combined_iou(g, group)
            counts[label].predicted += 1
            if label == g.label and iou >= IOU_THRESHOLD:
                counts[label].tp += 1
    for i, p in enumerate(preds):
        if i not in touched:
            counts[p.label].predicted += 1


@dataclass(slots=True)
class _Tally:
    entities: dict[str, _Counts]
    pii: dict[str, _Counts]
    token: _Counts


def _new_tally() -> _Tally:
    return _Tally(defaultdict(_Counts), defaultdict(_Counts), _Counts())


def _score_sample(sample: Sample, findings: Sequence[Finding], tally: _Tally) -> None:
    tokens = tokenize(sample.text)
    gold = [
        (t, s.start, s.end)
        for s in sample.spans
        if (t := DATASET_TYPE_MAP.get(s.entity_type, s.entity_type))
    ]
    pred = [(f.entity_type, f.start, f.end) for f in findings]
    gold_labels, pred_labels = _label_tokens(tokens, gold), _label_tokens(tokens, pred)
    _match(
        _spans_from_labels(tokens, gold_labels),
        _spans_from_labels(tokens, pred_labels),
        tally.entities,
    )
    gold_pii = ["O" if x == "O" else "PII" for x in gold_labels]
    pred_pii = ["O" if x == "O" else "PII" for x in pred_labels]
    _match(_spans_from_labels(tokens, gold_pii), _spans_from_labels(tokens, pred_pii), tally.pii)
    for tok, g, p in zip(tokens, gold_pii, pred_pii, strict=True):
        if tok.skip:
            continue
        tally.token.annotated += g == "PII"
        tally.token.predicted += p == "PII"
        tally.token.tp += g == p == "PII"


def evaluate(samples: Sequence[Sample], analyze: Callable[[str], list[Finding]]) -> dict[str, Any]:
    """Run ``analyze`` on every sample and score it; see the module docstring."""
    started = time.perf_counter()
    predictions = [analyze(s.text) for s in samples]
    elapsed = time.perf_counter() - started
    tally = _new_tally()
    for sample, findings in zip(samples, predictions, strict=True):
        _score_sample(sample, findings, tally)
    return {
        "pii": tally.pii["PII"].metrics(),
        "pii_token": tally.token.metrics(),
        "entities": {
            label: {**c.metrics(), "support": c.annotated}
            for label, c in sorted(tally.entities.items())
        },
        "texts_per_second": len(samples) / elapsed if elapsed > 0 else 0.0,
        "n": len(samples),
    }
