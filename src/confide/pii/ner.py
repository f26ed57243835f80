"""Names and places: a small CRF tagger for PERSON, LOCATION, STREET_ADDRESS and
ORGANIZATION, with character-exact spans.

The model ships in ``confide/pii/models/ner.crfsuite`` and is rebuilt by
``scripts/train_pii_ner.py`` (python-crfsuite trains it); nothing is downloaded at run
time. At run time its weights, read out of crfsuite once, are summed per token by
``StateScoreEncoder`` and decoded by ``ChainDecoder``: in C where the optional extension
``confide.pii._crf`` is built (``pip install`` builds it when a C compiler is present), else with
numpy and hmmlearn's compiled routines. Both paths give the same labels; tests compare them.
Setting ``CONFIDE_PII_PURE_PYTHON=1`` chooses the second.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import logging
import math
import operator
import os
import re
import string
import threading
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from confide.pii.clusters import WordClusters, clusters_path, load_clusters
from confide.pii.findings import Finding
from confide.pii.names import with_cued_names, with_names_before_addresses
from confide.pii.recognizers import lowers_faithfully
from confide.pii.titles import with_legal_forms, with_legal_names, without_job_titles

if TYPE_CHECKING:
    from confide.pii.recognizers import DigitStats

__all__ = [
    "DEFAULT_MODEL_PATH",
    "DEFAULT_NAME_PRIOR",
    "ENTITIES",
    "MAX_NAME_PRIOR",
    "ChainDecoder",
    "CrfRecognizer",
    "StateScoreEncoder",
    "Token",
    "sentence_features",
    "spans_to_bio",
    "tokenize",
]

DEFAULT_MODEL_PATH = Path(__file__).parent / "models" / "ner.crfsuite"
# The version of confide.pii._crf this module was written for (_crf.h's CRF_VERSION).
CRF_VERSION = 8
_log = logging.getLogger(__name__)


@functools.cache
def _built_accelerator() -> Any:
    """The C extension, if it is built and is the version this module expects."""
    try:
        from confide.pii import _crf  # type: ignore[attr-defined]
    except ImportError:
        return None
    if getattr(_crf, "VERSION", None) != CRF_VERSION:
        # An editable install keeps the module it built until it is installed again.
        _log.warning("confide.pii._crf is out of date (reinstall Confide); running in Python")
        return None
    return _crf


def accelerator(accelerated: bool | None = None) -> Any:
    """``confide.pii._crf`` when the tagger should use it, else None. ``accelerated`` None
    follows the environment (``CONFIDE_PII_PURE_PYTHON=1`` turns the C path off); True asks
    for the C path and is an error when it is not built."""
    if accelerated is False:
        return None
    if accelerated is None and os.environ.get("CONFIDE_PII_PURE_PYTHON", "") not in ("", "0"):
        return None
    module = _built_accelerator()
    if module is None and accelerated:
        raise RuntimeError("the C tagger (confide.pii._crf) is not built")
    return module


ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "STREET_ADDRESS", "ORGANIZATION")
# The name prior (log-odds added to the score of a name starting at a word): 1.75 is the best
# mean F2 of 1 to 2.5 on the sets the model did not train on (probe, support, generated_large's
# held-out templates and WNUT-17 train in five-fold cross-validation), WNUT-17 dev and the fresh
# held-out set left out of the choice (benchmarks/RESULTS.md, "the name prior", "WNUT-17
# train in five folds" and "ranks and nicknames"; 2 until the ninth session's folds).
DEFAULT_NAME_PRIOR = 1.75
# The largest prior a deployment may set: e**8 is about 3,000 to 1.
MAX_NAME_PRIOR = 8.0

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


class Token(NamedTuple):
    text: str
    start: int
    end: int


_new_tuple = tuple.__new__


_start = operator.attrgetter("start")  # of a token or a finding


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens that keep their character offsets."""
    # Every character that is not white space belongs to a token, so only white space lies
    # between two tokens and each token's first occurrence after the one before is where
    # it starts: cheaper than a match object per token. A tuple built directly: a frozen
    # dataclass's __init__ costs a microsecond per token.
    tokens: list[Token] = []
    end = 0
    find, append = text.find, tokens.append
    for word in _TOKEN_RE.findall(text):
        start = find(word, end)
        end = start + len(word)
        append(_new_tuple(Token, (word, start, end)))
    return tokens


_UPPER_RE = re.compile(r"[A-Z]")
_LOWER_RE = re.compile(r"[a-z]")
_DIGIT_RE = re.compile(r"\d")
_OTHER_LETTER_RE = re.compile(r"[^Xxd\W]")
_REPEAT_RE = re.compile(r"(.)\1{2,}")


def _two(match: re.Match[str]) -> str:
    # The same as the template "\1\1", which re would parse again on every call.
    return match.group()[:2]


_ASCII_SHAPE = str.maketrans(
    string.ascii_uppercase + string.ascii_lowercase + string.digits + "_",
    "X" * 26 + "x" * 26 + "d" * 10 + "u",
)


def _shape(word: str) -> str:
    if word.isascii():
        return _REPEAT_RE.sub(_two, word.translate(_ASCII_SHAPE))
    shape = _DIGIT_RE.sub("d", _LOWER_RE.sub("x", _UPPER_RE.sub("X", word)))
    shape = _OTHER_LETTER_RE.sub("u", shape)  # accented and non-Latin letters
    return _REPEAT_RE.sub(_two, shape)


# Each cue by its last word, with the words before that as a list (compared with a slice).
_CUES_BY_LAST_WORD: dict[str, list[tuple[str, list[str]]]] = {}
for _entity, _cues in _CUES.items():
    for _cue in _cues:
        _CUES_BY_LAST_WORD.setdefault(_cue[-1], []).append((_entity, list(_cue[:-1])))


def _cue_hits(lowered: list[str], i: int) -> list[str]:
    """Entity types whose context cue ends right before token ``i``."""
    cues = _CUES_BY_LAST_WORD.get(lowered[i - 1]) if i else None
    if cues is None:
        return []
    hits: list[str] = []
    for entity, before in cues:
        n = len(before)
        if entity not in hits and i > n and lowered[i - 1 - n : i - 1] == before:
            hits.append(entity)
    return hits


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
        self._slices_by_size: dict[int, list[slice]] = {}
        # The two feature names per class and confidence bin, built once.
        self._names = [
            [[f"cn={name}", f"cn={name}:{level}"] for level in range(5)] for name in self.classes
        ]

    @classmethod
    def load(cls, path: Path) -> CharNgramModel | None:
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        low, high = raw["ngram_range"]
        return cls(raw["classes"], raw["bias"], raw["weights"], (int(low), int(high)))

    def ngrams(self, word: str) -> list[str]:
        padded = f" {word.lower()} "
        return list(map(padded.__getitem__, self._slices(len(padded))))

    def _slices(self, size: int) -> list[slice]:
        """Where the n-grams of a padded word of ``size`` characters lie, shortest first."""
        slices = self._slices_by_size.get(size)
        if slices is None:
            low, high = self.ngram_range
            slices = [slice(i, i + n) for n in range(low, high + 1) for i in range(size - n + 1)]
            self._slices_by_size[size] = slices
        return slices

    def probabilities(
        self, word: str, compute: Callable[[str], list[float]] | None = None
    ) -> list[float]:
        """The class probabilities of ``word``, cached; ``compute`` computes them instead of
        the Python code below (the C encoder's, equal to the bit)."""
        cached = self._cache.get(word)
        if cached is None:
            if len(self._cache) >= _WORD_CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[word] = (compute or self._probabilities)(word)
        return cached

    def _probabilities(self, word: str) -> list[float]:
        rows = [w for w in map(self.weights.get, self.ngrams(word)) if w is not None]
        # Added in n-gram order as a plain loop would (sum() compensates on Python 3.12+,
        # which would change the model's inputs from those it was trained on).
        if not rows:
            scores = list(self.bias)
        elif len(self.bias) == 3:  # the shipped model (person, place, word), unrolled
            s0, s1, s2 = self.bias
            for w0, w1, w2 in rows:
                s0 += w0
                s1 += w1
                s2 += w2
            scores = [s0, s1, s2]
        else:
            scores = [
                functools.reduce(operator.add, column, b)
                for b, column in zip(self.bias, zip(*rows, strict=True), strict=True)
            ]
        top = max(scores)
        exps = [math.exp(x - top) for x in scores]
        total = 0.0
        for e in exps:  # a plain loop again: the C encoder's sum, on every Python version
            total += e
        return [e / total for e in exps]

    def features(self, word: str) -> list[str]:
        """``cn=<class>`` and ``cn=<class>:<confidence bin>`` for the likeliest class."""
        if len(word) < 2 or not any(c.isalpha() for c in word):
            return []
        probs = self.probabilities(word)
        best = max(range(len(probs)), key=probs.__getitem__)
        return list(self._names[best][int(probs[best] * 4)])


def chars_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".chars.json")


def gazetteer_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".gazetteer.json")


def ordinary_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".ordinary.txt")


@functools.cache
def _ordinary_words(path: Path) -> frozenset[str]:
    """Ordinary English words (scripts/build_ordinary_words.py): the list beside the model,
    else the packaged one (it depends on English, not on training); none without either.
    Read once per path: models that fall back to the packaged list share one set."""
    packaged = ordinary_path(DEFAULT_MODEL_PATH)
    if not path.is_file() and path != packaged:
        return _ordinary_words(packaged)
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def load_gazetteer(path: Path) -> Gazetteer:
    """Word lists (given names, surnames, cities, countries) the model was trained with."""
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {kind: frozenset(raw.get(kind, ())) for kind in GAZETTEER_KINDS}


