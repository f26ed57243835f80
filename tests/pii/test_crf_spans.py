"""The tagger's spans in C (confide.pii._crf.spans) against CrfRecognizer._merged_spans, the
Python reference (fictional PII only)."""

from __future__ import annotations

import functools
import random
from typing import Any

import pytest

from confide.pii.ner import _NAME_PARTICLES, CrfRecognizer, Token
from tests.pii._crf_build import BUILT, crf_built  # noqa: F401 (the fixture skips)
from tests.pii.test_crf_encode import TEXTS, fictional_texts, wnut_texts


@pytest.fixture(scope="module")
def tagger() -> CrfRecognizer:
    if BUILT is None:  # this module fixture sets up before the module's skip fixture
        pytest.skip("confide.pii._crf is not built (no C compiler at install)")
    recognizer = CrfRecognizer(accelerated=True)
    assert recognizer._c_spans is not None
    return recognizer


@functools.cache
def python_tagger() -> CrfRecognizer:
    return CrfRecognizer(accelerated=False)


def both(tagger: CrfRecognizer, text: str, labels: list[str] | None = None) -> tuple[Any, Any]:
    """The C path's spans and the Python reference's; the capitalised "O" tokens of both
    paths are checked on the way."""
    tokens, lowered, tagged, _ = tagger._tagged(text)
    labels = tagged if labels is None else labels
    spans, capitalised = tagger._spans(text, tokens, labels, lowered)
    upper = [i for i, t in enumerate(tokens) if t.text[0].isupper()]
    assert capitalised == [i for i in upper if labels[i] == "O"]
    reference = tagger._merged_spans(text, tokens, labels)
    assert python_tagger()._spans(text, tokens, labels, lowered) == (reference, capitalised)
    return spans, reference


def labelled(text: str, marks: dict[str, str]) -> tuple[str, list[str]]:
    """``text`` and a label per token: ``marks`` maps a token to its label, else "O"."""
    return text, [marks.get(t.text, "O") for t in CrfRecognizer(accelerated=True)._tokenize(text)]


