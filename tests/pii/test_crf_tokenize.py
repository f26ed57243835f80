"""The C tokenizer (confide.pii._crf.tokenize) against ner.tokenize, the reference."""

from __future__ import annotations

import gc
import random

import pytest

from confide.pii.ner import CrfRecognizer, Token, accelerator, tokenize
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
