"""Feature extraction: word and character n-gram TF-IDF, plus sentence embeddings if given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from confide.nlu.embedders import Embedder

__all__ = ["FeatureSettings", "Featurizer"]

_WORD = r"(?u)\b\w+\b"  # single-letter words count too ("a", "i")


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """How texts become vectors (the parts of ``TrainOptions`` that shape features)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 5)
    word_weight: float = 0.7
    embedding_weight: float = 2.0


class Featurizer:
    """Word n-gram TF-IDF ⊕ char_wb n-gram TF-IDF ⊕ (optionally) a weighted sentence embedding.

    Both TF-IDF blocks use sublinear tf and are L2-normalised per block, so ``word_weight``
    and ``embedding_weight`` set each block's share of a row's norm.
    """

    def __init__(self, settings: FeatureSettings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self._word = TfidfVectorizer(
            ngram_range=settings.word_ngrams,
            sublinear_tf=True,
            token_pattern=_WORD,
            dtype=np.float32,
        )
        self._char = TfidfVectorizer(
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
