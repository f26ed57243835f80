"""Names and places: a small CRF tagger (python-crfsuite) for PERSON, LOCATION,
STREET_ADDRESS and ORGANIZATION, with character-exact spans.

The model ships in ``confide/pii/models/ner.crfsuite`` and is rebuilt by
``scripts/train_pii_ner.py``; nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import json
import math
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
    # The same cues in the languages customers most often write in.
    ("name", "ist"),
    ("ich", "heiße"),
    ("je", "m'appelle"),
    ("me", "llamo"),
    ("soy",),
    ("ik", "ben"),
    ("mi", "chiamo"),
    ("jeg", "hedder"),
    ("nome", "é"),
    ("nazywam", "się"),
    ("меня", "зовут"),
    ("με", "λένε"),
    ("cordialement", ","),
    ("mit", "freundlichen", "grüßen", ","),
)
LOCATION_CUES: tuple[tuple[str, ...], ...] = (
    ("live", "in"),
    ("living", "in"),
    ("moved", "to"),
    ("travelling", "to"),
    ("traveling", "to"),
    ("from",),
    ("based", "in"),
    ("wohne", "in"),
    ("j'habite", "à"),
    ("vivo", "en"),
    ("abito", "a"),
    ("bor", "i"),
    ("moro", "em"),
    ("mieszkam", "w"),
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
GAZETTEER_KINDS = ("first", "last", "city", "country", "street", "company", "common")
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


_WORD_CACHE_SIZE = 200_000


class CharNgramModel:
    """How much a word looks like a person's name, a place or an ordinary word, from its
    character n-grams (a multinomial logistic regression trained by the training script).

    Unseen surnames ("Gairbekov", "Bergsveinsson") still look like names, which word lists
    alone cannot tell the tagger.
    """

    def __init__(
        self,
        classes: Sequence[str],
        bias: Sequence[float],
        weights: dict[str, Any],
        ngram_range: tuple[int, int],
    ) -> None:
        self.classes = tuple(classes)
        self.bias = tuple(float(b) for b in bias)
        self.weights: dict[str, tuple[float, ...]] = {k: tuple(v) for k, v in weights.items()}
        self.ngram_range = ngram_range
        self._cache: dict[str, list[float]] = {}

    @classmethod
    def load(cls, path: Path) -> CharNgramModel | None:
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        low, high = raw["ngram_range"]
        return cls(raw["classes"], raw["bias"], raw["weights"], (int(low), int(high)))

    def ngrams(self, word: str) -> Iterator[str]:
        padded = f" {word.lower()} "
        low, high = self.ngram_range
        for n in range(low, high + 1):
            for i in range(len(padded) - n + 1):
                yield padded[i : i + n]

    def probabilities(self, word: str) -> list[float]:
        cached = self._cache.get(word)
        if cached is None:
            if len(self._cache) >= _WORD_CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[word] = self._probabilities(word)
        return cached

    def _probabilities(self, word: str) -> list[float]:
        scores = list(self.bias)
        for gram in self.ngrams(word):
            w = self.weights.get(gram)
            if w is not None:
                for k, value in enumerate(w):
                    scores[k] += value
        top = max(scores)
        exps = [math.exp(x - top) for x in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def features(self, word: str) -> list[str]:
        """``cn=<class>`` and ``cn=<class>:<confidence bin>`` for the likeliest class."""
        if len(word) < 2 or not any(c.isalpha() for c in word):
            return []
        probs = self.probabilities(word)
        best = max(range(len(probs)), key=probs.__getitem__)
        return [f"cn={self.classes[best]}", f"cn={self.classes[best]}:{int(probs[best] * 4)}"]


def chars_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".chars.json")


def gazetteer_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".gazetteer.json")


def load_gazetteer(path: Path) -> Gazetteer:
    """Word lists (given names, surnames, cities, countries) the model was trained with."""
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {kind: frozenset(raw.get(kind, ())) for kind in GAZETTEER_KINDS}


_OFFSETS = (-1, 1)
WordFeatures = tuple[list[str], dict[int, list[str]]]


class FeatureExtractor:
    """CRF features for each token: the word, its shape and affixes, word lists, character
    n-gram class, the neighbours' words, the two words either side as pairs, line position
    and context cues.

    What depends on one word alone is computed once per distinct word and cached. Given
    ``known`` (the attributes a trained model has weights for), features the model never saw
    are dropped before they reach crfsuite, which would otherwise convert and look up each.
    """

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        chars: CharNgramModel | None = None,
        known: frozenset[str] | None = None,
        cache_size: int = _WORD_CACHE_SIZE,
    ) -> None:
        self.gazetteer = gazetteer or {}
        self.chars = chars
        self.known = known
        self.cache_size = cache_size
        self._cache: dict[str, WordFeatures] = {}

    def _keep(self, features: list[str]) -> list[str]:
        known = self.known
        return features if known is None else [f for f in features if f in known]

    def word_features(self, word: str) -> WordFeatures:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        low = word.lower()
        shape = _shape(word)
        kinds = [kind for kind, members in self.gazetteer.items() if low in members]
        char_class = self.chars.features(word) if self.chars is not None else []
        own = [
            "bias",
            f"w={low}",
            f"shape={shape}",
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
            *(f"gaz={kind}" for kind in kinds),
            *char_class,
        ]
        title = str(word[:1].isupper() and word[1:].islower())
        around: dict[int, list[str]] = {}
        for offset in _OFFSETS:
            near = [f"{offset}:w={low}", f"{offset}:shape={shape}", f"{offset}:title={title}"]
            near += [f"{offset}:gaz={kind}" for kind in kinds]
            near += [f"{offset}:{feature}" for feature in char_class[:1]]
            around[offset] = self._keep(near)
        result = (self._keep(own), around)
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[word] = result
        return result

    def __call__(self, tokens: Sequence[Token], text: str) -> list[list[str]]:
        n = len(tokens)
        if n == 0:
            return []
        per_word = [self.word_features(t.text) for t in tokens]
        lowered = [t.text.lower() for t in tokens]
        breaks = [i == 0 or "\n" in text[tokens[i - 1].end : tokens[i].start] for i in range(n)]
        keep = self._keep
        shared = keep(["case=flat"] if text.isupper() or text.islower() else [])
        line_start, line_end, first_pad, last_pad = (
            keep(["linestart"]),
            keep(["lineend"]),
            keep(["-1:pad"]),
            keep(["1:pad"]),
        )
        feats: list[list[str]] = []
        for i in range(n):
            f = per_word[i][0] + shared
            if i > 0:
                f += per_word[i - 1][1][-1]
            else:
                f += first_pad
            if i + 1 < n:
                f += per_word[i + 1][1][1]
            else:
                f += last_pad
            if breaks[i]:
                f += line_start
            if i + 1 == n or breaks[i + 1]:
                f += line_end
            context = []
            if i >= 2:
                context.append(f"-2-1={lowered[i - 2]}|{lowered[i - 1]}")
            if i + 2 < n:
                context.append(f"+1+2={lowered[i + 1]}|{lowered[i + 2]}")
            context.extend(f"cue={entity}" for entity in _cue_hits(lowered, i))
            f += keep(context)
            feats.append(f)
        return feats


def sentence_features(
    tokens: Sequence[Token],
    text: str,
    gazetteer: Gazetteer | None = None,
    chars: CharNgramModel | None = None,
) -> list[list[str]]:
    """CRF features for each token (see FeatureExtractor), without a cache or model filter."""
    return FeatureExtractor(gazetteer, chars, cache_size=0)(tokens, text)


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


# Titles before a name and suffixes after it belong to the name ("Dr. Ada Ng", "Ng Jr.").
_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "madam",
        "mme",
        "mlle",
        "herr",
        "frau",
        "sr",
        "sra",
        "srta",
        "dott",
        "ing",
    ]
)
_NAME_SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv", "md", "phd", "dds", "esq"])


def _with_honorifics(
    tokens: Sequence[Token], lowered: Sequence[str], first: int, last: int
) -> tuple[int, int]:
    if first >= 1 and lowered[first - 1] in _HONORIFICS:
        first -= 1
    elif (
        first >= 2
        and lowered[first - 1] == "."
        and lowered[first - 2] in _HONORIFICS
        and tokens[first - 2].end == tokens[first - 1].start
    ):
        first -= 2
    if last < len(tokens) and lowered[last] in _NAME_SUFFIXES:
        last += 1
    if (
        last < len(tokens)
        and lowered[last] == "."
        and lowered[last - 1] in (_NAME_SUFFIXES | _HONORIFICS)
        and tokens[last - 1].end == tokens[last].start
    ):
        last += 1
    return first, last


NAME_SHAPE_SCORE = 0.55
NAME_SHAPE_MIN_PROB = 0.8
_SENTENCE_OPENERS = frozenset(
    [".", "!", "?", ":", ";", '"', "\u201c", "(", "-", "\u2013", "*", ">"]
)
# Capitalised words that are neither names nor places whatever their letters suggest.
_NOT_NAME_SHAPED = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "god",
        "thanks",
        "hello",
        "please",
        "dear",
        "the",
    ]
)


# Lower-case words that belong inside names ("Sanne de Vries", "Bank of America").
_NAME_PARTICLES = frozenset(
    [
        "de",
        "van",
        "von",
        "der",
        "den",
        "da",
        "di",
        "du",
        "la",
        "le",
        "del",
        "della",
        "dos",
        "das",
        "do",
        "ten",
        "ter",
        "bin",
        "al",
        "el",
        "y",
        "of",
        "and",
        "the",
        "for",
        "&",
        "'s",
    ]
)


def _cased_pieces(
    tokens: Sequence[Token], span: tuple[int, int, str]
) -> list[tuple[int, int, str]]:
    """In normally cased text, a name, place or organisation does not run through ordinary
    lower-case words: split the span there and keep the capitalised pieces. Addresses keep
    their lower-case words ("12 rue de la Paix")."""
    first, last, entity = span
    if entity == "STREET_ADDRESS":
        return [span]
    pieces: list[tuple[int, int, str]] = []
    start: int | None = None
    for k in range(first, last + 1):
        word = tokens[k].text if k < last else ""
        inside = k < last and (not word[:1].islower() or word.lower() in _NAME_PARTICLES)
        if inside and start is None:
            start = k
        elif not inside and start is not None:
            pieces.append((start, k, entity))
            start = None
    return [
        _trim(tokens, (a, b, e))
        for a, b, e in pieces
        if any(tokens[j].text[:1].isupper() for j in range(a, b))
        and _trim(tokens, (a, b, e))[0] < _trim(tokens, (a, b, e))[1]
    ]


@functools.lru_cache(maxsize=4)
def _model_resources(
    model_path: Path, stamp: int
) -> tuple[Gazetteer, CharNgramModel | None, frozenset[str]]:
    """The read-only data beside a model, loaded once per process (a second or more of JSON
    and a crfsuite dump; every runtime built in one process shares them). ``stamp`` is the
    model file's mtime, so a retrained model is loaded afresh."""
    import pycrfsuite

    tagger: Any = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    known = frozenset(tagger.info().attributes)
    tagger.close()
    return (
        load_gazetteer(gazetteer_path(model_path)),
        CharNgramModel.load(chars_path(model_path)),
        known,
    )


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
        stamp = self.model_path.stat().st_mtime_ns
        self.gazetteer, self.chars, known = _model_resources(self.model_path.resolve(), stamp)
        self.features = FeatureExtractor(self.gazetteer, self.chars, known)
        # A crfsuite Tagger holds per-sequence state between tag() and marginal().
        self._lock = threading.Lock()

    def tag(self, text: str) -> tuple[list[Token], list[str], list[float]]:
        """Tokens, their BIO labels and each label's marginal probability."""
        tokens = tokenize(text)
        if not tokens:
            return tokens, [], []
        feats = self.features(tokens, text)
        with self._lock:
            labels: list[str] = list(self._tagger.tag(feats))
            # Only entity labels are scored; most tokens are "O" and need no marginal.
            marginal = self._tagger.marginal
            probs = [0.0 if lab == "O" else float(marginal(lab, k)) for k, lab in enumerate(labels)]
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
            if entity == "PERSON":
                first, last = _with_honorifics(tokens, lowered, first, last)
            start, end = tokens[first].start, tokens[last - 1].end
            findings.append(Finding(entity, start, end, round(score, 4), self.name))
        for first, last, entity in self._name_shaped(text, tokens, labels):
            if entity in self.entities and self.min_score <= NAME_SHAPE_SCORE:
                start, end = tokens[first].start, tokens[last - 1].end
                findings.append(Finding(entity, start, end, NAME_SHAPE_SCORE, self.name))
        return findings

    def _name_shaped(
        self, text: str, tokens: Sequence[Token], labels: Sequence[str]
    ) -> list[tuple[int, int, str]]:
        """Capitalised words the tagger left alone that look like a name or a place.

        The tagger needs familiar context; a lone surname in an unfamiliar sentence ("a film
        starring Lafontaine") has none. Such a word, not at the start of a sentence and
        classed as a name or place by the character model or the word lists, is reported
        with a modest score: missing a name costs more than masking one word too many.
        """
        spans: list[tuple[int, int, str]] = []
        for i, token in enumerate(tokens):
            kind = self._shape_kind(text, tokens, i) if labels[i] == "O" else None
            if kind is None:
                continue
            if spans and spans[-1][1] == i and text[tokens[i - 1].end : token.start] == " ":
                spans[-1] = (spans[-1][0], i + 1, spans[-1][2])
            else:
                spans.append((i, i + 1, kind))
        return spans

    def _shape_kind(self, text: str, tokens: Sequence[Token], i: int) -> str | None:
        word = tokens[i].text
        if len(word) < 3 or not (word[0].isupper() and word[1:].islower()):
            return None
        if not word.replace("-", "").replace("'", "").isalpha():
            return None
        # At the start of a sentence capital letters say nothing: both signals must agree.
        opening = (
            i == 0
            or tokens[i - 1].text in _SENTENCE_OPENERS
            or "\n" in text[tokens[i - 1].end : tokens[i].start]
        )
        low = word.lower()
        gaz = self.gazetteer
        if low in _NOT_NAME_SHAPED or low in gaz.get("common", ()):
            return None
        listed_name = low in gaz.get("first", ()) or low in gaz.get("last", ())
        listed_place = low in gaz.get("city", ()) or low in gaz.get("country", ())
        if self.chars is None:
            return (
                None
                if opening
                else "PERSON"
                if listed_name
                else "LOCATION"
                if listed_place
                else None
            )
        probs = self.chars.probabilities(word)
        best = max(range(len(probs)), key=probs.__getitem__)
        kind, sure = self.chars.classes[best], probs[best] >= NAME_SHAPE_MIN_PROB
        if kind == "word" and probs[best] >= 0.5:
            return None
        if opening:
            return "PERSON" if listed_name and kind == "person" and sure else None
        if listed_name or (kind == "person" and sure):
            return "PERSON"
        return "LOCATION" if listed_place or (kind == "place" and sure) else None

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
        trimmed = [span for span in map(lambda m: _trim(tokens, m), merged) if span[0] < span[1]]
        if text.islower() or text.isupper():
            return trimmed
        return [piece for span in trimmed for piece in _cased_pieces(tokens, span)]