_OFFSETS = (-1, 1)
_PREFIXES = tuple((offset, f"{offset}:") for offset in _OFFSETS)
# Feature names that take few values, built once.
_TITLE = {False: "title=False", True: "title=True"}
_UPPER_CASE = {False: "upper=False", True: "upper=True"}
_DIGIT = {False: "digit=False", True: "digit=True"}
_HAS_DIGIT = {False: "hasdigit=False", True: "hasdigit=True"}
_LEN = [f"len={n}" for n in range(9)]
_GAZ = {kind: f"gaz={kind}" for kind in GAZETTEER_KINDS}
# The features whose value is a string of the word, in StateScoreEncoder._word_parts's order.
_VALUE_FAMILIES = ("w", "shape", "p2", "p3", "s2", "s3", "s4")
WordFeatures = tuple[list[str], dict[int, list[str]]]


class FeatureExtractor:
    """CRF features for each token: the word, its shape and affixes, word lists, character
    n-gram class, the neighbours' words, the two words either side as pairs, line position
    and context cues.

    What depends on one word alone is computed once per distinct word and cached. Given
    ``known`` (the attributes a trained model has weights for), features the model never saw
    are dropped. Training feeds these names to crfsuite; at run time StateScoreEncoder sums
    the same features' weights without building the names.
    """

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        chars: CharNgramModel | None = None,
        known: frozenset[str] | None = None,
        cache_size: int = _WORD_CACHE_SIZE,
        clusters: WordClusters | None = None,
    ) -> None:
        self.gazetteer = gazetteer or {}
        self.chars = chars
        self.clusters = clusters
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
        own, around = self.all_word_features(word)
        result = (self._keep(own), {offset: self._keep(near) for offset, near in around.items()})
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[word] = result
        return result

    def all_word_features(self, word: str) -> WordFeatures:
        """What ``word_features`` returns before the model filter, and uncached."""
        low = word.lower()
        shape = _shape(word)
        kinds = [kind for kind, members in self.gazetteer.items() if low in members]
        char_class = self.chars.features(word) if self.chars is not None else []
        # Word classes (see confide.pii.clusters): one dict lookup per distinct word.
        classes = self.clusters.features(word) if self.clusters is not None else ()
        upper_first = word[:1].isupper()
        w, shape_name = f"w={low}", f"shape={shape}"
        own = [
            "bias",
            w,
            shape_name,
            f"p2={low[:2]}",
            f"p3={low[:3]}",
            f"s2={low[-2:]}",
            f"s3={low[-3:]}",
            f"s4={low[-4:]}",
            _TITLE[upper_first],
            _UPPER_CASE[word.isupper()],
            _DIGIT[word.isdigit()],
            _HAS_DIGIT[any(c.isdigit() for c in word)],
            _LEN[min(len(word), 8)],
            *(gaz := [_GAZ[kind] for kind in kinds]),
            *char_class,
            *classes,
        ]
        # What either neighbour sees of this word, by the same names with the offset before.
        seen = [
            w,
            shape_name,
            _TITLE[upper_first and word[1:].islower()],
            *gaz,
            *char_class[:1],
            *classes,
        ]
        around = {offset: [prefix + name for name in seen] for offset, prefix in _PREFIXES}
        return own, around

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


Vector = tuple[float, ...]


