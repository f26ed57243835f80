"""The C chain decoder (confide.pii._crf.decode) against ChainDecoder's numpy and hmmlearn
path (fictional PII only)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from confide.pii.ner import ChainDecoder, CrfRecognizer, _model_resources, tokenize
from tests.pii._crf_build import BUILT, crf_built  # noqa: F401 (the fixture skips)

decode = BUILT.decode if BUILT is not None else None


TOLERANCE = 1e-9


def reference(
    labels: list[str], transitions: Any, priors: dict[str, float] | None, scores: Any
) -> tuple[list[int], list[float]]:
    """ChainDecoder's pure-Python answer, as label indices."""
    decoder = ChainDecoder(labels, transitions, priors, accelerated=False)
    names, probs = decoder(scores)
    return [labels.index(name) for name in names], probs


def prior_vector(labels: list[str], priors: dict[str, float] | None) -> Any:
    if not priors:
        return None
    return np.array([priors.get(label, 0.0) for label in labels])


def random_case(
    rng: np.random.Generator, scale: float, huge_rows: bool
) -> tuple[list[str], Any, dict[str, float] | None, Any]:
    k = int(rng.integers(2, 14))
    n = int(rng.integers(1, 61))
    labels = [f"L{i}" for i in range(k)]
    if rng.random() < 0.8:
        labels[int(rng.integers(k))] = "O"
    transitions = rng.normal(0.0, 3.0, (k, k))
    scores = rng.uniform(-scale, scale, (n, k))
    if huge_rows:
        rows = rng.random(n) < 0.3
        scores[rows] = rng.choice([-700.0, 700.0], (int(rows.sum()), k)) + rng.normal(
            0.0, 5.0, (int(rows.sum()), k)
        )
    priors = None
    if rng.random() < 0.5:
        chosen = rng.choice(labels, int(rng.integers(1, k + 1)), replace=False)
        priors = {str(label): float(rng.normal(0.0, 2.0)) for label in chosen}
    return labels, transitions, priors, scores


@pytest.mark.parametrize(
    ("seed", "scale", "huge_rows"),
    [(1, 1.0, False), (2, 30.0, False), (3, 30.0, True), (4, 5.0, True)],
)
def test_random_lattices_decode_as_the_numpy_path(seed: int, scale: float, huge_rows: bool) -> None:
    rng = np.random.default_rng(seed)
    entity_probs = 0
    for _ in range(100):
        labels, transitions, priors, scores = random_case(rng, scale, huge_rows)
        before = scores.copy()
        outside = labels.index("O") if "O" in labels else -1
        path, probs = decode(scores, transitions, prior_vector(labels, priors), outside)
        want_path, want_probs = reference(labels, transitions, priors, scores)
        assert path == want_path
        assert probs == pytest.approx(want_probs, rel=0, abs=TOLERANCE)
        assert all(math.isfinite(p) and 0.0 <= p <= 1.0 + TOLERANCE for p in probs)
        assert np.array_equal(scores, before)  # the caller's scores are not changed
        entity_probs += sum(p > 0.0 for p in probs)
    assert entity_probs > 500  # the cases do reach the forward-backward pass


def brute_force(scores: Any, transitions: Any) -> tuple[list[int], list[list[float]]]:
    """The best path and every marginal, by enumerating every path."""
    n, k = scores.shape
    totals = {}
    for path in itertools.product(range(k), repeat=n):
        total = sum(scores[t, y] for t, y in enumerate(path))
        totals[path] = total + sum(transitions[a, b] for a, b in itertools.pairwise(path))
    best = max(totals, key=lambda p: totals[p])
    top = totals[best]
    weights = {p: math.exp(v - top) for p, v in totals.items()}
    z = sum(weights.values())
    marginals = [[0.0] * k for _ in range(n)]
    for p, w in weights.items():
        for t, y in enumerate(p):
            marginals[t][y] += w / z
    return list(best), marginals


@pytest.mark.parametrize(("n", "k"), [(1, 2), (2, 3), (3, 2), (4, 3), (5, 4)])
def test_small_lattices_match_enumerating_every_path(n: int, k: int) -> None:
    rng = np.random.default_rng(100 * n + k)
    for _ in range(20):
        scores = rng.normal(0.0, 2.0, (n, k))
        transitions = rng.normal(0.0, 2.0, (k, k))
        path, probs = decode(scores, transitions, None, -1)
        want_path, marginals = brute_force(scores, transitions)
        assert path == want_path
        assert probs == pytest.approx([marginals[t][y] for t, y in enumerate(path)], abs=1e-12)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # The last token takes the lowest of tied labels, every earlier token the highest of
        # tied predecessors (hmmlearn's viterbi).
        ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [2, 2, 0]),
        ([[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]], [2, 0]),
        ([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [1, 0]),
        ([[0.0, 0.0, 0.0], [0.0, 2.0, 2.0]], [2, 1]),
        ([[3.0, 0.0, 3.0], [1.0, 0.0, 1.0], [0.0, 5.0, 0.0]], [2, 2, 1]),
    ],
)
def test_ties_break_as_hmmlearn_breaks_them(scores: list[list[float]], expected: list[int]) -> None:
    labels = ["O", "B", "I"]
    transitions = np.zeros((3, 3))  # exp and log of 0 are exact: hmmlearn sees exact ties
    array = np.array(scores)
    path, _ = decode(array, transitions, None, 0)
    assert path == expected
    assert reference(labels, transitions, None, array)[0] == expected


