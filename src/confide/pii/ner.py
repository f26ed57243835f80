"""Names and places: a small CRF tagger (python-crfsuite) for PERSON, LOCATION,
STREET_ADDRESS and ORGANIZATION, with character-exact spans.

The model ships in ``confide/pii/models/ner.crfsuite`` and is rebuilt by
``scripts/train_pii_ner.py``; nothing is downloaded at run time.
"""

from __future__ import annotations

import json
import re
import string
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confide.pii.findings import Finding

__all__ = [
    "DEFAULT_MODEL_PATH",
    "ENTITIES",
    "CrfRecognizer",
    "Token",
    "sentence_features",
    "spans_to_bio",
    "tokenize",
]

DEFAULT_MODEL_PATH = Path(__file__).parent / "models" / "ner.crfsuite"
ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "STREET_ADDRESS", "ORGANIZATION")

# Words with inner apostrophes, hyphens or dots stay one token ("O'Neil", "Saint-Denis");
# a possessive "'s" is split off. Line breaks are not tokens but a feature of the next token,
# so signatures ("Thanks,\nMaria") and multi-line addresses stay visible to the model.
_TOKEN_RE = re.compile(r"['\u2019]s\b|\w+(?:['\u2019](?!s\b)\w+|[\-.]\w+)*|[^\w\s]")

# Context cues: the lower-cased words just before a span. They are model features and,
# at run time, raise the score of a span they precede.
PERSON_CUES: tuple[tuple[str, ...], ...] = (
    ("my", "name", "is"),
    ("name", "is"),
    ("name", ":"),
    ("i", "am"),
    ("i", "'m"),
    ("this", "is"),
    ("called",),
    ("mr",),
    ("mrs",),
    ("ms",),
    ("dr",),
    ("dear",),
    ("hi",),
    ("hello",),
    ("thanks", ","),
    ("thank", "you", ","),
    ("regards", ","),
    ("cheers", ","),
    ("sincerely", ","),
    ("best", ","),
)
LOCATION_CUES: tuple[tuple[str, ...], ...] = (
    ("live", "in"),
    ("living", "in"),
    ("moved", "to"),
    ("travelling", "to"),
    ("traveling", "to"),
    ("from",),
    ("based", "in"),
)
ADDRESS_CUES: tuple[tuple[str, ...], ...] = (
    ("ship", "it", "to"),
    ("send", "it", "to"),
    ("deliver", "it", "to"),
    ("address", "is"),
    ("address", "to"),
    ("address", ":"),
    ("live", "at"),
    ("lives", "at"),
)
_CUES = {"PERSON": PERSON_CUES, "LOCATION": LOCATION_CUES, "STREET_ADDRESS": ADDRESS_CUES}
CUE_BOOST = 0.15
# Parts of one entity the model may tag separately ("12 Main St, Apt 4") are joined
# when only these characters lie between them.
_JOINERS = {
    "PERSON": re.compile(r"[ \t]*"),
    "STREET_ADDRESS": re.compile(r"[ \t]*,?[ \t]*(?:\n[ \t]*)?"),  # at most one line break
}
GAZETTEER_KINDS = ("first", "last", "city", "country")
Gazetteer = dict[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens that keep their character offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


_UPPER_RE = re.compile(r"[A-Z]")
_LOWER_RE = re.compile(r"[a-z]")
_DIGIT_RE = re.compile(r"\d")
_OTHER_LETTER_RE = re.compile(r"[^Xxd\W]")
_REPEAT_RE = re.compile(r"(.)\1{2,}")


_ASCII_SHAPE = str.maketrans(
    string.ascii_uppercase + string.ascii_lowercase + string.digits + "_",
    "X" * 26 + "x" * 26 + "d" * 10 + "u",
)


def _shape(word: str) -> str:
    if word.isascii():
        return _REPEAT_RE.sub(r"\1\1", word.translate(_ASCII_SHAPE))
    shape = _DIGIT_RE.sub("d", _LOWER_RE.sub("x", _UPPER_RE.sub("X", word)))
    shape = _OTHER_LETTER_RE.sub("u", shape)  # accented and non-Latin letters
    return _REPEAT_RE.sub(r"\1\1", shape)


_CUES_BY_LAST_WORD: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
for _entity, _cues in _CUES.items():
    for _cue in _cues:
        _CUES_BY_LAST_WORD.setdefault(_cue[-1], []).append((_entity, _cue))


def _cue_hits(lowered: Sequence[str], i: int) -> Iterator[str]:
    """Entity types whose context cue ends right before token ``i``."""
    if i == 0:
        return
    seen: set[str] = set()
    for entity, cue in _CUES_BY_LAST_WORD.get(lowered[i - 1], ()):
        n = len(cue)
        if entity not in seen and i >= n and tuple(lowered[i - n : i]) == cue:
            seen.add(entity)
            yield entity


def gazetteer_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".gazetteer.json")