class StateScoreEncoder:
    """Each token's state scores (one per label) from FeatureExtractor's features, without
    building a feature name per token.

    A token's state score for a label is the sum of its features' weights for that label.
    ``weights`` maps every attribute of the model to its weight for each label minus its
    weight for the first label: adding a constant to all labels at one position changes
    neither the Viterbi path nor the marginals, so these differences are all the tagger
    needs. The features are FeatureExtractor's exactly; each word's sums (its own features,
    and what it adds to either neighbour) are computed once, kept in one array, and a
    text's scores are summed with a few array operations.
    """

    def __init__(
        self,
        features: FeatureExtractor,
        weights: dict[str, Vector],
        cache_size: int = _WORD_CACHE_SIZE,
        accelerated: bool | None = None,
    ) -> None:
        import numpy as np

        self._np = np
        self.features = features
        self.weights = weights
        self.cache_size = cache_size
        self._rows: dict[str, int] = {}
        k = len(next(iter(weights.values()))) if weights else 0
        # Row r: word r's own features, its "-1:" features (seen by the next token) and its
        # "1:" features (seen by the previous one).
        self._k = k
        self._words = np.zeros((1024, 3 * k))
        # Every attribute's weights in the block of a word row where it belongs (own,
        # "-1:" or "1:"); attributes that are not about one word (pairs, cues, line flags)
        # use block 0.
        self._index = {name: r for r, name in enumerate(weights)}
        self._table = np.zeros((len(weights) + 1, 3 * k))  # last row: nothing
        for r, (name, vector) in enumerate(weights.items()):
            block = 1 if name.startswith("-1:") else 2 if name.startswith("1:") else 0
            self._table[r, block * k : (block + 1) * k] = vector
        self._state = self._table[:, :k]
        self._none = len(weights)
        # "-2-1=a|b" (the two words before a token) and "+1+2=a|b" (the two after), by word
        # pair, so a text's pairs are found without building a string for each.
        self._before: dict[tuple[str, str], int] = {}
        self._after: dict[tuple[str, str], int] = {}
        for name, r in self._index.items():
            for prefix, pairs in (("-2-1=", self._before), ("+1+2=", self._after)):
                if name.startswith(prefix):
                    pairs[_split_pair(name[len(prefix) :])] = r
        self._cues = {e: self._index.get(f"cue={e}", self._none) for e in _CUES}
        self._line_start = self._index.get("linestart", self._none)
        self._line_end = self._index.get("lineend", self._none)
        self._flat = self._state[self._index.get("case=flat", self._none)]
        # The first token has no left neighbour and the last no right one ("-1:pad", "1:pad");
        # each also starts or ends a line.
        self._first = self._sum(["-1:pad", "linestart"])
        self._last = self._sum(["1:pad", "lineend"])
        self._build_word_parts()
        module = accelerator(accelerated)
        self._c = self._c_encoder(module) if module is not None and k else None

    def _sum(self, names: Sequence[str]) -> Any:
        vectors = [v for name in names if (v := self.weights.get(name)) is not None]
        return self._np.array(vectors).sum(0) if vectors else self._np.zeros(self._k)

    def _build_word_parts(self) -> None:
        """The pieces a new word's row is summed from, so that it takes a dozen lookups by
        plain value instead of building and looking up ~40 feature names.

        For the families whose value is a string of the word (``w=``, ``shape=``, affixes)
        one row per value the model knows, holding the value's weights in all three blocks
        (``w=maria`` in block 0, ``-1:w=maria`` in block 1, ``1:w=maria`` in block 2); a
        value the model never saw has no weights and no row. The families that take few
        values (case and length flags with the bias, word-list kinds, character-model class,
        cluster) get a row per combination, built from the feature names on first use.
        """
        np, k = self._np, self._k
        families: dict[str, dict[str, Any]] = {f: {} for f in _VALUE_FAMILIES}
        for name, r in self._index.items():
            bare = name.removeprefix("-1:") if name.startswith("-1:") else name.removeprefix("1:")
            family, sep, value = bare.partition("=")
            rows = families.get(family)
            if sep and rows is not None:
                rows[value] = rows.get(value, 0) + self._table[r]
        vectors = [v for rows in families.values() for v in rows.values()]
        # Room for the combinations after the values; doubled when it runs out.
        self._parts = np.zeros((len(vectors) + 1024, 3 * k))
        if vectors:
            self._parts[: len(vectors)] = vectors
        self._parts_used = len(vectors)
        position = iter(range(len(vectors)))
        self._families = [{value: next(position) for value in families[f]} for f in _VALUE_FAMILIES]
        self._combos: dict[tuple[object, ...], int] = {}

    def _combo(self, key: tuple[object, ...], own: Sequence[str], seen: Sequence[str]) -> int:
        """The parts row of features ``own`` plus what either neighbour ``seen``s of them."""
        row = self._combos.get(key)
        if row is None:
            names = [*own, *(prefix + name for _, prefix in _PREFIXES for name in seen)]
            found = [r for r in map(self._index.get, names) if r is not None]
            row = self._combos[key] = self._parts_used
            if row == len(self._parts):
                self._parts = self._np.concatenate([self._parts, self._np.zeros_like(self._parts)])
            if found:
                self._parts[row] = self._table.take(found, axis=0).sum(0)
            self._parts_used += 1
        return row

    def _row(self, word: str) -> int:
        row = self._rows.get(word)
        if row is not None:
            return row
        row = len(self._rows)
        if row == len(self._words):
            self._words = self._np.concatenate([self._words, self._np.zeros_like(self._words)])
        self._words[row] = self._parts.take(self._word_parts(word), axis=0).sum(0)
        self._rows[word] = row
        return row

    def _word_parts(self, word: str) -> list[int]:
        """Rows of ``_parts`` that sum to the weights of FeatureExtractor.all_word_features
        (the same features, grouped; tests compare the two)."""
        low = word.lower()
        upper_first = word[:1].isupper()
        title_word = upper_first and word[1:].islower()
        upper, digit = word.isupper(), word.isdigit()
        has_digit = digit or any(c.isdigit() for c in word)
        length = min(len(word), 8)
        flags = (upper_first, title_word, upper, digit, has_digit, length)
        combos = self._combos
        r = combos.get(flags)
        parts = [self._flags_row(flags) if r is None else r]
        values = (low, _shape(word), low[:2], low[:3], low[-2:], low[-3:], low[-4:])
        for rows, value in zip(self._families, values, strict=True):
            r = rows.get(value)
            if r is not None:
                parts.append(r)
        extractor = self.features
        kinds = tuple(kind for kind, members in extractor.gazetteer.items() if low in members)
        if kinds:
            r = combos.get(kinds)
            parts.append(self._gazetteer_row(kinds) if r is None else r)
        if extractor.chars is not None:
            char_class = tuple(extractor.chars.features(word))
            if char_class:
                r = combos.get(char_class)
                if r is None:
                    r = self._combo(char_class, char_class, char_class[:1])
                parts.append(r)
        if extractor.clusters is not None:
            classes = extractor.clusters.features(word)
            if classes:
                r = combos.get(classes)
                parts.append(self._combo(classes, classes, classes) if r is None else r)
        return parts

    def _flags_row(self, flags: tuple[bool, bool, bool, bool, bool, int]) -> int:
        """The parts row of the bias with a word's case, digit and length flags."""
        upper_first, title_word, upper, digit, has_digit, length = flags
        own = ["bias", _TITLE[upper_first], _UPPER_CASE[upper], _DIGIT[digit]]
        own += (_HAS_DIGIT[has_digit], _LEN[length])
        return self._combo(flags, own, [_TITLE[title_word]])

    def _gazetteer_row(self, kinds: tuple[str, ...]) -> int:
        gaz = [_GAZ[kind] for kind in kinds]
        return self._combo(kinds, gaz, gaz)

    def _c_encoder(self, module: Any) -> Any:
        """The C encoder, given every parts row a word can need (built here, once: about
        1,500 combinations) and the tables ``_word_parts`` and ``__call__`` read."""
        np = self._np
        bools = (False, True)
        flag_rows = [
            self._flags_row(flags)
            for flags in itertools.product(bools, bools, bools, bools, bools, range(9))
        ]
        extractor = self.features
        kinds = list(extractor.gazetteer)
        gazetteer_rows = [-1] + [
            self._gazetteer_row(tuple(kind for g, kind in enumerate(kinds) if mask >> g & 1))
            for mask in range(1, 1 << len(kinds))
        ]
        chars, char_rows = extractor.chars, []
        if chars is not None:
            char_rows = [
                self._combo(names, names, names[:1])
                for levels in chars._names
                for names in map(tuple, levels)
            ]
        clusters, cluster_rows = extractor.clusters, None
        if clusters is not None:
            cluster_rows = [self._combo(names, names, names) for names in clusters._names]
        # The state rows a text's scores may need beyond its words' rows, numbered afresh.
        used: dict[int, int] = {}
        for row in (
            self._line_start,
            self._line_end,
            *self._before.values(),
            *self._after.values(),
            *self._cues.values(),
        ):
            used.setdefault(row, len(used))
        entities = list(_CUES)
        cues = {
            last: tuple(
                (
                    entities.index(entity),
                    -1 if self._cues[entity] == self._none else used[self._cues[entity]],
                    tuple(before),
                )
                for entity, before in found
            )
            for last, found in _CUES_BY_LAST_WORD.items()
        }
        pairs: tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]] = ({}, {})
        for nested, flat in zip(pairs, (self._before, self._after), strict=True):
            for (a, b), row in flat.items():
                nested.setdefault(a, {})[b] = used[row]
        return module.Encoder(
            self._k,
            np.ascontiguousarray(self._parts[: self._parts_used]),
            tuple(self._families),
            flag_rows,
            _lexicon(extractor.gazetteer, clusters),
            gazetteer_rows,
            chars.weights if chars is not None else None,
            chars.bias if chars is not None else (),
            chars.ngram_range if chars is not None else (1, 1),
            char_rows,
            cluster_rows,
            _shape,
            np.ascontiguousarray(self._state[list(used)]),
            np.ascontiguousarray(self._first),
            np.ascontiguousarray(self._last),
            np.ascontiguousarray(self._flat),
            -1 if self._line_start == self._none else used[self._line_start],
            -1 if self._line_end == self._none else used[self._line_end],
            *pairs,
            cues,
            self.cache_size,
        )

    def _row_from_names(self, word: str) -> Any:
        """A word's row summed from its feature names one by one (what ``_row`` must equal)."""
        own, around = self.features.all_word_features(word)
        get = self._index.get
        found = [r for r in map(get, own + around[-1] + around[1]) if r is not None]
        return self._table.take(found, axis=0).sum(0)

    def clear(self) -> None:
        """Forget the cached words."""
        self._rows.clear()
        if self._c is not None:
            self._c.clear()

    def __call__(self, tokens: Sequence[Token], text: str) -> Any:
        """A (tokens x labels) array of state scores: the same features as
        ``FeatureExtractor.__call__`` assembles, summed."""
        return self.encode(tokens, text)[0]

    def encode(self, tokens: Sequence[Token], text: str) -> tuple[Any, list[str]]:
        """The state scores and the tokens lower-cased (which the scores need, and the
        rules after the tagger too)."""
        n = len(tokens)
        if n == 0:
            return self._np.zeros((0, self._k)), []
        if self._c is not None:
            scores = self._np.empty((n, self._k))
            flat = text.isupper() or text.islower()
            tokens = tokens if type(tokens) is list else list(tokens)
            return scores, self._c.encode(tokens, text, flat, scores)
        if len(self._rows) + n > self.cache_size:
            self.clear()  # before, not while, the rows of this text are taken
        known, row = self._rows.get, self._row
        words = [t[0] for t in tokens]
        ids = [r if (r := known(w)) is not None else row(w) for w in words]
        k = self._k
        parts = self._words.take(ids, axis=0)
        scores = parts[:, :k]
        scores[1:] += parts[:-1, k : 2 * k]
        scores[:-1] += parts[1:, 2 * k :]
        scores[0] += self._first
        scores[-1] += self._last
        if text.isupper() or text.islower():
            scores += self._flat
        at: list[int] = []
        add: list[int] = []
        if "\n" in text:
            for i in range(1, n):
                if "\n" in text[tokens[i - 1].end : tokens[i].start]:
                    at += (i, i - 1)
                    add += (self._line_start, self._line_end)
        lowered = [w.lower() for w in words]
        pairs = list(itertools.pairwise(lowered))
        # Pair k (words k and k+1) is seen by token k + 2 and by token k - 1.
        for k, r in enumerate(map(self._before.get, pairs[: n - 2])):
            if r is not None:
                at.append(k + 2)
                add.append(r)
        for k, r in enumerate(map(self._after.get, pairs[1:]), 1):
            if r is not None:
                at.append(k - 1)
                add.append(r)
        cue_words = _CUES_BY_LAST_WORD
        for k in [k for k, word in enumerate(lowered, 1) if word in cue_words]:
            if k < n:
                for entity in _cue_hits(lowered, k):
                    at.append(k)
                    add.append(self._cues[entity])
        if at:
            self._np.add.at(scores, at, self._state[add])
        return scores, lowered


# Lexicons built, with the tables they were built from (kept, so that their ids stay theirs):
# every recognizer of a process shares its model's gazetteer and clusters.
_LEXICONS: dict[tuple[int, int], tuple[Gazetteer, WordClusters | None, dict[str, int]]] = {}


def _lexicon(gazetteer: Gazetteer, clusters: WordClusters | None) -> dict[str, int]:
    """Each lower-cased word in a word list or a cluster: the lists that hold it, as a bit
    mask in the gazetteer's order, | (its finest cluster + 1) << 16. The C encoder looks a
    new word up once here instead of once in every list and in the clusters."""
    key = (id(gazetteer), id(clusters))
    built = _LEXICONS.get(key)
    if built is None:
        if len(_LEXICONS) >= 4:
            _LEXICONS.clear()
        built = _LEXICONS[key] = (gazetteer, clusters, _built_lexicon(gazetteer, clusters))
    return built[2]


def _built_lexicon(gazetteer: Gazetteer, clusters: WordClusters | None) -> dict[str, int]:
    if len(gazetteer) > 16:
        raise ValueError("the C encoder takes at most 16 word lists")
    entries: dict[str, int] = {}
    if clusters is not None:
        entries = {word: (fine + 1) << 16 for word, fine in clusters.words.items()}
    get = entries.get
    for g, words in enumerate(gazetteer.values()):
        bit = 1 << g
        for word in words:
            entries[word] = get(word, 0) | bit
    return entries


