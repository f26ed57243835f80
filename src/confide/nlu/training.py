"""Training intent models, with calibrated confidence and out-of-scope rejection.

Engines:
    ``lexical`` (default): word 1-2-gram and char_wb 1-5-gram TF-IDF (sublinear tf) and a
    linear SVM (scikit-learn ``LinearSVC``). No torch; well under a millisecond a message.
    ``semantic``: the same features plus a frozen sentence embedding from an
    :class:`Embedder`, by default all-MiniLM-L6-v2. Needs ``confide[semantic]``. With
    ``TrainOptions(fine_tune=True)`` and a :class:`FineTunableEmbedder`, the embedder is
    first fine-tuned on the fitting part; on BANKING77 that took 3.5x longer for no gain in
    validation accuracy, so it is off by default.

The rule for calibration and rejection:
    1. In-scope examples are split, stratified by intent and seeded by
       ``TrainOptions.seed``, into a fitting part and a held-out part
       (``holdout_fraction``, default 20 %, at least one example per intent). Rows labelled
       ``oos`` are never a class and never fitted on; all of them are held out.
    2. The classifier is fit on the fitting part. Its margins on the held-out part become
       probabilities through a softmax over the intents and a "none of them" outcome, with
       a temperature and a "none" margin chosen to minimise the held-out negative
       log-likelihood (temperature scaling; held-out ``oos`` rows have "none" as target).
       The top probability is then calibrated, two close probabilities mean "unsure
       between these two", and the ranking sums to less than 1.
    3. The threshold on the top probability is chosen on the held-out part. With ``oos``
       examples, it maximises ``(in-scope accuracy + oos recall) / 2``, a rejected in-scope
       message counting as wrong; of the best interval of thresholds, the lowest one, it
       takes the middle. Without them, it is the
       ``max_inscope_rejection`` quantile (default 2 %) of the held-out in-scope
       confidences, so at most about that share of in-scope messages is rejected.
    4. The classifier is refit on all in-scope examples; the calibration and threshold are
       kept. A fine-tuned embedder is adapted on the fitting part only (adapting it twice
       would double the training time) and used as it is for the refit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sklearn
from numpy.typing import NDArray
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from confide.nlu.calibration import Calibration, choose_threshold, fit_calibration
from confide.nlu.data import OOS_LABEL, IntentDataError, LabelledText
from confide.nlu.embedders import Embedder, FineTunableEmbedder, SentenceEmbedder
from confide.nlu.features import FeatureSettings, Featurizer
from confide.nlu.model import FORMAT_VERSION, IntentModel, LinearScorer

__all__ = ["ENGINES", "TrainOptions", "train_intent_model"]

ENGINES = ("lexical", "semantic")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TrainOptions:
    """Training settings; the defaults are the ones benchmarked on BANKING77."""

    seed: int = 0
    holdout_fraction: float = 0.2
    max_inscope_rejection: float = 0.02
    regularisation: float = 1.0
    """``C`` of the linear SVM."""
    features: FeatureSettings = field(default_factory=FeatureSettings)
    fine_tune: bool = False
    """Semantic engine: fine-tune the embedder first, if it is a ``FineTunableEmbedder``."""
    clock: Callable[[], datetime] = _utc_now


def train_intent_model(
    examples: Sequence[LabelledText],
    *,
    engine: str = "lexical",
    options: TrainOptions | None = None,
    embedder: Embedder | None = None,
) -> IntentModel:
    """Train an intent model; rows labelled ``oos`` only tune the rejection threshold.

    The semantic engine uses ``embedder`` (default: the packaged all-MiniLM-L6-v2) and, when
    ``options.fine_tune`` is set and it is a ``FineTunableEmbedder``, fine-tunes it in place.

    Raises:
        IntentDataError: fewer than two intents, an intent with one example, an empty text.
        ValueError: an unknown engine, or an embedder given to the lexical engine.
        SemanticEngineUnavailable: the semantic extra is missing.
    """
    options = options or TrainOptions()
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "lexical" and embedder is not None:
        raise ValueError("the lexical engine takes no embedder; use engine='semantic'")
    if engine == "semantic" and embedder is None:
        embedder = SentenceEmbedder()
    data = _TrainingData.from_examples(examples)
    return _Trainer(options, embedder).train(engine, data)


@dataclass(frozen=True, slots=True)
class _TrainingData:
    texts: list[str]
    targets: NDArray[np.int64]
    intents: tuple[str, ...]
    oos_texts: list[str]

    @classmethod
    def from_examples(cls, examples: Sequence[LabelledText]) -> _TrainingData:
        for number, example in enumerate(examples, start=1):
            if not example.text.strip():
                raise IntentDataError(f"example {number}: empty text")
        in_scope = [example for example in examples if example.intent != OOS_LABEL]
        counts = Counter(example.intent for example in in_scope)
        if len(counts) < 2:
            raise IntentDataError(
                f"need at least 2 intents besides {OOS_LABEL!r}, got {len(counts)}"
            )
        too_few = sorted(intent for intent, count in counts.items() if count < 2)
        if too_few:
            raise IntentDataError(
                f"each intent needs 2 examples or more; 1 for: {', '.join(too_few)}"
            )
        intents = tuple(sorted(counts))
        index = {intent: number for number, intent in enumerate(intents)}
        return cls(
            texts=[example.text for example in in_scope],
            targets=np.array([index[example.intent] for example in in_scope], dtype=np.int64),
            intents=intents,
            oos_texts=[example.text for example in examples if example.intent == OOS_LABEL],
        )


class _CachingEmbedder:
    """Remembers embeddings during training, where each text is embedded several times."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self._cache: dict[str, NDArray[np.float32]] = {}

    @property
    def name(self) -> str:
        return self._inner.name

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        missing = list(dict.fromkeys(text for text in texts if text not in self._cache))
        if missing:
            self._cache.update(zip(missing, self._inner.encode(missing), strict=True))
        return np.stack([self._cache[text] for text in texts])


