"""The C tokenizer (confide.pii._crf.tokenize) against ner.tokenize, the reference, and the
C digit count (digit_stats) against recognizers.DigitStats.of."""

from __future__ import annotations

import functools
import gc
import random

import pytest

from confide.pii import PiiAnalyzer
from confide.pii.ner import CrfRecognizer, Token, accelerator, tokenize
from confide.pii.recognizers import DigitStats
from tests.pii._crf_build import BUILT, crf_built  # noqa: F401 (the fixture skips)


def c_tokenize(text: str) -> list[Token]:
    assert BUILT is not None
    tokens: list[Token] = BUILT.tokenize(Token, text)
    return tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("  \n\t ", []),
        ("Bob's bike", ["Bob", "'s", "bike"]),
        ("Bob\u2019s", ["Bob", "\u2019s"]),
        ("O'Neil o'sullivan don't", ["O'Neil", "o'sullivan", "don't"]),
        ("it's'", ["it", "'s", "'"]),
        ("'s", ["'s"]),
        ("'sa", ["'", "sa"]),
        ("e-mail a.b.c 12.50 -x .y z.", ["e-mail", "a.b.c", "12.50", "-", "x", ".", "y", "z", "."]),
        ("jo.doe@example.com", ["jo.doe", "@", "example.com"]),
        ("a--b a..b", ["a", "-", "-", "b", "a", ".", ".", "b"]),
        ("snake_case Straße İstanbul ٣٤", ["snake_case", "Straße", "İstanbul", "٣٤"]),
        ("(+1) 555-0100!", ["(", "+", "1", ")", "555-0100", "!"]),
    ],
)
def test_tokens_and_their_offsets(text: str, expected: list[str]) -> None:
    tokens = c_tokenize(text)
    assert [t.text for t in tokens] == expected
    assert tokens == tokenize(text)
    assert all(type(t) is Token and text[t.start : t.end] == t.text for t in tokens)


def test_every_character_splits_as_the_regex_does() -> None:
    """Every code point between letters (a word character, white space or a token of its
    own) and after an apostrophe (a join or not), in one long text compared whole."""
    text = "".join(
        f"a{chr(cp)}b x'{chr(cp)} "
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000  # lone surrogates: no decoded text holds them
    )
    collecting = gc.isenabled()
    gc.disable()  # six million tokens: the collector would take most of the time
    try:
        assert c_tokenize(text) == tokenize(text)
    finally:
        if collecting:
            gc.enable()


def test_random_texts_of_joins_and_quotes() -> None:
    rng = random.Random(5)
    alphabet = [*"aB1_'\u2019s-. \t\n\u00e9\u00df\u0663!(xS", "'s", " "]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert c_tokenize(text) == tokenize(text), repr(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((Token,), "2 arguments"),
        ((Token, b"bytes"), "takes a str"),
        ((list, "text"), "tuple type"),
        (("Token", "text"), "tuple type"),
    ],
)
def test_bad_arguments_are_rejected(args: tuple[object, ...], message: str) -> None:
    assert BUILT is not None
    with pytest.raises(TypeError, match=message):
        BUILT.tokenize(*args)


def test_the_recognizer_tokenizes_in_c_only_on_the_c_path() -> None:
    assert CrfRecognizer(accelerated=False)._tokenize is tokenize
    fast = CrfRecognizer(accelerated=True)
    assert fast._tokenize is not tokenize and accelerator(True) is BUILT
    text = "Ask for Maria O'Neil at 12 Rue de l'Église, it's on the left."
    assert fast._tokenize(text) == tokenize(text)


def c_digit_stats(text: str) -> DigitStats:
    assert BUILT is not None
    stats: DigitStats = BUILT.digit_stats(DigitStats, text)
    return stats


@pytest.mark.parametrize(
    ("text", "digits", "run"),
    [
        ("", 0, 0),
        ("no digits here", 0, 0),
        ("call 555-0100 now", 7, 4),
        ("12 345 6", 6, 3),
        ("\u0663\u0664 and \uff14\uff15\uff16", 5, 3),  # Arabic-Indic and full-width digits are \d
        ("\u00b2\u00b3 \u2460", 0, 0),  # superscripts and circled digits are not
        ("x" * 300 + "9" * 40, 40, 40),
    ],
)
def test_digit_stats_count_what_the_regex_counts(text: str, digits: int, run: int) -> None:
    stats = c_digit_stats(text)
    assert type(stats) is DigitStats and stats == (digits, run)
    assert stats == DigitStats.of(text)


def test_every_character_is_a_digit_or_not_as_the_regex_says() -> None:
    """Each code point alone, and a run of each in a one-, two- and four-byte string."""
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        char = chr(cp)
        assert c_digit_stats(char) == DigitStats.of(char), hex(cp)
    rng = random.Random(3)
    alphabet = ["1", "a", " ", "\u00e9", "\u0663", "\u2460", "\U0001d7ce", "\U0001f600"]
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert c_digit_stats(text) == DigitStats.of(text), repr(text)


def test_digit_stats_rejects_bad_arguments() -> None:
    assert BUILT is not None
    with pytest.raises(TypeError, match="2 arguments"):
        BUILT.digit_stats(DigitStats)
    with pytest.raises(TypeError, match="takes a str"):
        BUILT.digit_stats(DigitStats, b"12")
    with pytest.raises(TypeError, match="tuple type"):
        BUILT.digit_stats(list, "12")


def test_the_analyzer_counts_digits_in_c_only_on_the_c_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counter = PiiAnalyzer()._digit_stats
    assert isinstance(counter, functools.partial) and counter.func is BUILT.digit_stats
    assert counter("a 12 b 345") == DigitStats(5, 3)
    assert hash(counter("a 12 b 345")) == hash(DigitStats(5, 3))  # the tuple's hash too
    monkeypatch.setenv("CONFIDE_PII_PURE_PYTHON", "1")
    assert PiiAnalyzer()._digit_stats == DigitStats.of
