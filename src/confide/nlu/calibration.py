"""Turning classifier scores into calibrated probabilities and choosing the rejection threshold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

__all__ = ["Calibration", "choose_threshold", "fit_calibration", "softmax"]

FloatArray = NDArray[np.float64]


def softmax(scores: FloatArray, temperature: float = 1.0) -> FloatArray:
    """Row-wise softmax of ``scores / temperature``."""
    scaled = scores / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result


@dataclass(frozen=True, slots=True)
class Calibration:
    """Maps one-vs-rest margins to intent probabilities; a row sums to less than 1.

    The softmax, at ``temperature``, runs over the intents plus a "none of them" outcome
    with margin ``none_margin``. A message no intent claims well (all margins low) thus
    gets low probabilities everywhere instead of a confident guess, and the remainder of a
    row is the probability that the message is out of scope.
    """

    temperature: float = 1.0
    none_margin: float = 0.0

    def probabilities(self, margins: FloatArray) -> FloatArray:
        return softmax(_with_none(margins, self.none_margin), self.temperature)[:, 1:]


def fit_calibration(
    margins: FloatArray, targets: NDArray[np.int64], oos_margins: FloatArray | None = None
) -> Calibration:
    """Temperature and "none" margin minimising the held-out cross-entropy.

    Two scalars keep the ranking intact (accuracy does not move) while making the top
    probability mean what it says (temperature scaling, Guo et al. 2017, plus a bias for
    "none"). Out-of-scope rows, if any, have "none" as their target. The in-scope targets
    are smoothed as in Platt scaling (the true intent gets ``1 - 1/(n+2)``, "none" the
    rest), so a small held-out set that the model gets all right does not drive the
    temperature to zero and every probability to exactly 1.
    """
    rows = np.arange(len(targets))
    smoothing = 1.0 / (len(targets) + 2)
    oos = oos_margins if oos_margins is not None else np.zeros((0, margins.shape[1]))

    def loss(parameters: FloatArray) -> float:
        temperature, none_margin = float(np.exp(parameters[0])), float(parameters[1])
        log_probs = _log_softmax(_with_none(margins, none_margin) / temperature)
        in_scope = (1 - smoothing) * log_probs[rows, targets + 1] + smoothing * log_probs[:, 0]
        out_of_scope = _log_softmax(_with_none(oos, none_margin) / temperature)[:, 0]
        return float(-np.concatenate([in_scope, out_of_scope]).mean())

    result = minimize(
        loss,
        x0=np.array([np.log(0.2), 0.0]),
        method="L-BFGS-B",
        bounds=[(np.log(1e-3), np.log(1e2)), (-10.0, 10.0)],
    )
    return Calibration(temperature=float(np.exp(result.x[0])), none_margin=float(result.x[1]))


def _with_none(margins: FloatArray, none_margin: float) -> FloatArray:
    return np.hstack([np.full((margins.shape[0], 1), none_margin), margins])


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
