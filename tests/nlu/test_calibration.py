from __future__ import annotations

import numpy as np
import pytest

from confide.nlu.calibration import choose_threshold, fit_temperature, intent_probabilities


def test_intent_probabilities_leave_room_for_none_of_them() -> None:
    margins = np.array([[1.0, -1.0], [-1.0, -1.0]])

    probabilities = intent_probabilities(margins, temperature=1.0)

    e = np.e
    assert probabilities[0] == pytest.approx([e / (1 + e + 1 / e), (1 / e) / (1 + e + 1 / e)])
    assert probabilities[1] == pytest.approx([(1 / e) / (1 + 2 / e)] * 2)
    assert (probabilities.sum(axis=1) < 1).all()


def test_fit_temperature_does_not_collapse_when_every_heldout_answer_is_right() -> None:
    margins = np.array([[1.0, -1.0], [-1.0, 1.0]] * 5)
    targets = np.array([0, 1] * 5)

    temperature = fit_temperature(margins, targets)

    top = intent_probabilities(margins, temperature).max(axis=1)
    assert 0.2 < temperature < 1.0
    assert top == pytest.approx(np.full(10, 1 - 1 / 12), abs=0.02)


def test_threshold_without_oos_is_the_documented_quantile() -> None:
    confidence = np.linspace(0.01, 1.0, 100)
    correct = np.ones(100, dtype=bool)

    threshold = choose_threshold(confidence, correct, np.zeros(0), max_inscope_rejection=0.05)

    assert threshold == pytest.approx(0.05)
    assert np.mean(confidence < threshold) == pytest.approx(0.04)


def test_threshold_with_oos_is_the_middle_of_the_best_gap() -> None:
    confidence = np.array([0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, True, True])
    oos = np.array([0.2, 0.3, 0.4])

    assert choose_threshold(confidence, correct, oos, max_inscope_rejection=0.02) == 0.5


def test_threshold_with_oos_gives_up_a_right_answer_when_that_catches_more_oos() -> None:
    # Balanced score (in-scope accuracy + oos recall) / 2 for "reject below t":
    #   t in (0.45, 0.5]: (3/4 + 2/3) / 2 = 0.708;  t in (0.6, 0.8]: (2/4 + 3/3) / 2 = 0.75.
    confidence = np.array([0.9, 0.8, 0.5, 0.3])
    correct = np.array([True, True, True, False])
    oos = np.array([0.35, 0.45, 0.6])

    threshold = choose_threshold(confidence, correct, oos, max_inscope_rejection=0.02)

    assert threshold == pytest.approx(0.7)