class ChainDecoder:
    """The likeliest label sequence of a linear-chain CRF and each chosen label's marginal
    probability, from state scores and the model's transition weights, with hmmlearn's
    compiled lattice routines (Viterbi; scaled forward-backward).

    A CRF's path score is the sum of state and transition scores, as an HMM's log
    probability is, so the HMM routines decode it exactly: they take the exponentials as
    unnormalised "probabilities" (crfsuite's first-order CRF has no start weights).
    """

    def __init__(
        self,
        labels: Sequence[str],
        transitions: Any,
        priors: Mapping[str, float] | None = None,
        accelerated: bool | None = None,
    ) -> None:
        """``priors`` maps a label to a log-odds shift added to its state score at every
        token (a label the model does not have is an error); ``accelerated`` as for
        ``accelerator``."""
        import numpy as np
        from hmmlearn import _hmmc

        self._np, self._hmmc = np, _hmmc
        self.labels = tuple(labels)
        self._outside = self.labels.index("O") if "O" in self.labels else -1
        self._start = np.ones(len(self.labels))
        self._weights = np.ascontiguousarray(transitions, dtype=float)
        self._transitions = np.exp(self._weights)
        module = accelerator(accelerated)
        self._decode = module.decode if module is not None else None
        self._prior: Any = None
        shifts = {label: float(v) for label, v in (priors or {}).items() if v}
        if shifts:
            unknown = sorted(set(shifts) - set(self.labels))
            if unknown:
                raise ValueError(f"no such label in the model: {', '.join(unknown)}")
            self._prior = np.array([shifts.get(label, 0.0) for label in self.labels])

    @property
    def c_arguments(self) -> tuple[Any, Any, int, tuple[str, ...]] | None:
        """What the C tagger's ``tag`` decodes with (transitions, prior, outside label,
        labels), or None when this decoder runs in Python."""
        if self._decode is None:
            return None
        return self._weights, self._prior, self._outside, self.labels

    def __call__(self, scores: Any) -> tuple[list[str], list[float]]:
        """Labels and each label's marginal (0.0 for "O", which nothing reads)."""
        np, hmmc = self._np, self._hmmc
        n = len(scores)
        if n == 0:
            return [], []
        if self._decode is not None:
            path, probs = self._decode(
                np.ascontiguousarray(scores, dtype=float), self._weights, self._prior, self._outside
            )
            return list(map(self.labels.__getitem__, path)), probs
        scores = np.ascontiguousarray(scores if self._prior is None else scores + self._prior)
        _, path = hmmc.viterbi(self._start, self._transitions, scores)
        ids = path.tolist()
        labels = list(map(self.labels.__getitem__, ids))
        outside = self._outside
        if ids.count(outside) == n:
            return labels, [0.0] * n  # the marginals are read only for entity labels
        # Scaled forward-backward over exp(scores), each row shifted by its maximum (which
        # changes no marginal) so that nothing overflows.
        frame = np.exp(scores - scores.max(1, keepdims=True))
        _, forward, scale = hmmc.forward_scaling(self._start, self._transitions, frame)
        backward = hmmc.backward_scaling(self._start, self._transitions, frame, scale)
        posterior = forward * backward
        chosen = (posterior[np.arange(n), path] / posterior.sum(1)).tolist()
        probs = [0.0 if y == outside else p for y, p in zip(ids, chosen, strict=True)]
        return labels, probs


def _split_pair(value: str) -> tuple[str, str]:
    """The two words of a pair feature's value "a|b" (either word may itself be "|")."""
    if value.startswith("||"):
        return "|", value[2:]
    first, _, second = value.partition("|")
    return first, second


def crf_weights(tagger: Any) -> tuple[list[str], dict[str, Vector], list[list[float]]]:
    """The labels of an open crfsuite model, every attribute's state weights (per label,
    minus the first label's) and the transition weights (up to one constant).

    The weights come from crfsuite itself, not its text dump (which rounds them to six
    decimals): for a one-token sequence holding only attribute ``a`` the marginal of label
    ``y`` is ``exp(w_a[y]) / Z``, so ``log P(y) - log P(first label)`` is
    ``w_a[y] - w_a[first]``; for a two-token sequence without attributes the probability of
    labels ``(a, b)`` is ``exp(t[a, b]) / Z``.
    """
    labels = list(tagger.labels())
    marginal = tagger.marginal
    weights: dict[str, Vector] = {}
    for name in tagger.info().attributes:
        tagger.set([[name]])
        base = math.log(marginal(labels[0], 0))
        weights[name] = (0.0, *(math.log(marginal(label, 0)) - base for label in labels[1:]))
    tagger.set([[], []])
    probability = tagger.probability
    # A transition the model all but rules out may underflow to 0: -690 is as good as -inf.
    transitions = [[math.log(max(probability([a, b]), 1e-300)) for b in labels] for a in labels]
    return labels, weights, transitions


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
    begin, entity, last = -1, "", -1
    # Most labels are "O"; only the others can open, continue or close a span.
    for k in [k for k, label in enumerate(labels) if label != "O"]:
        label = labels[k]
        if k == last + 1 and begin >= 0 and label[2:] == entity and label[0] == "I":
            last = k
            continue
        if begin >= 0:
            spans.append((begin, last + 1, entity))
        begin, entity, last = k, label[2:], k
    if begin >= 0:
        spans.append((begin, last + 1, entity))
    return spans


def _trim(tokens: Sequence[Token], span: tuple[int, int, str]) -> tuple[int, int, str]:
    """Drop punctuation the model tagged at the edges of a span ("> 12 Main St")."""
    first, last, entity = span
    while first < last and not tokens[first].text[0].isalnum():
        first += 1
    while last > first and not tokens[last - 1].text[-1].isalnum() and tokens[last - 1].text != ".":
        last -= 1
    return first, last, entity


# Suffixes after a name belong to it ("Ng Jr."); a title before it does not ("Dr." of "Dr. Ada
# Ng" is not reported): presidio-evaluator's generator labels it a TITLE of its own, apart
# from the name, and what a title says (a gender, a degree) identifies no one.
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
_LONE_TITLE = _HONORIFICS | {"."}
# Abbreviations whose full stop a name that ends with one takes in.
_ABBREVIATED = _NAME_SUFFIXES | _HONORIFICS


def _with_name_suffixes(
    tokens: Sequence[Token], lowered: Sequence[str], first: int, last: int
) -> tuple[int, int]:
    if last < len(tokens) and lowered[last] in _NAME_SUFFIXES:
        last += 1
    if (
        last < len(tokens)
        and lowered[last] == "."
        and lowered[last - 1] in _ABBREVIATED
        and tokens[last - 1].end == tokens[last].start
    ):
        last += 1
    return first, last


NAME_SHAPE_SCORE = 0.55
NAME_SHAPE_MIN_PROB = 0.6  # chosen as the name prior was: benchmarks/RESULTS.md
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
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "attn",
        "god",
        "thanks",
        "hello",
        "please",
        "dear",
        "the",
    ]
)
_NOT_NAME_SHAPED |= _HONORIFICS  # "Mrs." alone is no name


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


def _name_pieces(
    text: str, tokens: Sequence[Token], span: tuple[int, int, str]
) -> list[tuple[int, int, str]]:
    """A person's name runs over neither a line break ("\\n" or "\\r": a signature's name,
    then its job title) nor a comma (a list of surnames: "Park, Davis and Willis"): split a
    PERSON span there. A name written "Surname, Given" becomes two findings, both found."""
    first, last, entity = span
    if entity != "PERSON" or last - first < 2:
        return [span]
    pieces: list[tuple[int, int, str]] = []
    start = first
    for k in range(first + 1, last + 1):
        gap = text[tokens[k - 1][2] : tokens[k][1]] if k < last else ""
        if k < last and tokens[k][0] != "," and "\n" not in gap and "\r" not in gap:
            continue
        if start < k:
            pieces.append((start, k, entity))
        start = k + 1 if k < last and tokens[k][0] == "," else k
    return pieces


class _LowerCaseSurnames:
    """Words a name written in lower case may end with: in the name lists (less ordinary
    words) and, to the character model, no ordinary word ("gonzalez", not "grant" or
    "young", which the lists also hold)."""

    def __init__(self, names: frozenset[str], chars: CharNgramModel | None) -> None:
        self.names, self.chars = names, chars

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or word not in self.names:
            return False
        if self.chars is None:
            return True
        probs = dict(zip(self.chars.classes, self.chars.probabilities(word), strict=True))
        return probs.get("word", 0.0) < NOT_A_WORD


NOT_A_WORD = 0.3  # the character model's "word" probability under which a listed name is one


def _cased_pieces(
    tokens: Sequence[Token],
    span: tuple[int, int, str],
    surnames: Container[str] = (),
    plain: Container[str] | None = None,
) -> list[tuple[int, int, str]]:
    """In normally cased text, a name, place or organisation does not run through ordinary
    lower-case words: split the span there and keep the capitalised pieces. Addresses keep
    their lower-case words ("12 rue de la Paix"); a person's name keeps a lower-case word in
    ``surnames`` right after one of its capitalised words ("Maria gonzalez": cut to "Maria",
    the redacted text would still name her). A name written all in lower case stays whole
    where every word is in ``surnames`` ("I met sarah in Leeds") or, given ``plain`` (the
    words no name is made of alone: ordinary words), where one of its words is not plain
    ("with justin bieber", "to guy kephart"; not "I rang the wrong bell")."""
    first, last, entity = span
    if entity == "STREET_ADDRESS":
        return [span]
    words = [token[0] for token in tokens[first:last]]
    if not any(w[:1].islower() for w in words):  # the usual case: no lower-case word
        return [span] if any(w[:1].isupper() for w in words) else []
    if entity == "PERSON" and all(w[:1].islower() for w in words):
        lowered = [w.lower() for w in words]
        if all(w in surnames for w in lowered) or (
            plain is not None and any(w not in plain for w in lowered)
        ):
            return [span]  # all in lower case: "Ask maria gonzalez.", "with justin bieber"
    inside = [not w[:1].islower() or w.lower() in _NAME_PARTICLES for w in words]
    if entity == "PERSON" and surnames:
        # A name written half in lower case ("Maria gonzalez") keeps its lower-case surname
        # when that is a name, right after a capitalised word of the span.
        cased = [w[:1].isupper() for w in words]
        inside = [
            within or (k > 0 and cased[k - 1] and w.lower() in surnames)
            for k, (w, within) in enumerate(zip(words, inside, strict=True))
        ]
    if all(inside):  # the usual case: one piece, the span itself (already trimmed)
        return [span] if any(w[:1].isupper() for w in words) else []
    pieces: list[tuple[int, int, str]] = []
    start: int | None = None
    for k, within in enumerate([*inside, False], first):
        if within and start is None:
            start = k
        elif not within and start is not None:
            if any(tokens[j][0][:1].isupper() for j in range(start, k)):
                piece = _trim(tokens, (start, k, entity))
                if piece[0] < piece[1]:
                    pieces.append(piece)
            start = None
    return pieces