SENTENCES = [
    "Hi, my name is Maria Jensen and I live in Copenhagen",
    "Please email maria.jensen@example.com or call 555-0142 before Friday",
    "Thanks,\nPeter Olsen\nOlsen Bakery, 12 Harbour Street, Aarhus",
    "my order has not arrived yet, can you check the tracking number",
    "Lars Nielsen from Example Logistics said the parcel left Odense on Monday",
    "Call me on +1 555 010 9999 or write to anna.berg@example.com, Anna Berg",
    "I moved from Berlin to 4 Elm Road in Oslo and my husband Tom Hansen will pick it up",
    "ok",
    "THIS IS JOHN SMITH AGAIN, STILL WAITING FOR MY REFUND",
]


@pytest.fixture(scope="module")
def recognizer() -> CrfRecognizer:
    return CrfRecognizer(accelerated=False)


@pytest.fixture(scope="module")
def model_transitions(recognizer: CrfRecognizer) -> Any:
    # The weights CrfRecognizer read from crfsuite (crf_weights; loaded once per process).
    path = recognizer.model_path.resolve()
    resources = _model_resources(path, path.stat().st_mtime_ns)
    assert resources.labels == list(recognizer.decoder.labels)
    return np.array(resources.transitions)


@pytest.mark.parametrize("text", SENTENCES)
def test_the_model_decodes_as_the_numpy_path(
    recognizer: CrfRecognizer, model_transitions: Any, text: str
) -> None:
    labels = list(recognizer.decoder.labels)
    tokens = tokenize(text)
    scores = np.ascontiguousarray(recognizer.encoder(tokens, text))
    path, probs = decode(scores, model_transitions, recognizer.decoder._prior, labels.index("O"))
    want_labels, want_probs = recognizer.decoder(scores)
    assert [labels[y] for y in path] == want_labels
    assert probs == pytest.approx(want_probs, rel=0, abs=TOLERANCE)
    assert len(path) == len(tokens)


def test_the_model_finds_the_name_in_a_sentence(
    recognizer: CrfRecognizer, model_transitions: Any
) -> None:
    labels = list(recognizer.decoder.labels)
    text = SENTENCES[0]
    tokens = tokenize(text)
    scores = np.ascontiguousarray(recognizer.encoder(tokens, text))
    path, probs = decode(scores, model_transitions, recognizer.decoder._prior, labels.index("O"))
    tagged = {tokens[t].text: labels[y] for t, y in enumerate(path)}
    assert (tagged["Maria"], tagged["Jensen"]) == ("B-PERSON", "I-PERSON")
    assert all(0.5 < probs[t] <= 1.0 for t, tok in enumerate(tokens) if tok.text == "Maria")


def test_an_all_outside_path_has_zero_probabilities() -> None:
    transitions = np.array([[0.0, -10.0], [-10.0, -1.0]])
    scores = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert decode(scores, transitions, None, 0) == ([0, 0, 0], [0.0, 0.0, 0.0])
    # The same path without an outside label: the marginals are computed.
    path, probs = decode(scores, transitions, None, -1)
    assert path == [0, 0, 0]
    assert all(0.5 < p < 1.0 for p in probs)


def test_a_prior_shifts_a_label_at_every_token() -> None:
    transitions = np.array([[0.0, -10.0], [-10.0, -1.0]])
    scores = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    path, probs = decode(scores, transitions, np.array([0.0, 11.0]), 0)
    assert path == [1, 1, 1]
    assert all(0.5 < p <= 1.0 for p in probs)
    assert decode(scores, transitions, np.zeros(2), 0) == decode(scores, transitions, None, 0)


def test_no_tokens_decode_to_empty_lists() -> None:
    assert decode(np.zeros((0, 3)), np.zeros((3, 3)), None, 0) == ([], [])
    assert decode(np.zeros((0, 3)), np.zeros((3, 3)), np.zeros(3), -1) == ([], [])


def test_one_token_takes_the_softmax_of_its_scores() -> None:
    path, probs = decode(np.array([[0.0, 2.0]]), np.array([[0.0, -10.0], [-10.0, -1.0]]), None, 0)
    assert path == [1]
    assert probs == [pytest.approx(1 / (1 + math.exp(-2.0)), abs=1e-15)]


