"""Hybrid retrieval for the semantic extra: BM25 and dense (embedding) rankings of articles,
fused by reciprocal rank.

BM25 finds the exact words (an error code, a product name); embeddings find the same
question in other words. Reciprocal-rank fusion needs no score calibration between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from confide.knowledge.articles import Article
from confide.knowledge.retrieval import KnowledgeIndex, Passage, chunk_article

__all__ = ["HybridKnowledge", "TextEncoder"]


class TextEncoder(Protocol):
    """Anything that embeds texts as L2-normalised rows (the NLU's sentence embedders do)."""

    def encode(self, texts: Sequence[str]) -> NDArray[Any]: ...


class HybridKnowledge:
    """Search over a `KnowledgeIndex` plus dense similarity from `encoder`.

    Each article is represented by its profile (title and example questions) and its
    passages; its dense score is the best cosine similarity among them.
    """

    def __init__(
        self,
        index: KnowledgeIndex,
        encoder: TextEncoder,
        *,
        rrf_k: int = 60,
        min_similarity: float = 0.3,
    ) -> None:
        self.index = index
        self._encoder = encoder
        self._rrf_k = rrf_k
        self._min_similarity = min_similarity
        # Row i embeds _texts[i], belongs to article _owners[i], and shows _passages[i].
        self._owners: list[int] = []
        self._texts: list[str] = []
        self._passages: list[str] = []
        for position, article in enumerate(index.articles):
            chunks = chunk_article(article)
            profile = " ".join((article.title, *article.questions))
            for text, shown in (
                (profile, chunks[0] if chunks else profile),
                *zip(chunks, chunks, strict=True),
            ):
                self._owners.append(position)
                self._texts.append(text)
                self._passages.append(shown)
        self._matrix = (
            np.asarray(encoder.encode(self._texts), dtype=np.float32)
            if self._texts
            else np.zeros((0, 1), dtype=np.float32)
        )

    def __len__(self) -> int:
        return len(self.index)

    def article(self, article_id: str) -> Article | None:
        return self.index.article(article_id)

    def dense_search(self, query: str, k: int) -> list[Passage]:
        """Articles by their best cosine similarity to the query, at least `min_similarity`."""
        if not self._texts or k < 1:
            return []
        query_vector = np.asarray(self._encoder.encode([query]), dtype=np.float32)[0]
        similarities = self._matrix @ query_vector
        best: dict[int, tuple[float, int]] = {}
        for row, (owner, similarity) in enumerate(zip(self._owners, similarities, strict=True)):
            if similarity >= self._min_similarity and similarity > best.get(owner, (-2.0, 0))[0]:
                best[owner] = (float(similarity), row)
        ranked = sorted(best.items(), key=lambda item: -item[1][0])[:k]
        articles = self.index.articles
        return [
            Passage(articles[owner].id, articles[owner].title, self._passages[row], similarity)
            for owner, (similarity, row) in ranked
        ]

    def search(self, query: str, k: int = 3) -> list[Passage]:
        """The best `k` articles by fused rank, each with its best passage, best first."""
        depth = max(k, 20)
        lexical = self.index.search(query, k=depth)
        dense = self.dense_search(query, depth)
        fused: dict[str, float] = {}
        passage: dict[str, Passage] = {}
        for ranking in (lexical, dense):
            for rank, hit in enumerate(ranking, 1):
                fused[hit.article_id] = fused.get(hit.article_id, 0.0) + 1 / (self._rrf_k + rank)
                passage.setdefault(hit.article_id, hit)
        order = sorted(fused, key=lambda article_id: -fused[article_id])[:k]
        return [Passage(a, passage[a].title, passage[a].text, round(fused[a], 6)) for a in order]