# Street addresses in the shapes most countries write them, found even where the tagger has
# no context to go on ("Koenigstrasse 51 street in Weimar"): a house number before capitalised
# words and a street type ("1121 New Creek Road"), a street name ending in a street word before
# its number ("Pachergasse 64", "Kaupangsstræti 98") and a street word before the name ("14 Rue
# Aghlab", "Via Roma 12"). They fill gaps: a span the tagger found that overlaps one is kept.
_UPPER = "[A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f]"  # Latin capitals (Latin-1, Extended-A)
_CAP = rf"(?-i:{_UPPER})[\w'.\-]*"
# Only street types that rarely end a product or a phrase ("2 Nike Court shoes", "1 Free Way",
# "24 Hour Close" would be addresses with Court, Way or Close), and street-name endings that
# rarely end a name or an ordinary word ("-tie" ends "Katie", "-gade" ends "Brigade").
_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|lane|ln|drive|boulevard|blvd|highway|hwy|parkway|pkwy|crescent"
)
_STREET_SUFFIXES = (
    "straße|strasse|gasse|weg|platz|allee|damm|vej|veien|vegen|gata|gatan|vägen|katu|"
    "straat|laan|gracht|stræti|utca"
)
_STREET_WORDS = "rue|avenue|boulevard|chemin|allée|impasse|via|viale|piazza|calle|avenida|rua|ulica"
_PARTICLE = r"(?:de|du|des|la|le|del|della|di|da|do|dos|das)"
_SP = r"[ \t]+"
_NUMBER = r"\d{1,4}[a-zA-Z]?\b"
# What a shape needs of the text's lower-cased tokens, as a bit (see _street_bits): a street
# type that starts one (the type ends at a word boundary, the token may go on: "St-5"), a
# token ending in a street-name ending, a street word that ends one (it is followed by white
# space, and may follow a join: "x.Via").
_NEEDS_TYPE, _NEEDS_ENDING, _NEEDS_WORD = 1, 2, 4
_SHAPES = (
    (
        rf"(?<![\w\-])\d{{1,5}}[a-zA-Z]?(?:{_SP}{_CAP}){{1,4}}?{_SP}(?i:{_STREET_TYPES})\b\.?",
        _NEEDS_TYPE,
    ),
    # At least three letters before the ending, at most thirty: linear on any input.
    (
        rf"(?<![\w\-])(?-i:{_UPPER})[\w'\-]{{3,30}}?(?i:{_STREET_SUFFIXES}){_SP}{_NUMBER}",
        _NEEDS_ENDING,
    ),
    (
        rf"(?<![\w\-])\d{{1,4}},?{_SP}(?i:{_STREET_WORDS})(?:{_SP}{_PARTICLE})*(?:{_SP}{_CAP}){{1,3}}",
        _NEEDS_WORD,
    ),
    (
        rf"(?<![\w\-])(?i:{_STREET_WORDS})(?:{_SP}(?:{_PARTICLE}|{_CAP})){{1,4}}{_SP}{_NUMBER}",
        _NEEDS_WORD,
    ),
)
_ADDRESS_SHAPES = re.compile("|".join(shape for shape, _ in _SHAPES))
# The shapes' alternation less the shapes a text cannot hold, by the bits of what it holds
# (_street_bits): a shape that matches nowhere changes none of the alternation's matches.
_SHAPES_BY_BITS = {
    bits: re.compile("|".join(shape for shape, need in _SHAPES if need & bits))
    for bits in range(1, 8)
}
ADDRESS_SHAPE_SCORE = 0.6
_TYPE_KEYS = frozenset(_STREET_TYPES.split("|"))
_WORD_KEYS = frozenset(_STREET_WORDS.split("|"))
_STREET_KEYS = _TYPE_KEYS | _WORD_KEYS
_STREET_ENDINGS = tuple(_STREET_SUFFIXES.split("|"))
_ADDRESS_WORDS = _STREET_KEYS | {"apt", "suite", "unit", "floor", "flat", "po", "box", "ul"}
_SURE_PLACE = 0.8


def _opens_sentence(text: str, tokens: Sequence[Token], i: int) -> bool:
    return (
        i == 0
        or tokens[i - 1].text in _SENTENCE_OPENERS
        or "\n" in text[tokens[i - 1].end : tokens[i].start]
    )


# A one-word name the tagger reports at a sentence's start, where a capital says nothing, is
# dropped when the word is an ordinary one ("Cashmere scarf, grey", "Spirit of ...") and
# the tagger is less sure than this (always dropping it scored worse: benchmarks/RESULTS.md).
OPENING_WORD_MAX = 0.9


# A one-word name the tagger is less sure of than this (the name-shape score: no surer
# than a guess from the word's letters) is dropped when it is an ordinary word and in no
# list of names ("singing about Hobbits").
DOUBTED_ORDINARY_MAX = NAME_SHAPE_SCORE

# A word of letters, a hyphen and three digits or more: an item or reference code, which
# no name, firm or place ends or starts with, and which alone is no address (in one it may
# be a unit's).
_CODE = re.compile(r"[A-Za-z]+-\d{3,}\Z")
_NAMED = frozenset(["PERSON", "ORGANIZATION", "LOCATION"])


def _without_codes(entity: str, tokens: Sequence[Token], first: int, last: int) -> tuple[int, int]:
    """The span ``first:last`` the tagger labels ``entity`` less the item codes at its ends
    ("Dave CU-6603" is "Dave"; "CU-6603" alone nothing: an empty span), or, for an address,
    nothing when it is only codes."""
    if entity in _NAMED:
        while first < last and _CODE.match(tokens[first].text):
            first += 1
        while last > first and _CODE.match(tokens[last - 1].text):
            last -= 1
    elif entity == "STREET_ADDRESS" and all(_CODE.match(t.text) for t in tokens[first:last]):
        return first, first
    return first, last


@functools.cache
def _group_words() -> frozenset[str]:
    """The one-word nationalities, ethnic groups and religions of the NRP word list, in
    lower case, with their plurals ("nigerian", "nigerians")."""
    from confide.pii.lexicon import load_group_forms

    forms = load_group_forms()
    return frozenset(f.lower() for f, group in forms.items() if group and " " not in f)


def _capitalised_run(tokens: Sequence[Token]) -> bool:
    return all(t.text[:1].isupper() or not t.text[:1].isalnum() for t in tokens)


_PIECES = re.compile(r"[\-.'\u2019]")


def _reads_as_address(words: Sequence[str]) -> bool:
    """A street address names a number, a street word ("Road", "rue", "Apt") or a street
    (a name ending in "-straße", "-vej" ...); without any, the tagger saw something else
    ("Merino crew-neck jumper, navy")."""
    for w in words:
        if not w.isalpha() and any(c.isdigit() for c in w):
            return True
        if w.rstrip(".") in _ADDRESS_WORDS or w.endswith(_STREET_ENDINGS):
            return True
    return False


# Lower-case words found to be no street word, to end in none and to have no piece that
# is one: after a few hundred texts most of a text's words are here, and a set difference
# leaves only the others to check. Like the tagger's word caches it holds words of the
# messages seen, in memory only: emptied when full, and no word longer than a name's.
_NO_STREET_WORDS: set[str] = set()
_NO_STREET_WORDS_MAX = 200_000
_MEMO_WORD_CHARS = 32


def _street_bits(word: str) -> int:
    """Which shapes a token (lower-cased) may be part of, as the bits of their needs."""
    bits = _NEEDS_ENDING if word.endswith(_STREET_ENDINGS) else 0
    pieces = (word,) if word.isalnum() else _PIECES.split(word)
    if pieces[0] in _TYPE_KEYS:
        bits |= _NEEDS_TYPE
    if pieces[-1] in _WORD_KEYS:
        bits |= _NEEDS_WORD
    return bits


def _address_bits(lowered: Sequence[str]) -> int:
    """Which address shapes the tokens may hold (``_street_bits`` of them all, 0 for none):
    every shape needs a street word, and this is much cheaper than searching the text for
    the shapes."""
    bits = 0
    for word in set(lowered).difference(_NO_STREET_WORDS):
        found = _street_bits(word)
        if found:
            bits |= found
        elif len(word) <= _MEMO_WORD_CHARS:
            if len(_NO_STREET_WORDS) >= _NO_STREET_WORDS_MAX:
                _NO_STREET_WORDS.clear()
            _NO_STREET_WORDS.add(word)
    return bits


def address_shapes(
    text: str, lowered: Sequence[str] | None = None, digits: int | None = None
) -> list[tuple[int, int]]:
    """Character spans of street addresses written in a common shape (see above);
    ``lowered`` (the text's tokens, lower-cased) saves tokenising it again, ``digits`` (how
    many ``\\d`` the text holds) a scan for one."""
    if digits == 0 or (digits is None and _DIGIT_RE.search(text) is None):
        return []  # every shape holds a number (\d)
    if not lowers_faithfully(text):
        # A case-insensitive "st" matches the long s and t, which lower-case to no street word.
        return [match.span() for match in _ADDRESS_SHAPES.finditer(text)]
    if lowered is None:
        lowered = [token.text.lower() for token in tokenize(text)]
    bits = _address_bits(lowered)
    if not bits:
        return []
    return [match.span() for match in _SHAPES_BY_BITS[bits].finditer(text)]