def load_gazetteer(path: Path) -> Gazetteer:
    """Word lists (given names, surnames, cities, countries) the model was trained with."""
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {kind: frozenset(raw.get(kind, ())) for kind in GAZETTEER_KINDS}


def sentence_features(
    tokens: Sequence[Token], text: str, gazetteer: Gazetteer | None = None
) -> list[list[str]]:
    """CRF features for each token: the word, its shape and affixes, neighbours ±2, cues."""
    gaz = gazetteer or {}
    words = [t.text for t in tokens]
    lowered = [w.lower() for w in words]
    n = len(words)
    # Per-token pieces are computed once and reused as neighbour features.
    shapes = [_shape(w) for w in words]
    titles = [str(w[:1].isupper() and w[1:].islower()) for w in words]
    kinds = [[kind for kind, members in gaz.items() if low in members] for low in lowered]
    breaks = [i == 0 or "\n" in text[tokens[i - 1].end : tokens[i].start] for i in range(n)]
    flat = text.isupper() or text.islower()
    feats: list[list[str]] = []
    for i, word in enumerate(words):
        low = lowered[i]
        f = [
            "bias",
            f"w={low}",
            f"shape={shapes[i]}",
            f"p2={low[:2]}",
            f"p3={low[:3]}",
            f"s2={low[-2:]}",
            f"s3={low[-3:]}",
            f"s4={low[-4:]}",
            f"title={word[:1].isupper()}",
            f"upper={word.isupper()}",
            f"digit={word.isdigit()}",
            f"hasdigit={any(c.isdigit() for c in word)}",
            f"len={min(len(word), 8)}",
        ]
        if flat:
            f.append("case=flat")
        if breaks[i]:
            f.append("linestart")
        if i + 1 == n or breaks[i + 1]:
            f.append("lineend")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                f += [
                    f"{offset}:w={lowered[j]}",
                    f"{offset}:shape={shapes[j]}",
                    f"{offset}:title={titles[j]}",
                ]
            else:
                f.append(f"{offset}:pad")
        if i >= 2:
            f.append(f"-2-1={lowered[i - 2]}|{lowered[i - 1]}")
        if i + 2 < n:
            f.append(f"+1+2={lowered[i + 1]}|{lowered[i + 2]}")
        f.extend(f"cue={entity}" for entity in _cue_hits(lowered, i))
        f.extend(f"gaz={kind}" for kind in kinds[i])
        if i > 0:
            f.extend(f"-1:gaz={kind}" for kind in kinds[i - 1])
        if i + 1 < n:
            f.extend(f"+1:gaz={kind}" for kind in kinds[i + 1])
        feats.append(f)
    return feats