# Labels set by hand, to reach each rule whatever the model makes of the text.
CASES = [
    # A person's parts joined over blanks; an address's over a comma and one line break.
    ("Ana  Lund", {"Ana": "B-PERSON", "Lund": "B-PERSON"}, [(0, 2, "PERSON")]),
    ("Ana, Lund", {"Ana": "B-PERSON", "Lund": "B-PERSON"}, [(0, 1, "PERSON"), (2, 3, "PERSON")]),
    (
        "12 Main St ,\n  Springfield",
        {"12": "B-STREET_ADDRESS", "Main": "I-STREET_ADDRESS", "St": "I-STREET_ADDRESS",
         "Springfield": "B-STREET_ADDRESS"},
        [(0, 5, "STREET_ADDRESS")],
    ),
    (
        "12 Main St\n\nSpringfield",
        {"12": "B-STREET_ADDRESS", "Main": "I-STREET_ADDRESS", "St": "I-STREET_ADDRESS",
         "Springfield": "B-STREET_ADDRESS"},
        [(0, 3, "STREET_ADDRESS"), (3, 4, "STREET_ADDRESS")],
    ),
    # Places and firms are not joined; an I- after "O" opens a span.
    ("Oslo Bergen", {"Oslo": "B-LOCATION", "Bergen": "B-LOCATION"},
     [(0, 1, "LOCATION"), (1, 2, "LOCATION")]),
    ("in Oslo", {"Oslo": "I-LOCATION"}, [(1, 2, "LOCATION")]),
    # Punctuation trimmed from the edges, a final "." kept.
    ("> Ana Lund :", {">": "B-PERSON", "Ana": "I-PERSON", "Lund": "I-PERSON", ":": "I-PERSON"},
     [(1, 3, "PERSON")]),
    ("Bob Ng Jr .", {"Bob": "B-PERSON", "Ng": "I-PERSON", "Jr": "I-PERSON", ".": "I-PERSON"},
     [(0, 4, "PERSON")]),
    # A name split at a line break.
    ("Thanks,\nAna\nLund", {"Ana": "B-PERSON", "Lund": "I-PERSON"},
     [(2, 3, "PERSON"), (3, 4, "PERSON")]),
    # In normally cased text: lower-case words cut a span, particles do not, a listed
    # surname after a capitalised word does not; an all-lower span is kept where each word
    # is a listed name that reads as no ordinary word ("grant", "bell" do) or where one of
    # its words is no ordinary word ("kephart"; "satanic felines" are both ordinary).
    ("Ana de Lund", {"Ana": "B-PERSON", "de": "I-PERSON", "Lund": "I-PERSON"},
     [(0, 3, "PERSON")]),
    ("Ana went Lund", {"Ana": "B-PERSON", "went": "I-PERSON", "Lund": "I-PERSON"},
     [(0, 1, "PERSON"), (2, 3, "PERSON")]),
    ("Hi Maria gonzalez", {"Maria": "B-PERSON", "gonzalez": "I-PERSON"}, [(1, 3, "PERSON")]),
    ("Hi Maria grant", {"Maria": "B-PERSON", "grant": "I-PERSON"}, [(1, 2, "PERSON")]),
    ("Hi ana lund", {"ana": "B-PERSON", "lund": "I-PERSON"}, [(1, 3, "PERSON")]),
    ("Hi ana grant", {"ana": "B-PERSON", "grant": "I-PERSON"}, [(1, 3, "PERSON")]),
    ("Hi young grant", {"young": "B-PERSON", "grant": "I-PERSON"}, []),
    ("Rang the bell", {"bell": "B-PERSON"}, []),
    ("Pay guy kephart", {"guy": "B-PERSON", "kephart": "I-PERSON"}, [(1, 3, "PERSON")]),
    ("About satanic felines", {"satanic": "B-PERSON", "felines": "I-PERSON"}, []),
    ("Hi ana, Bo", {"ana": "B-PERSON", ",": "I-PERSON", "Bo": "I-PERSON"},
     [(1, 2, "PERSON"), (3, 4, "PERSON")]),
    ("at 12 rue de la Paix", {"12": "B-STREET_ADDRESS", "rue": "I-STREET_ADDRESS",
     "de": "I-STREET_ADDRESS", "la": "I-STREET_ADDRESS", "Paix": "I-STREET_ADDRESS"},
     [(1, 6, "STREET_ADDRESS")]),
    # In text all in one case no case rule applies.
    ("hi ana lund", {"ana": "B-PERSON", "lund": "I-PERSON"}, [(1, 3, "PERSON")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "marks", "expected"), CASES)
def test_each_rule_as_in_python(
    tagger: CrfRecognizer, text: str, marks: dict[str, str], expected: list[tuple[int, int, str]]
) -> None:
    text, labels = labelled(text, marks)
    got, reference = both(tagger, text, labels)
    assert reference == expected
    assert got == expected


def test_the_taggers_spans_of_many_texts_are_pythons(tagger: CrfRecognizer) -> None:
    texts = TEXTS + fictional_texts(400) + wnut_texts(1000)
    assert len(texts) > 400
    found = 0
    for text in texts:
        got, reference = both(tagger, text)
        assert got == reference, text
        found += len(got)
    assert found > 400  # the texts hold names, places and addresses


def test_random_labels_give_pythons_spans(tagger: CrfRecognizer) -> None:
    """Any label sequence, the model's or not: every join, trim, split and cut."""
    rng = random.Random(11)
    labels = list(tagger.decoder.labels)
    texts = TEXTS + fictional_texts(300) + wnut_texts(300)
    texts += [t.upper() for t in texts[:50]] + [t.lower() for t in texts[:50]]
    compared = 0
    for text in texts:
        tokens = tagger._tokenize(text)
        for share in (0.3, 0.7, 1.0):
            random_labels = [rng.choice(labels) if rng.random() < share else "O" for _ in tokens]
            got, reference = both(tagger, text, random_labels)
            assert got == reference, (text, random_labels)
            compared += len(reference)
    assert compared > 3000


def _arguments(tagger: CrfRecognizer, text: str) -> list[Any]:
    tokens, lowered, labels, _ = tagger._tagged(text)
    flat = text.islower() or text.isupper()
    info, names = tagger._label_info, tagger._names
    return [tokens, labels, text, info, flat, lowered, _NAME_PARTICLES, names, tagger._plain]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda a: a[:8], TypeError, "9 arguments"),
        (lambda a: [*a[:8], ["bell"]], TypeError, "set or None"),
        (lambda a: [tuple(a[0]), *a[1:]], TypeError, "lists of tokens"),
        (lambda a: [a[0], a[1][:-1], *a[2:]], ValueError, "one label"),
        (lambda a: [*a[:5], a[5][:-1], *a[6:]], ValueError, "one label"),
        (lambda a: [[*a[0][:-1], Token("x", 0, 10**6)], *a[1:]], ValueError, "outside the text"),
        (lambda a: [[*a[0][:-1], Token("", 0, 0)], *a[1:]], TypeError, "non-empty words"),
        (lambda a: [[*a[0][:-1], ("x", "0", 1)], *a[1:]], TypeError, "integer"),
        (lambda a: [*a[:3], {"B-PERSON": "PERSON"}, *a[4:]], TypeError, "label_info"),
        (lambda a: [*a[:3], {"B-PERSON": (0, "PERSON", "x")}, *a[4:]], TypeError, "integer"),
    ],
)
def test_bad_arguments_are_refused(
    tagger: CrfRecognizer, change: Any, error: type[Exception], message: str
) -> None:
    assert BUILT is not None
    arguments = _arguments(tagger, "Ask Ana Lund about it")
    assert BUILT.spans(*arguments) == ([(1, 3, "PERSON")], [0])  # "Ask" is a capitalised "O"
    with pytest.raises(error, match=message):
        BUILT.spans(*change(arguments))