@dataclass(frozen=True, slots=True)
class _ModelResources:
    gazetteer: Gazetteer
    chars: CharNgramModel | None
    known: frozenset[str]
    labels: list[str]
    weights: dict[str, Vector]
    transitions: list[list[float]]
    # Given names and surnames from the word lists, less ordinary words.
    names: frozenset[str]
    # Ordinary English words, lower-cased (ner.ordinary.txt): no name by its shape alone.
    ordinary: frozenset[str]
    # Those, the customer-service words and the non-name words: no name is made of them
    # alone (the name-shape rule; a name all in lower case, see _cased_pieces).
    plain: frozenset[str]


@functools.lru_cache(maxsize=4)
def _model_resources(model_path: Path, stamp: int) -> _ModelResources:
    """The read-only data beside a model, loaded once per process (a second or more of JSON
    and the model's weights; every runtime built in one process shares them). ``stamp`` is
    the model file's mtime, so a retrained model is loaded afresh."""
    import pycrfsuite

    tagger: Any = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    labels, weights, transitions = crf_weights(tagger)
    tagger.close()
    gazetteer = load_gazetteer(gazetteer_path(model_path))
    empty: frozenset[str] = frozenset()
    names = gazetteer.get("first", empty) | gazetteer.get("last", empty)
    common = gazetteer.get("common", empty)
    ordinary = _ordinary_words(ordinary_path(model_path))
    return _ModelResources(
        gazetteer,
        CharNgramModel.load(chars_path(model_path)),
        frozenset(weights),
        labels,
        weights,
        transitions,
        frozenset(names - common),
        ordinary,
        ordinary | common | _NOT_NAME_SHAPED,
    )


