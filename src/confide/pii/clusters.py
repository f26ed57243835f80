"""Word clusters for the CRF tagger: a word's class at a few granularities, like Brown clusters.

The training script (``scripts/train_pii_ner.py``) embeds a vocabulary of words with a small
sentence encoder and groups the vectors by k-means, finest first; each coarser level groups the
finer level's centroids, so the levels nest. The table it writes beside the model
(``ner.clusters.json``) maps a lower-cased word to its finest cluster and each fine cluster to
its coarser ones. At run time a word costs one dict lookup; no encoder is needed.

Lower-cased lookup gives "john" in a tweet the same class as "John".
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["WordClusters", "clusters_path", "load_clusters"]


class WordClusters:
    """Cluster features of a word: ``cl<k>=<id>`` for each granularity ``k``."""

    def __init__(self, words: Mapping[str, int], levels: Mapping[int, Sequence[int]]) -> None:
        """``words`` maps a lower-cased word to its finest cluster; ``levels`` maps each
        granularity to the cluster, at that granularity, of every finest cluster."""
        self.words = dict(words)
        self.levels = {size: list(ids) for size, ids in levels.items()}
        self.sizes = tuple(sorted(levels, reverse=True))
        prefixes = [f"cl{size}=" for size in self.sizes]
        fine_count = len(next(iter(levels.values()))) if levels else 0
        # Each finest cluster's feature names, built once.
        self._names: list[tuple[str, ...]] = [
            tuple(
                prefix + str(levels[size][fine])
                for prefix, size in zip(prefixes, self.sizes, strict=True)
            )
            for fine in range(fine_count)
        ]

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> WordClusters:
        levels = raw["levels"]
        words = raw["words"]
        if not isinstance(levels, dict) or not isinstance(words, dict):
            raise ValueError("cluster table needs 'levels' and 'words' objects")
        return cls(words, {int(size): list(ids) for size, ids in levels.items()})

    def features(self, word: str) -> tuple[str, ...]:
        """The word's cluster at each granularity, coarsest last; () for an unknown word."""
        fine = self.words.get(word.lower())
        return () if fine is None else self._names[fine]

    def to_json(self) -> dict[str, object]:
        levels = {str(size): self.levels[size] for size in self.sizes}
        return {"levels": levels, "words": dict(sorted(self.words.items()))}


def clusters_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".clusters.json")


@functools.lru_cache(maxsize=4)
def _load(path: Path, stamp: int) -> WordClusters:
    return WordClusters.from_json(json.loads(path.read_text(encoding="utf-8")))


def load_clusters(path: Path) -> WordClusters | None:
    """The cluster table at ``path``, read once per process (None when there is none)."""
    if not path.is_file():
        return None
    return _load(path.resolve(), path.stat().st_mtime_ns)
