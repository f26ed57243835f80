"""Turning classifier scores into calibrated probabilities and choosing the rejection threshold."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar

__all__ = ["choose_threshold", "fit_temperature", "intent_probabilities", "softmax"]

FloatArray = NDArray[np.float64]


def softmax(scores: FloatArray, temperature: float = 1.0) -> FloatArray:
    """Row-wise softmax of ``scores / temperature``."""
    scaled = scores / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result


def intent_probabilities(margins: FloatArray, temperature: float) -> FloatArray:
    """Probabilities of each intent, from one-vs-rest margins; a row sums to less than 1.

    The softmax runs over the intents plus a "none of them" outcome whose margin is 0, the
    decision boundary of every one-vs-rest classifier. A message no intent claims (all
    margins negative) thus gets low probabilities everywhere instead of a confident guess.
    """
    with_none = np.hstack([np.zeros((margins.shape[0], 1)), margins])
    return softmax(with_none, temperature)[:, 1:]


def fit_temperature(margins: FloatArray, targets: NDArray[np.int64]) -> float:
    """Temperature minimising the held-out cross-entropy of :func:`intent_probabilities`.

    One scalar keeps the ranking intact (accuracy does not move) while making the top
    probability mean what it says (temperature scaling, Guo et al. 2017). The targets are
    smoothed as in Platt scaling: the true intent gets ``1 - 1/(n+2)`` and "none" the rest,
    so a small held-out set that the model gets all right does not drive the temperature
    to zero and every probability to exactly 1.
    """
    rows = np.arange(len(targets))
    smoothing = 1.0 / (len(targets) + 2)

    def loss(log_t: float) -> float:
        with_none = np.hstack([np.zeros((margins.shape[0], 1)), margins])
        log_probs = _log_softmax(with_none / np.exp(log_t))
        true = log_probs[rows, targets + 1]
        return float(-np.mean((1 - smoothing) * true + smoothing * log_probs[:, 0]))

    result = minimize_scalar(loss, bounds=(np.log(1e-3), np.log(1e2)), method="bounded")
    return float(np.exp(result.x))


def _log_softmax(scores: FloatArray) -> FloatArray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    result: FloatArray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return result


def choose_threshold(
    confidence: FloatArray,
    correct: NDArray[np.bool_],
    oos_confidence: FloatArray,
    max_inscope_rejection: float,
) -> float:
    """Rejection threshold: a message is out of scope when its top probability is below it.

    With out-of-scope examples, the threshold maximises the mean of in-scope accuracy (a
    rejected in-scope message counts as wrong) and out-of-scope recall. The best thresholds
    form intervals between observed confidences; the middle of the lowest one is taken, the
    widest margin on both sides. Without out-of-scope examples it is the
    ``max_inscope_rejection`` quantile of the in-scope confidences.
    """
    if oos_confidence.size == 0:
        return float(np.quantile(confidence, max_inscope_rejection, method="lower"))
    candidates = np.unique(np.concatenate([[0.0], confidence, oos_confidence, [1.0]]))
    scores = np.array([_balanced_score(t, confidence, correct, oos_confidence) for t in candidates])
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    first = int(best[0])
    if first == 0:
        return 0.0
    last = first
    while last + 1 < len(candidates) and last + 1 in best:
        last += 1
    return float((candidates[first - 1] + candidates[last]) / 2)


def _balanced_score(
    threshold: float, confidence: FloatArray, correct: NDArray[np.bool_], oos: FloatArray
) -> float:
    in_scope_accuracy = float(np.mean(correct & (confidence >= threshold)))
    oos_recall = float(np.mean(oos < threshold))
    return (in_scope_accuracy + oos_recall) / 2