def test_scores_far_apart_do_not_overflow() -> None:
    transitions = np.array([[0.0, -10.0], [-10.0, -1.0]])
    path, probs = decode(np.array([[0.0, 900.0], [900.0, 0.0]]), transitions, None, 0)
    assert path == [1, 0]
    assert probs == [1.0, 0.0]
    # Transition weights whose exponential overflows: shifted like the scores.
    path, probs = decode(np.array([[0.0, 1.0], [0.0, 1.0]]), transitions + 800.0, None, 0)
    assert path == [1, 1]
    assert 0.5 < probs[0] < 1.0


def test_a_lattice_that_rules_out_every_path_is_an_error() -> None:
    scores = np.array([[0.0, -math.inf], [-math.inf, 0.0]])
    transitions = np.array([[0.0, -math.inf], [-math.inf, 0.0]])
    with pytest.raises(ValueError, match="underflowed"):
        decode(scores, transitions, None, -1)


GOOD = np.zeros((2, 3))
SQUARE = np.zeros((3, 3))


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((GOOD, SQUARE, None), TypeError, "takes 4 arguments"),
        ((GOOD, SQUARE, None, 0, 0), TypeError, "takes 4 arguments"),
        ((GOOD.astype(np.float32), SQUARE, None, 0), TypeError, "scores must hold float64"),
        ((GOOD.astype(np.int64), SQUARE, None, 0), TypeError, "scores must hold float64"),
        ((GOOD.tolist(), SQUARE, None, 0), TypeError, "scores must be a float64 array"),
        ((GOOD, SQUARE.astype(np.float32), None, 0), TypeError, "transitions must hold float64"),
        ((np.zeros(3), SQUARE, None, 0), ValueError, "scores must have 2 dimensions"),
        ((np.zeros((2, 3, 1)), SQUARE, None, 0), ValueError, "scores must have 2 dimensions"),
        ((GOOD, np.zeros(9), None, 0), ValueError, "transitions must have 2 dimensions"),
        ((GOOD, np.zeros((2, 2)), None, 0), ValueError, r"transitions must have shape \(3, 3\)"),
        ((GOOD, np.zeros((3, 2)), None, 0), ValueError, r"transitions must have shape \(3, 3\)"),
        ((np.zeros((3, 2)).T, SQUARE, None, 0), ValueError, "scores must be C-contiguous"),
        ((GOOD, np.zeros((6, 3))[::2], None, 0), ValueError, "transitions must be C-contiguous"),
        ((GOOD, SQUARE, np.zeros(2), 0), ValueError, r"prior must have shape \(3,\)"),
        ((GOOD, SQUARE, np.zeros((1, 3)), 0), ValueError, "prior must have 1 dimension"),
        ((GOOD, SQUARE, [0.0, 0.0, 0.0], 0), TypeError, "prior must be a float64 array"),
        ((np.zeros((2, 0)), np.zeros((0, 0)), None, -1), ValueError, "at least one label"),
        ((GOOD, SQUARE, None, 0.0), TypeError, "outside must be an int"),
        ((GOOD, SQUARE, None, 3), ValueError, "outside must be -1 or a label index"),
        ((GOOD, SQUARE, None, -2), ValueError, "outside must be -1 or a label index"),
    ],
)
def test_bad_arguments_are_rejected(args: tuple[Any, ...], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        decode(*args)


def float64_view(values: list[float], shape: tuple[int, ...]) -> tuple[bytearray, memoryview]:
    data = bytearray(np.array(values, dtype=np.float64).tobytes())
    return data, memoryview(data).cast("d", shape)


@pytest.mark.parametrize(
    ("prior", "outside", "message"),
    [
        ([0.0, 0.0], 0, None),
        ([0.0, 0.0], 2, "outside must be -1"),  # fails once every buffer is taken
        ([0.0, 0.0, 0.0], 0, "prior must have shape"),
        ([0.0], 0, "prior must have 1 dimension"),  # a (1, 1) prior
    ],
)
def test_buffers_are_released_on_success_and_on_error(
    prior: list[float], outside: int, message: str | None
) -> None:
    data, scores = float64_view([0.0, 1.5, 2.0, 0.0], (2, 2))
    _, transitions = float64_view([0.0, -1.0, -1.0, 0.0], (2, 2))
    _, prior_view = float64_view(prior, (1, 1) if len(prior) == 1 else (len(prior),))
    if message is None:
        assert decode(scores, transitions, prior_view, outside)[0] == [1, 0]
    else:
        with pytest.raises(ValueError, match=message):
            decode(scores, transitions, prior_view, outside)
    # Each release raises BufferError while decode still holds that buffer.
    for view in (scores, transitions, prior_view):
        view.release()
    data.extend(b"\0" * 8)
    assert len(data) == 40


def test_a_non_contiguous_memoryview_is_rejected() -> None:
    strided = memoryview(np.zeros((4, 2))[::2])
    with pytest.raises(ValueError, match="scores must be C-contiguous"):
        decode(strided, np.zeros((2, 2)), None, 0)