class CrfRecognizer:
    """Finds names, places, street addresses and organisations with a packaged CRF model.

    ``name_prior`` is a log-odds shift added to the model's score for a name starting at a
    word: the higher, the more names the tagger reports, and the more false ones (the
    trade-off is measured in benchmarks/RESULTS.md, "the name prior"); 0 is the model as
    trained, ``DEFAULT_NAME_PRIOR`` suits F2's weight on recall.
    """

    name = "crf-ner"
    entities: tuple[str, ...] = ENTITIES

    def __init__(
        self,
        model_path: Path | str | None = None,
        *,
        entities: Sequence[str] | None = None,
        min_score: float = 0.0,
        name_prior: float = DEFAULT_NAME_PRIOR,
        accelerated: bool | None = None,
    ) -> None:
        """``accelerated``: whether to tag with the C extension (see ``accelerator``)."""
        if not math.isfinite(name_prior) or abs(name_prior) > MAX_NAME_PRIOR:
            raise ValueError(f"name_prior must lie between -{MAX_NAME_PRIOR} and {MAX_NAME_PRIOR}")
        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL_PATH
        if not self.model_path.is_file():
            raise FileNotFoundError(f"CRF model not found: {self.model_path}")
        if entities is not None:
            self.entities = tuple(entities)
        self.min_score = min_score
        stamp = self.model_path.stat().st_mtime_ns
        resources = _model_resources(self.model_path.resolve(), stamp)
        self.gazetteer, self.chars = resources.gazetteer, resources.chars
        self.clusters = load_clusters(clusters_path(self.model_path))
        self._names = _LowerCaseSurnames(resources.names, self.chars)
        self._ordinary, self._plain = resources.ordinary, resources.plain
        self.features = FeatureExtractor(
            self.gazetteer, self.chars, resources.known, clusters=self.clusters
        )
        self.encoder = StateScoreEncoder(self.features, resources.weights, accelerated=accelerated)
        module = accelerator(accelerated)
        # The C tokenizer gives ``tokenize``'s tokens (tests compare them on every character).
        self._tokenize: Callable[[str], list[Token]] = (
            tokenize if module is None else functools.partial(module.tokenize, Token)
        )
        priors = {"B-PERSON": name_prior}  # a zero shift is no shift: the decoder skips it
        self.decoder = ChainDecoder(resources.labels, resources.transitions, priors, accelerated)
        # The C path finds _merged_spans's spans (tests compare the two on every text), and
        # encodes and decodes a text in one call.
        self._c_spans = None if module is None else module.spans
        decoding = self.decoder.c_arguments
        self._c_tag = (
            None
            if self.encoder._c is None or decoding is None
            else functools.partial(_c_tag, self.encoder._c.tag, decoding)
        )
        roles = {"PERSON": 1, "STREET_ADDRESS": 2}  # _crf_spans.c: whose joiner, which rules
        self._label_info = {
            label: (int(label[0] == "I"), label[2:], roles.get(label[2:], 0))
            for label in self.decoder.labels
            if label != "O"
        }
        # The encoder's word rows are shared state.
        self._lock = threading.Lock()
        # The character model's probabilities for the rules below, from the C encoder when it
        # is in use (a new word's, about ten times faster than in Python).
        c_encoder = self.encoder._c
        self._char_probabilities = (
            None
            if self.chars is None
            else functools.partial(
                self.chars.probabilities,
                compute=None if c_encoder is None else c_encoder.char_probabilities,
            )
        )
        # What _shape_kind made of a word, at a sentence's start or not (emptied when full).
        self._kinds: dict[tuple[str, bool], str | None] = {}

    def tag(self, text: str) -> tuple[list[Token], list[str], list[float]]:
        """Tokens, their BIO labels and each entity label's marginal probability (0.0 for
        "O")."""
        tokens, _, labels, probs = self._tagged(text)
        return tokens, labels, probs

    def _tagged(self, text: str) -> tuple[list[Token], list[str], list[str], list[float]]:
        """``tag``'s result with the tokens lower-cased as well."""
        tokens = self._tokenize(text)
        if not tokens:
            return tokens, [], [], []
        if self._c_tag is not None:
            with self._lock:
                lowered, labels, probs = self._c_tag(tokens, text)
            return tokens, lowered, labels, probs
        with self._lock:
            scores, lowered = self.encoder.encode(tokens, text)
        labels, probs = self.decoder(scores)
        return tokens, lowered, labels, probs

    def find(self, text: str, stats: DigitStats | None = None) -> list[Finding]:
        """Findings in ``text``; ``stats`` (its digits, as the analyzer counts them) saves a
        scan."""
        tokens, lowered, labels, probs = self._tagged(text)
        findings: list[Finding] = []
        merged, capitalised = self._spans(text, tokens, labels, lowered)
        for first, last, entity in merged:
            if entity not in self.entities:
                continue
            if entity == "PERSON" and set(lowered[first:last]) <= _LONE_TITLE:
                continue  # "Madam" alone names no one
            tagged = [p for k, p in enumerate(probs[first:last], first) if labels[k] != "O"]
            score = sum(tagged) / len(tagged)
            if (
                first
                and lowered[first - 1] in _CUES_BY_LAST_WORD
                and entity in _cue_hits(lowered, first)
            ):
                score = min(1.0, score + CUE_BOOST)
            # A word the tagger doubts but that reads as a name or place on its own is
            # reported as if the tagger had left it to the name-shape rule below.
            doubted = last - first == 1 and score < NAME_SHAPE_SCORE
            if doubted and self._shape_kind(text, tokens, first) == entity:
                score = NAME_SHAPE_SCORE
            if text.find("-", tokens[first].start, tokens[last - 1].end) >= 0:
                first, last = _without_codes(entity, tokens, first, last)
                if first == last:
                    continue  # an item or reference code ("CU-6603")
            if entity == "PERSON" and last - first == 1 and self._no_name(lowered[first]):
                word = lowered[first]
                if word in _group_words():
                    continue  # "I am Nigerian": a nationality, the word list's to report
                if score < DOUBTED_ORDINARY_MAX and word in self._ordinary:
                    continue  # an ordinary word the tagger doubts ("singing about Hobbits")
            if (
                entity == "PERSON"
                and last - first == 1
                and score < OPENING_WORD_MAX
                and lowered[first] in self._ordinary
                and _opens_sentence(text, tokens, first)
            ):
                continue
            if score < self.min_score:
                continue
            if entity == "STREET_ADDRESS" and not _reads_as_address(lowered[first:last]):
                # The tagger sure of a run of capitalised words saw a place, perhaps a
                # house's name ("Rosewood Gardens, Kingsbridge"); else it saw something
                # else ("Merino crew-neck jumper, navy").
                if score < _SURE_PLACE or not _capitalised_run(tokens[first:last]):
                    continue
                entity = "LOCATION"
            if entity == "PERSON":
                first, last = _with_name_suffixes(tokens, lowered, first, last)
            start, end = tokens[first].start, tokens[last - 1].end
            findings.append(Finding(entity, start, end, round(score, 4), self.name))
        for first, last, entity in self._name_shaped(text, tokens, capitalised):
            if entity in self.entities and self.min_score <= NAME_SHAPE_SCORE:
                start, end = tokens[first].start, tokens[last - 1].end
                findings.append(Finding(entity, start, end, NAME_SHAPE_SCORE, self.name))
        common = self.gazetteer.get("common", frozenset())
        # Rules that only grow, join or add to a name found: none has work without one.
        if any(f.entity_type == "PERSON" for f in findings):
            findings = self._with_leading_names(text, tokens, labels, findings)
            findings = self._with_trailing_surnames(text, tokens, labels, findings)
            if "PERSON" in self.entities and self.min_score <= NAME_SHAPE_SCORE:
                findings = self._with_listed_names(tokens, labels, findings)
            if "PERSON" in self.entities:
                findings = _with_closed_quotes(text, tokens, labels, findings, common)
            findings = _with_joined_names(text, _with_rank_titles(text, tokens, labels, findings))
        if "STREET_ADDRESS" in self.entities and self.min_score <= ADDRESS_SHAPE_SCORE:
            digits = None if stats is None else stats.digits
            findings = _with_address_shapes(text, lowered, findings, self.name, digits)
        findings = with_legal_names(text, with_legal_forms(text, findings), self.name, common)
        if "PERSON" in self.entities:
            places = ("LOCATION", "ORGANIZATION")
            findings = with_cued_names(text, findings, self.name, places, common)
            findings = with_names_before_addresses(text, findings, _ADDRESS_WORDS)
        return _without_pronoun_i(text, without_job_titles(text, findings))

    def _name_shaped(
        self, text: str, tokens: Sequence[Token], capitalised: Sequence[int]
    ) -> list[tuple[int, int, str]]:
        """Capitalised words the tagger left alone that look like a name or a place.

        The tagger needs familiar context; a lone surname in an unfamiliar sentence ("a film
        starring Lafontaine") has none. Such a word, not at the start of a sentence and
        classed as a name or place by the character model or the word lists, is reported
        with a modest score: missing a name costs more than masking one word too many.
        """
        spans: list[tuple[int, int, str]] = []
        # Only capitalised words the tagger left alone (``capitalised``, from ``_spans``) qualify.
        for i in capitalised:
            token = tokens[i]
            kind = self._shape_kind(text, tokens, i)
            if kind is None:
                continue
            if spans and spans[-1][1] == i and text[tokens[i - 1].end : token.start] == " ":
                spans[-1] = (spans[-1][0], i + 1, spans[-1][2])
            else:
                spans.append((i, i + 1, kind))
        return spans

    def _with_leading_names(
        self, text: str, tokens: Sequence[Token], labels: Sequence[str], findings: list[Finding]
    ) -> list[Finding]:
        """A one-word name found takes in the capitalised word right before it that the
        character model finds more a name than a place or a word, though not surely: a
        first name in a declined form ("dla Agnieszki Nowak") or a rare one."""
        if self.chars is None or not any(f.entity_type == "PERSON" for f in findings):
            return findings
        taken: set[tuple[int, int]] = set()
        result = []
        for f in findings:
            i = _one_word_name(tokens, f) - 1
            if (
                i > 0
                and labels[i] == "O"
                and text[tokens[i].end : f.start] == " "
                and self._leads_name(text, tokens, i)
            ):
                f = Finding(f.entity_type, tokens[i].start, f.end, f.score, f.recognizer)
                taken.add((tokens[i].start, tokens[i].end))
            result.append(f)
        return _without_taken(result, taken)

    def _with_trailing_surnames(
        self, text: str, tokens: Sequence[Token], labels: Sequence[str], findings: list[Finding]
    ) -> list[Finding]:
        """A one-word name found that is a listed given name takes in the capitalised word
        right after it that the tagger left alone ("Ernie Banks", "John Chiles"): surnames
        are often ordinary words, which the name-shape rule leaves out. Not a word of the
        customer-service list nor a day or month ("John Street", "Anna Monday")."""
        given = self.gazetteer.get("first", frozenset())
        if not given or not any(f.entity_type == "PERSON" for f in findings):
            return findings
        common = self.gazetteer.get("common", frozenset())
        taken: set[tuple[int, int]] = set()
        result = []
        for f in findings:
            k = _one_word_name(tokens, f)
            if (
                0 <= k < len(tokens) - 1
                and tokens[k].text.lower() in given
                and labels[k + 1] == "O"
                and text[f.end : tokens[k + 1].start] == " "
                and _surname_shaped(tokens[k + 1].text, common)
            ):
                after = tokens[k + 1]
                f = Finding(f.entity_type, f.start, after.end, f.score, f.recognizer)
                taken.add((after.start, after.end))
            result.append(f)
        return _without_taken(result, taken)

    def _with_listed_names(
        self, tokens: Sequence[Token], labels: Sequence[str], findings: list[Finding]
    ) -> list[Finding]:
        """A capitalised word the tagger left alone, of three letters or more, joined by
        "and", "&" or a comma to a name found ("Albin , Haines and Burrow"), is a name of
        its own at the name-shape score, unless it is a customer-service word, a day or a
        month, or lies in another finding."""
        # The words two tokens after a name's last and before its first: the only places
        # such a word can be (a bisection each, not a pass over every token).
        candidates: set[int] = set()
        for f in findings:
            if f.entity_type != "PERSON":
                continue
            first = _token_at(tokens, f.start)
            if first >= 2 and tokens[first - 1].text in _NAME_JOINERS:
                candidates.add(first - 2)
            after = bisect.bisect_left(tokens, f.end, key=_start)
            if (
                0 < after < len(tokens) - 1
                and tokens[after - 1].end == f.end
                and tokens[after].text in _NAME_JOINERS
            ):
                candidates.add(after + 1)
        if not candidates:
            return findings
        common = self.gazetteer.get("common", frozenset())
        added = []
        for i in sorted(candidates):
            token = tokens[i]
            if labels[i] != "O" or len(token.text) < 3 or not _surname_shaped(token.text, common):
                continue
            if any(f.start < token.end and token.start < f.end for f in findings):
                continue
            added.append(Finding("PERSON", token.start, token.end, NAME_SHAPE_SCORE, self.name))
        return findings + added if added else findings

    def _leads_name(self, text: str, tokens: Sequence[Token], i: int) -> bool:
        word = tokens[i].text
        if len(word) < 3 or not (word[0].isupper() and word[1:].islower() and word.isalpha()):
            return False
        before = tokens[i - 1]
        if before.text in _SENTENCE_OPENERS or "\n" in text[before.end : tokens[i].start]:
            return False
        low = word.lower()
        if low in _NOT_NAME_SHAPED or low in self.gazetteer.get("common", ()):
            return False
        assert self.chars is not None and self._char_probabilities is not None
        probs = self._char_probabilities(word)
        return self.chars.classes[max(range(len(probs)), key=probs.__getitem__)] == "person"

    def _no_name(self, word: str) -> bool:
        """Whether ``word`` (lower case) is in neither list of given names and surnames."""
        gaz = self.gazetteer
        return word not in gaz.get("first", ()) and word not in gaz.get("last", ())

    def _shape_kind(self, text: str, tokens: Sequence[Token], i: int) -> str | None:
        word = tokens[i].text
        if len(word) < 3 or not (word[0].isupper() and word[1:].islower()):
            return None
        # At the start of a sentence capital letters say nothing: both signals must agree.
        opening = _opens_sentence(text, tokens, i)
        key = (word, opening)
        try:
            return self._kinds[key]
        except KeyError:
            kind = self._word_kind(word, opening)
        if len(word) <= _MEMO_WORD_CHARS:
            if len(self._kinds) >= _WORD_CACHE_SIZE:
                self._kinds.clear()
            self._kinds[key] = kind
        return kind

    def _word_kind(self, word: str, opening: bool) -> str | None:
        if not word.replace("-", "").replace("'", "").isalpha():
            return None
        low = word.lower()
        gaz = self.gazetteer
        if low in self._plain:
            return None  # "Spirit Week", "a Snowstorm", "Merry Xmas": words, capitalised
        listed_name = not self._no_name(low)
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
        assert self._char_probabilities is not None
        probs = self._char_probabilities(word)
        best = max(range(len(probs)), key=probs.__getitem__)
        kind, sure = self.chars.classes[best], probs[best] >= NAME_SHAPE_MIN_PROB
        if kind == "word" and probs[best] >= 0.5:
            return None
        if opening:
            return "PERSON" if listed_name and kind == "person" and sure else None
        if listed_name or (kind == "person" and sure):
            return "PERSON"
        return "LOCATION" if listed_place or (kind == "place" and sure) else None

    def _spans(
        self, text: str, tokens: Sequence[Token], labels: Sequence[str], lowered: Sequence[str]
    ) -> tuple[list[tuple[int, int, str]], list[int]]:
        """``_merged_spans``, and the tokens labelled "O" whose first letter is a capital
        (a token is never empty): in C when the tagger runs there."""
        if self._c_spans is None:
            capitalised = [
                i for i, t in enumerate(tokens) if t[0][0].isupper() and labels[i] == "O"
            ]
            return self._merged_spans(text, tokens, labels), capitalised
        flat = text.islower() or text.isupper()
        info, names = self._label_info, self._names
        particles, plain = _NAME_PARTICLES, self._plain
        return self._c_spans(tokens, labels, text, info, flat, lowered, particles, names, plain)  # type: ignore[no-any-return]

    def _merged_spans(
        self, text: str, tokens: Sequence[Token], labels: Sequence[str]
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
        trimmed = [piece for span in trimmed for piece in _name_pieces(text, tokens, span)]
        if text.islower() or text.isupper():
            return trimmed
        names, plain = self._names, self._plain
        return [piece for span in trimmed for piece in _cased_pieces(tokens, span, names, plain)]


def _token_at(tokens: Sequence[Token], start: int) -> int:
    """The index of the token that starts at ``start``, else -1."""
    k = bisect.bisect_left(tokens, start, key=_start)
    return k if k < len(tokens) and tokens[k].start == start else -1


def _one_word_name(tokens: Sequence[Token], finding: Finding) -> int:
    """The index of the token a PERSON finding of one word covers, else -1."""
    if finding.entity_type != "PERSON":
        return -1
    k = _token_at(tokens, finding.start)
    return k if k >= 0 and tokens[k].end == finding.end else -1


def _without_taken(findings: list[Finding], taken: set[tuple[int, int]]) -> list[Finding]:
    """``findings`` less those whose span a name took in: no finding of their own any more."""
    if not taken:
        return findings
    return [f for f in findings if (f.start, f.end) not in taken]


# What joins the names of a list ("Albin, Haines and Burrow").
_NAME_JOINERS = frozenset(["and", "And", "AND", "&", ","])

# Ranks, offices and the words that open stage names: a capitalised one right before a name
# belongs to it ("Coach Barr", "PM Okafor", "Kid Pebble"), as WNUT-17 marks names. Courtesy
# titles (_HONORIFICS: "Mr", "Dr") stay out, as presidio-evaluator's generator labels them
# apart; none of these words stands before a name in the synthetic sets.
_RANK_TITLES = frozenset(
    [
        "admiral",
        "archbishop",
        "bishop",
        "captain",
        "cardinal",
        "chancellor",
        "chief",
        "coach",
        "colonel",
        "commander",
        "detective",
        "emperor",
        "empress",
        "general",
        "governor",
        "imam",
        "judge",
        "kid",
        "king",
        "lady",
        "lieutenant",
        "lil",
        "lord",
        "mayor",
        "minister",
        "officer",
        "pastor",
        "pm",
        "pope",
        "president",
        "prince",
        "princess",
        "prophet",
        "queen",
        "rabbi",
        "saint",
        "senator",
        "sergeant",
        "sheikh",
    ]
)


def _with_rank_titles(
    text: str, tokens: Sequence[Token], labels: Sequence[str], findings: list[Finding]
) -> list[Finding]:
    """A PERSON finding takes in a rank or office the tagger left alone right before it,
    written with a capital ("President Okonkwo", "PM Okafor"; not "2:03 PM Chari"). A title
    another finding holds stays with it, unless that finding is a name of the title alone
    ("Lil", listed with a name), which the longer name replaces."""
    taken: set[tuple[int, int]] = set()
    result: list[Finding] | None = None  # a copy made at the first title: most texts have none
    for n, f in enumerate(findings):
        if f.entity_type != "PERSON":
            continue
        k = _token_at(tokens, f.start)
        if k <= 0 or labels[k - 1] != "O":
            continue
        title = tokens[k - 1]
        if (
            title.text[0].isupper()
            and title.text.lower() in _RANK_TITLES
            and text[title.end : f.start] == " "
            and not (title.text.lower() == "pm" and k > 1 and _DIGIT_RE.search(tokens[k - 2].text))
            and not any(
                g.start < title.end
                and title.start < g.end
                and (g.entity_type != "PERSON" or (g.start, g.end) != (title.start, title.end))
                for g in findings
            )
        ):
            result = list(findings) if result is None else result
            result[n] = Finding(f.entity_type, title.start, f.end, f.score, f.recognizer)
            if any(
                g.entity_type == "PERSON" and (g.start, g.end) == (title.start, title.end)
                for g in findings
            ):
                taken.add((title.start, title.end))
    return findings if result is None else _without_taken(result, taken)


# A nickname: one to three words of letters (an inner apostrophe, dot or hyphen allowed).
_NICKNAME = r"[^\W\d_][\w'.-]*(?: [^\W\d_][\w'.-]*){0,2}"
# What lies between two parts of one name: a nickname in double quotes ("Wilma Rae \"Big
# Mo\" Thornbury") or particles ("Oskar de la Rentera").
_NAME_GAP = re.compile(
    rf' +["\u201c] *{_NICKNAME} *["\u201d] +| (?:(?:'
    + "|".join(
        map(re.escape, sorted(_NAME_PARTICLES - {"of", "and", "the", "for", "&", "'s", "do"}))
    )
    + r") ){1,3}"
)


_QUOTES = frozenset('"\u201c\u201d')


def _with_closed_quotes(
    text: str,
    tokens: Sequence[Token],
    labels: Sequence[str],
    findings: list[Finding],
    common: frozenset[str],
) -> list[Finding]:
    """A name found with half of a quoted nickname ("Imelda \"Mel", "Gigi\u201d Kastellan")
    takes in the other quote and the rest of the name: the capitalised word after the closing
    quote, or the name found before the opening one. Else the surname is left unmasked."""
    if '"' not in text and "\u201c" not in text and "\u201d" not in text:
        return findings  # no quote (_QUOTES) anywhere: most texts
    people = [f for f in findings if f.entity_type == "PERSON"]
    half = [f for f in people if sum(c in _QUOTES for c in text[f.start : f.end]) % 2]
    if not half:
        return findings
    ends = {f.end: f for f in people}
    taken: set[tuple[int, int]] = set()
    result = []
    for f in findings:
        if f not in half:
            result.append(f)
            continue
        start, end = f.start, f.end
        if end < len(text) and text[end] in _QUOTES:
            end += 1
            k = _token_at(tokens, end + 1)
            if (
                k >= 0
                and text[end] == " "
                and labels[k] == "O"
                and _surname_shaped(tokens[k].text, common)
            ):
                end = tokens[k].end
        elif start > 0 and text[start - 1] in _QUOTES:
            start -= 1
            before = ends.get(start - 1)
            if before is not None and text[start - 1] == " ":
                start = before.start
                taken.add((before.start, before.end))
        result.append(Finding(f.entity_type, start, end, f.score, f.recognizer))
    return _without_taken(result, taken)


def _with_joined_names(text: str, findings: list[Finding]) -> list[Finding]:
    """Two PERSON findings with only a quoted nickname or name particles between them are
    one name; what the gap held (the nickname as a finding of its own) goes with them. Not
    where another finding reaches across the joined name's edge."""
    names = [f for f in findings if f.entity_type == "PERSON"]
    if len(names) < 2:
        return findings
    names.sort(key=_start)
    others = [f for f in findings if f.entity_type != "PERSON"]
    joined: list[Finding] = []
    for f in names:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.end < f.start
            and _NAME_GAP.fullmatch(text, last.end, f.start)
            and not any(_straddles(g, last.start, f.end) for g in others)
        ):
            score = max(last.score, f.score)
            joined[-1] = Finding(last.entity_type, last.start, f.end, score, last.recognizer)
        else:
            joined.append(f)
    if len(joined) == len(names):
        return findings
    inside = [(j.start, j.end) for j in joined]
    kept = [f for f in others if not any(a <= f.start and f.end <= b for a, b in inside)]
    return kept + joined


