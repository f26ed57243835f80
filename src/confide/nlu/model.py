"""Intent models: prediction with calibrated confidence, and persistence.

Model files are joblib pickles: treat them as trusted local artefacts, like code, and never
load one from an untrusted source. They carry a format ``version`` in their metadata; a file
of another version is refused with :class:`IntentModelError`.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from numpy.typing import NDArray

from confide.nlu.calibration import Calibration
from confide.nlu.embedders import Embedder, FineTunableEmbedder, SentenceEmbedder
from confide.nlu.features import Featurizer

__all__ = ["FORMAT_VERSION", "IntentModel", "IntentModelError", "IntentPrediction", "LinearScorer"]

FORMAT_VERSION = 1
_FORMAT_NAME = "confide-intent-model"
_RANKING_SIZE = 5


class IntentModelError(ValueError):
    """A model file that cannot be loaded (not a Confide intent model, or a newer format)."""


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    """The intent of one message, or ``None`` when it is rejected as out of scope."""

    intent: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    """Up to five ``(intent, probability)`` pairs, most probable first."""
    out_of_scope: bool


@dataclass(slots=True)
class LinearScorer:
    """A fitted linear classifier over :class:`Featurizer` vectors."""

    featurizer: Featurizer
    coef: NDArray[np.float32]
    intercept: NDArray[np.float32]

    def margins(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """One row of class margins per text (higher means more likely)."""
        features = self.featurizer.transform(texts)
        return np.asarray(features @ self.coef.T, dtype=np.float64) + self.intercept

    def probabilities(self, texts: Sequence[str], calibration: Calibration) -> NDArray[np.float64]:
        """Calibrated intent probabilities (see :class:`Calibration`)."""
        return calibration.probabilities(self.margins(texts))


class IntentModel:
    """A trained intent classifier with calibrated confidence and out-of-scope rejection.

    Build one with :func:`train_intent_model` or :meth:`load`.
    """

    def __init__(
        self,
        scorer: LinearScorer,
        intents: tuple[str, ...],
        *,
        calibration: Calibration,
        threshold: float,
        metadata: dict[str, Any],
        embedder_state: dict[str, NDArray[Any]] | None = None,
    ) -> None:
        self._scorer = scorer
        self._intents = intents
        self._calibration = calibration
        self._threshold = threshold
        self._metadata = metadata
        self._embedder_state = embedder_state

    def __repr__(self) -> str:
        return (
            f"IntentModel(engine={self.engine!r}, intents={len(self._intents)}, "
            f"threshold={self._threshold:.3f})"
        )

    @property
    def intents(self) -> tuple[str, ...]:
        """The intent labels the model can predict, sorted."""
        return self._intents

    @property
    def engine(self) -> str:
        return str(self._metadata["engine"])

    @property
    def embedder(self) -> Embedder | None:
        """The sentence embedder of a semantic model (None for lexical), for reuse elsewhere."""
        return self._scorer.featurizer.embedder

    @property
    def threshold(self) -> float:
        """Messages whose top probability is below this are rejected as out of scope."""
        return self._threshold

    @property
    def calibration(self) -> Calibration:
        """How margins become probabilities: temperature and "none" margin."""
        return self._calibration

    @property
    def metadata(self) -> dict[str, Any]:
        """engine, n_train, n_oos, threshold, temperature, heldout metrics, created_at, version…"""
        return copy.deepcopy(self._metadata)

    def predict(self, text: str) -> IntentPrediction:
        """The intent of one message."""
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[IntentPrediction]:
        """The intents of several messages (faster than one call each)."""
        if not texts:
            return []
        probabilities = self._scorer.probabilities(texts, self._calibration)
        return [self._prediction(row) for row in probabilities]

    def _prediction(self, probabilities: NDArray[np.float64]) -> IntentPrediction:
        order = np.argsort(-probabilities, kind="stable")[:_RANKING_SIZE]
        ranking = tuple((self._intents[i], float(probabilities[i])) for i in order)
        top_intent, confidence = ranking[0]
        rejected = confidence < self._threshold
        return IntentPrediction(
            intent=None if rejected else top_intent,
            confidence=confidence,
            ranking=ranking,
            out_of_scope=rejected,
        )

    def save(self, path: str | Path) -> None:
        """Write the model to ``path`` (atomically: a crash leaves the old file intact)."""
        path = Path(path)
        payload = {
            "format": _FORMAT_NAME,
            "version": FORMAT_VERSION,
            "intents": self._intents,
            "featurizer": self._scorer.featurizer,
            "coef": self._scorer.coef,
            "intercept": self._scorer.intercept,
            "temperature": self._calibration.temperature,
            "none_margin": self._calibration.none_margin,
            "threshold": self._threshold,
            "metadata": self._metadata,
            "embedder_state": self._embedder_state,
        }
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.close(descriptor)
        try:
            joblib.dump(payload, temporary, compress=3)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path, *, embedder: Embedder | None = None) -> IntentModel:
        """Read a model written by :meth:`save`. Only load files you trust (they are pickles).

        A semantic model needs an embedder equal to the one it was trained with; ``None``
        means the packaged all-MiniLM-L6-v2. Fine-tuned weights saved with the model are
        loaded into it.
        """
        payload = _read_payload(Path(path))
        featurizer: Featurizer = payload["featurizer"]
        embedder_state = payload["embedder_state"]
        if payload["metadata"]["engine"] == "semantic":
            featurizer.embedder = _embedder_for_load(embedder, embedder_state)
        scorer = LinearScorer(featurizer, payload["coef"], payload["intercept"])
        return cls(
            scorer,
            tuple(payload["intents"]),
            calibration=Calibration(
                temperature=float(payload["temperature"]),
                none_margin=float(payload["none_margin"]),
            ),
            threshold=float(payload["threshold"]),
            metadata=payload["metadata"],
            embedder_state=embedder_state,
        )


def _read_payload(path: Path) -> dict[str, Any]:
    try:
        payload = joblib.load(path)
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise IntentModelError(f"{path}: not a readable intent model ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT_NAME:
        raise IntentModelError(f"{path}: not a Confide intent model")
    if payload.get("version") != FORMAT_VERSION:
        raise IntentModelError(
            f"{path}: model format version {payload.get('version')} is not supported "
            f"(this library reads version {FORMAT_VERSION}); retrain the model"
        )
    return payload


def _embedder_for_load(
    embedder: Embedder | None, state: dict[str, NDArray[Any]] | None
) -> Embedder:
    embedder = embedder if embedder is not None else SentenceEmbedder()
    if state is not None:
        if not isinstance(embedder, FineTunableEmbedder):
            raise IntentModelError(
                "this semantic model carries fine-tuned embedder weights; "
                "pass an embedder that can load them (a FineTunableEmbedder)"
            )
        embedder.set_state(state)
    return embedder
