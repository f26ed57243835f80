"""Feature extraction: word and character n-gram TF-IDF, plus sentence embeddings if given."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from confide.nlu.embedders import Embedder

__all__ = ["FeatureSettings", "Featurizer"]

_WORD = re.compile(r"\w+")  # single-letter words count too ("a", "i")
_CONTRACTIONS = (
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
)
_SUFFIXES = ("ing", "ed", "es", "s", "ly")
_MIN_STEM = 3


def normalise(text: str) -> str:
    """Lower-case, straighten apostrophes and expand English contractions."""
    text = text.lower().replace("\u2019", "'")
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def stem(word: str) -> str:
    """Strip one common English suffix ("charged" -> "charg", "cards" -> "card").

    Deliberately crude: it only has to map inflections of a word to one feature, and the
    character n-grams cover what it misses.
    """
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def stemmed_words(text: str) -> list[str]:
    """Tokenise already-normalised text into stemmed words."""
    return [stem(word) for word in _WORD.findall(text)]


def plain_words(text: str) -> list[str]:
    """Tokenise already-normalised text into words."""
    return _WORD.findall(text)


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """How texts become vectors (the parts of ``TrainOptions`` that shape features)."""

    word_ngrams: tuple[int, int] = (1, 3)
    char_ngrams: tuple[int, int] = (1, 5)
    stem_words: bool = True
    word_weight: float = 1.0
    embedding_weight: float = 2.0


class Featurizer:
    """Word n-gram TF-IDF ⊕ char_wb n-gram TF-IDF ⊕ (optionally) a weighted sentence embedding.

    Texts are normalised first (:func:`normalise`); words are stemmed (:func:`stem`) when
    ``stem_words`` is set. Both TF-IDF blocks use sublinear tf and are L2-normalised per
    block, so ``word_weight`` and ``embedding_weight`` set each block's share of a row.
    """

    def __init__(self, settings: FeatureSettings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self._word = TfidfVectorizer(
            preprocessor=normalise,
            tokenizer=stemmed_words if settings.stem_words else plain_words,
            token_pattern=None,
            ngram_range=settings.word_ngrams,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self._char = TfidfVectorizer(
            preprocessor=normalise,
            analyzer="char_wb",
            ngram_range=settings.char_ngrams,
            sublinear_tf=True,
            dtype=np.float32,
        )

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Learn the vocabularies and IDF weights from ``texts`` and vectorise them."""
        words = self._word.fit_transform(texts)
        chars = self._char.fit_transform(texts)
        return self._stack(words, chars, texts)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Vectorise ``texts`` with the learnt vocabularies."""
        return self._stack(self._word.transform(texts), self._char.transform(texts), texts)

    def _stack(
        self, words: sp.csr_matrix, chars: sp.csr_matrix, texts: Sequence[str]
    ) -> sp.csr_matrix:
        blocks = [words * self.settings.word_weight, chars]
        if self.embedder is not None:
            embeddings = self.embedder.encode(texts) * self.settings.embedding_weight
            blocks.append(sp.csr_matrix(embeddings.astype(np.float32)))
        return sp.hstack(blocks, format="csr")

    def __getstate__(self) -> dict[str, object]:
        # The embedder is a live collaborator (maybe a torch model): never pickle it.
        return {"settings": self.settings, "word": self._word, "char": self._char}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(
            settings=state["settings"], embedder=None, _word=state["word"], _char=state["char"]
        )