def spans_to_bio(tokens: Sequence[Token], spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """BIO labels for ``tokens`` from character spans; a token belongs to the span it overlaps."""
    labels = ["O"] * len(tokens)
    for start, end, entity in sorted(spans):
        first = True
        for k, tok in enumerate(tokens):
            if tok.end <= start or tok.start >= end or labels[k] != "O":
                continue
            labels[k] = ("B-" if first else "I-") + entity
            first = False
    return labels


def merge_adjacent(spans: Sequence[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """Join same-type spans separated only by a joiner (spaces; for addresses also commas)."""
    merged: list[tuple[int, int, str]] = []
    for start, end, entity in sorted(spans):
        if merged:
            p_start, p_end, p_entity = merged[-1]
            joiner = _JOINERS.get(entity)
            if (
                p_entity == entity
                and joiner is not None
                and p_end <= start
                and joiner.fullmatch(text, p_end, start)
            ):
                merged[-1] = (p_start, end, entity)
                continue
        merged.append((start, end, entity))
    return merged


def _bio_spans(labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token-index spans ``(first, last_exclusive, entity)`` from BIO labels."""
    spans: list[tuple[int, int, str]] = []
    begin, entity = -1, ""
    for k, label in enumerate([*labels, "O"]):
        inside = label.startswith("I-") and label[2:] == entity and begin >= 0
        if inside:
            continue
        if begin >= 0:
            spans.append((begin, k, entity))
            begin, entity = -1, ""
        if label != "O":
            begin, entity = k, label[2:]
    return spans


def _trim(tokens: Sequence[Token], span: tuple[int, int, str]) -> tuple[int, int, str]:
    """Drop punctuation the model tagged at the edges of a span ("> 12 Main St")."""
    first, last, entity = span
    while first < last and not tokens[first].text[0].isalnum():
        first += 1
    while last > first and not tokens[last - 1].text[-1].isalnum() and tokens[last - 1].text != ".":
        last -= 1
    return first, last, entity


class CrfRecognizer:
    """Finds names, places, street addresses and organisations with a packaged CRF model."""

    name = "crf-ner"
    entities: tuple[str, ...] = ENTITIES

    def __init__(
        self,
        model_path: Path | str | None = None,
        *,
        entities: Sequence[str] | None = None,
        min_score: float = 0.0,
    ) -> None:
        import pycrfsuite

        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL_PATH
        if not self.model_path.is_file():
            raise FileNotFoundError(f"CRF model not found: {self.model_path}")
        if entities is not None:
            self.entities = tuple(entities)
        self.min_score = min_score
        self._tagger: Any = pycrfsuite.Tagger()
        self._tagger.open(str(self.model_path))
        self.gazetteer = load_gazetteer(gazetteer_path(self.model_path))
        # A crfsuite Tagger holds per-sequence state between tag() and marginal().
        self._lock = threading.Lock()

    def tag(self, text: str) -> tuple[list[Token], list[str], list[float]]:
        """Tokens, their BIO labels and each label's marginal probability."""
        tokens = tokenize(text)
        if not tokens:
            return tokens, [], []
        feats = sentence_features(tokens, text, self.gazetteer)
        with self._lock:
            labels: list[str] = list(self._tagger.tag(feats))
            probs = [float(self._tagger.marginal(lab, k)) for k, lab in enumerate(labels)]
        return tokens, labels, probs

    def find(self, text: str) -> list[Finding]:
        tokens, labels, probs = self.tag(text)
        lowered = [t.text.lower() for t in tokens]
        findings: list[Finding] = []
        for first, last, entity in self._merged_spans(text, tokens, labels):
            if entity not in self.entities:
                continue
            tagged = [p for k, p in enumerate(probs[first:last], first) if labels[k] != "O"]
            score = sum(tagged) / len(tagged)
            if entity in _cue_hits(lowered, first):
                score = min(1.0, score + CUE_BOOST)
            if score < self.min_score:
                continue
            start, end = tokens[first].start, tokens[last - 1].end
            findings.append(Finding(entity, start, end, round(score, 4), self.name))
        return findings

    @staticmethod
    def _merged_spans(
        text: str, tokens: Sequence[Token], labels: Sequence[str]
    ) -> list[tuple[int, int, str]]:
        merged: list[tuple[int, int, str]] = []
        for first, last, entity in _bio_spans(labels):
            if merged and merged[-1][2] == entity and entity in _JOINERS:
                gap_start, gap_end = tokens[merged[-1][1] - 1].end, tokens[first].start
                if _JOINERS[entity].fullmatch(text, gap_start, gap_end):
                    merged[-1] = (merged[-1][0], last, entity)
                    continue
            merged.append((first, last, entity))
        return [span for span in map(lambda m: _trim(tokens, m), merged) if span[0] < span[1]]