def _straddles(finding: Finding, start: int, end: int) -> bool:
    """Whether ``finding`` lies partly inside ``start``-``end`` and partly outside."""
    return (
        finding.start < end
        and start < finding.end
        and not (start <= finding.start and finding.end <= end)
    )


def _surname_shaped(word: str, common: frozenset[str]) -> bool:
    """A capitalised word of letters that may be a name, or end one, beside a name found:
    no customer-service word, day or month."""
    low = word.lower()
    return (
        len(word) >= 2
        and word[0].isupper()
        and word[1:].islower()
        and word.isalpha()
        and low not in common
        and low not in _NOT_NAME_SHAPED
    )


def _c_tag(
    tag: Callable[..., Any], decoding: tuple[Any, ...], tokens: list[Token], text: str
) -> tuple[list[str], list[str], list[float]]:
    """The C encoder's ``tag``: the lower-cased words, labels and marginals of ``tokens``."""
    return tag(tokens, text, text.isupper() or text.islower(), *decoding)  # type: ignore[no-any-return]


# The pronoun "I" (and "I'd", "I'm", "I've", "I'll"), not part of a word nor an initial: "I."
# or "I" before a capitalised word or a number ("Alistair I Maclean", "SRS I NON CUM").
_PRONOUN_I = re.compile(
    r"(?<![\w.'\u2019-])I(?:['\u2019](?:d|m|ve|ll)\b|(?![\w.'\u2019-])(?!\s*[A-Z0-9]))"
)


def _without_pronoun_i(text: str, findings: list[Finding]) -> list[Finding]:
    """``findings`` less the spans the tagger ran over the pronoun "I" ("Can I" as a firm,
    "Am I limited"): a person's name keeps its words before it ("Emily" of "Emily I"),
    anything else is dropped."""
    if "I" not in text:
        return findings
    out = []
    for f in findings:
        pronoun = _PRONOUN_I.search(text, f.start, f.end)
        if pronoun is None:
            out.append(f)
            continue
        end = len(text[f.start : pronoun.start()].rstrip(" ,"))
        if f.entity_type == "PERSON" and end > 0:
            out.append(Finding(f.entity_type, f.start, f.start + end, f.score, f.recognizer))
    return out


def _with_address_shapes(
    text: str, lowered: Sequence[str], findings: list[Finding], name: str, digits: int | None
) -> list[Finding]:
    """``findings`` plus each address shape no finding overlaps without lying inside it.
    Places and addresses inside it (a street name tagged as a place) give way to it; any
    other finding inside it (a name: "Katie 2 days ago") or a surer address keeps it out."""
    for start, end in address_shapes(text, lowered, digits):
        inside = [f for f in findings if start <= f.start and f.end <= end]
        if any(f.start < end and start < f.end for f in findings if f not in inside):
            continue
        weaker = [
            f
            for f in inside
            if f.entity_type == "LOCATION"
            or (f.entity_type == "STREET_ADDRESS" and f.score < ADDRESS_SHAPE_SCORE)
        ]
        if len(weaker) < len(inside):
            continue
        findings = [f for f in findings if f not in inside]
        findings.append(Finding("STREET_ADDRESS", start, end, ADDRESS_SHAPE_SCORE, name))
    return findings
