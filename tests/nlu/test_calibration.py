from __future__ import annotations

import numpy as np
import pytest

from confide.nlu.calibration import Calibration, choose_threshold, fit_calibration


def test_probabilities_leave_room_for_none_of_them() -> None:
    margins = np.array([[1.0, -1.0], [-1.0, -1.0]])

    probabilities = Calibration(temperature=1.0, none_margin=0.0).probabilities(margins)

    e = np.e
    assert probabilities[0] == pytest.approx([e / (1 + e + 1 / e), (1 / e) / (1 + e + 1 / e)])
    assert probabilities[1] == pytest.approx([(1 / e) / (1 + 2 / e)] * 2)
    assert (probabilities.sum(axis=1) < 1).all()


def test_calibration_does_not_collapse_when_every_heldout_answer_is_right() -> None:
    margins = np.array([[1.0, -1.0], [-1.0, 1.0]] * 5)
    targets = np.array([0, 1] * 5)

    calibration = fit_calibration(margins, targets)

    top = calibration.probabilities(margins).max(axis=1)
    assert calibration.temperature > 0.05
    assert top == pytest.approx(np.full(10, 1 - 1 / 12), abs=0.02)


def test_calibration_matches_confidence_to_heldout_accuracy() -> None:
    # Same margins, right 3 times out of 4: the top probability should be about 0.75.
    margins = np.array([[1.0, -1.0]] * 400)
    targets = np.array([0, 0, 0, 1] * 100)

    calibration = fit_calibration(margins, targets)

    probabilities = calibration.probabilities(margins)[0]
    assert probabilities == pytest.approx([0.75, 0.25], abs=0.01)


def test_oos_rows_teach_the_none_outcome() -> None:
    margins = np.array([[1.0, -1.0], [-1.0, 1.0]] * 20)
    targets = np.array([0, 1] * 20)
    oos = np.array([[-0.8, -0.9]] * 40)

    calibration = fit_calibration(margins, targets, oos)

    assert calibration.probabilities(oos).max() < 0.1
    assert calibration.probabilities(margins).max(axis=1).min() > 0.9


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