class _Trainer:
    def __init__(self, options: TrainOptions, embedder: Embedder | None) -> None:
        self._options = options
        self._embedder = embedder

    def train(self, engine: str, data: _TrainingData) -> IntentModel:
        fit, held = self._split(data.targets)
        embedder_state = self._fine_tune([data.texts[i] for i in fit], data.targets[fit])
        cached = _CachingEmbedder(self._embedder) if self._embedder is not None else None
        scorer = self._fit([data.texts[i] for i in fit], data.targets[fit], cached)
        margins = scorer.margins([data.texts[i] for i in held])
        oos_margins = scorer.margins(data.oos_texts) if data.oos_texts else None
        calibration = fit_calibration(margins, data.targets[held], oos_margins)
        heldout = _HeldOut.measure(calibration, margins, oos_margins, data.targets[held])
        threshold = choose_threshold(
            heldout.confidence,
            heldout.correct,
            heldout.oos_confidence,
            self._options.max_inscope_rejection,
        )
        final = self._fit(data.texts, data.targets, cached)
        final.featurizer.embedder = self._embedder
        metadata = self._metadata(engine, data, calibration, threshold, heldout)
        return IntentModel(
            final,
            data.intents,
            calibration=calibration,
            threshold=threshold,
            metadata=metadata,
            embedder_state=embedder_state,
        )

    def _split(self, targets: NDArray[np.int64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        n_intents = int(targets.max()) + 1
        n_held = max(math.ceil(self._options.holdout_fraction * len(targets)), n_intents)
        if len(targets) - n_held < n_intents:
            raise IntentDataError("too few examples to hold some out for calibration")
        fit, held = train_test_split(
            np.arange(len(targets)),
            test_size=n_held,
            stratify=targets,
            random_state=self._options.seed,
        )
        return np.sort(fit), np.sort(held)

    def _fine_tune(
        self, texts: list[str], targets: NDArray[np.int64]
    ) -> dict[str, NDArray[Any]] | None:
        embedder = self._embedder
        if not (self._options.fine_tune and isinstance(embedder, FineTunableEmbedder)):
            return None
        embedder.fine_tune(texts, targets.tolist(), seed=self._options.seed)
        return embedder.get_state()

    def _fit(
        self, texts: list[str], targets: NDArray[np.int64], embedder: Embedder | None
    ) -> LinearScorer:
        featurizer = Featurizer(self._options.features, embedder)
        features = featurizer.fit_transform(texts)
        svm = LinearSVC(C=self._options.regularisation, random_state=self._options.seed)
        svm.fit(features, targets)
        coef = np.asarray(svm.coef_, dtype=np.float32)
        intercept = np.asarray(svm.intercept_, dtype=np.float32)
        if coef.shape[0] == 1:
            # Two intents: scikit-learn keeps one margin; make it one per intent.
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
        return LinearScorer(featurizer, coef, intercept)

    def _metadata(
        self,
        engine: str,
        data: _TrainingData,
        calibration: Calibration,
        threshold: float,
        heldout: _HeldOut,
    ) -> dict[str, Any]:
        options = asdict(self._options)
        options.pop("clock")
        return {
            "engine": engine,
            "version": FORMAT_VERSION,
            "created_at": self._options.clock().isoformat(),
            "n_train": len(data.texts),
            "n_oos": len(data.oos_texts),
            "n_intents": len(data.intents),
            "threshold": threshold,
            "temperature": calibration.temperature,
            "none_margin": calibration.none_margin,
            "heldout": heldout.metrics(threshold),
            "options": options,
            "embedder": self._embedder.name if self._embedder is not None else None,
            "scikit_learn_version": sklearn.__version__,
        }


@dataclass(frozen=True, slots=True)
class _HeldOut:
    """Top probabilities on the held-out part, and whether the top intent was right."""

    confidence: NDArray[np.float64]
    correct: NDArray[np.bool_]
    oos_confidence: NDArray[np.float64]

    @classmethod
    def measure(
        cls,
        calibration: Calibration,
        margins: NDArray[np.float64],
        oos_margins: NDArray[np.float64] | None,
        targets: NDArray[np.int64],
    ) -> _HeldOut:
        probabilities = calibration.probabilities(margins)
        oos_confidence = (
            calibration.probabilities(oos_margins).max(axis=1)
            if oos_margins is not None
            else np.zeros(0)
        )
        return cls(
            confidence=probabilities.max(axis=1),
            correct=probabilities.argmax(axis=1) == targets,
            oos_confidence=oos_confidence,
        )

    def metrics(self, threshold: float) -> dict[str, Any]:
        accepted = self.confidence >= threshold
        oos_recall = (
            float(np.mean(self.oos_confidence < threshold)) if self.oos_confidence.size else None
        )
        return {
            "n": int(self.confidence.size),
            "n_oos": int(self.oos_confidence.size),
            "accuracy": float(np.mean(self.correct)),
            "in_scope_accuracy_with_rejection": float(np.mean(self.correct & accepted)),
            "in_scope_rejection_rate": float(np.mean(~accepted)),
            "oos_recall": oos_recall,
        }
