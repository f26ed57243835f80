"""The C encoder (confide.pii._crf.Encoder) against StateScoreEncoder's numpy path, and the
tagger's two paths against each other (fictional PII only)."""

from __future__ import annotations

import itertools
import logging
import os
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from faker import Faker

from confide.pii import ner
from confide.pii.ner import CharNgramModel, CrfRecognizer, StateScoreEncoder, Token, tokenize
from tests.pii._crf_build import BUILT, crf_built  # noqa: F401 (the fixture skips)

_crf = BUILT


REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("CONFIDE_SHARED_DATA") or REPO.parent / "shared" / "data")

# Words whose case, digits, length, script or repeats take every branch of a new word's row.
WORDS = [
    "Maria", "maria", "MARIA", "Jensen", "O'Neil", "Saint-Denis", "e.g.", "'s", ",", "5551234",
    "555-0100", "x1", "A", "a", "", "İstanbul", "ǅemal", "ÅSA", "Ⅻ", "٣٤", "\uff2daria", "ßtraße",
    "aaaa", "AAAbbbCCC", "__init__", "日本語", "Łódź", "Zoë", "naïve", "😀", "a😀b", "🇩🇪",
    "supercalifragilistic", "Gairbekov", "Bergsveinsson", "refund", "@", "maria@example.com",
    "\u00a0", "x\u0301", "ΣΊΣΥΦΟΣ", "Straße", "ﬁle", "Ǉ", "ǈubljana", "😀berg", "Bergs😀",
    "ab😀cd", "Ma\U00010400ia", "\uffffson",
]  # fmt: skip

TEXTS = [
    "Hi, my name is Maria Jensen and I live in Copenhagen",
    "MY NAME IS MARIA JENSEN",
    "my name is maria jensen",
    "Thanks,\nMaria\n\n12 Main Street\nSpringfield",
    "Please ship it to 42 Rue de la Paix, Paris",
    "I am Tomas Lindqvist, call me on 555-0100 or mail tomas@example.com",
    "x",
    "Je m'appelle Zoë Łukasiewicz et j'habite à Łódź.",
    "Signed for by Keith Bult Jr. yesterday\r\nRegards",
]


def fictional_texts(count: int) -> list[str]:
    fake = Faker(["en_US", "de_DE", "fr_FR"])
    fake.seed_instance(4)
    forms = [
        "Hello, my name is {name} and my email is {user}@example.com",
        "Please send the parcel to {name}, {address}",
        "{name} called from 555-01{n:02d} about order {n}",
        "Dear {name},\nyour refund is on its way.\nBest,\n{other}",
        "can you update the address for {name} to {address}",
    ]
    texts = []
    for k in range(count):
        texts.append(
            forms[k % len(forms)].format(
                name=fake.name(),
                other=fake.first_name(),
                user=fake.user_name(),
                address=fake.address().replace("\n", ", "),
                n=k % 100,
            )
        )
    return texts


def wnut_texts(limit: int) -> list[str]:
    path = DATA / "wnut17" / "emerging.dev.conll"
    if not path.is_file():
        return []
    texts, words = [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            words.append(line.partition("\t")[0])
        elif words:
            texts.append(" ".join(words))
            words = []
    return texts[:limit]


@pytest.fixture(scope="module")
def encoders() -> tuple[StateScoreEncoder, StateScoreEncoder]:
    if BUILT is None:  # this module fixture sets up before the module's skip fixture
        pytest.skip("confide.pii._crf is not built (no C compiler at install)")
    fast = CrfRecognizer(accelerated=True).encoder
    slow = CrfRecognizer(accelerated=False).encoder
    assert fast._c is not None and slow._c is None
    return fast, slow


def python_row(encoder: StateScoreEncoder, word: str) -> Any:
    row = encoder._row(word)
    return encoder._words[row]


@pytest.mark.parametrize("word", WORDS)
def test_a_new_words_row_is_the_pythons_to_the_bit(
    encoders: tuple[StateScoreEncoder, StateScoreEncoder], word: str
) -> None:
    fast, slow = encoders
    expected = python_row(slow, word)
    assert np.any(expected != 0.0)
    assert np.array_equal(np.array(fast._c.row(word)), expected)
    assert np.array_equal(np.array(fast._c.row(word)), expected)  # cached


def test_every_word_of_many_texts_has_the_pythons_row(
    encoders: tuple[StateScoreEncoder, StateScoreEncoder],
) -> None:
    fast, slow = encoders
    words = {t.text for text in fictional_texts(300) + wnut_texts(800) for t in tokenize(text)}
    assert len(words) > 1000
    differ = [w for w in words if not np.array_equal(fast._c.row(w), python_row(slow, w))]
    assert differ == []


def test_every_prefix_and_suffix_the_model_knows_gives_the_pythons_row(
    encoders: tuple[StateScoreEncoder, StateScoreEncoder],
) -> None:
    """The C encoder reads the affix families from a packed table of its own: each of their
    values, as a word and inside longer ones, must give the Python path's row."""
    fast, slow = encoders
    affixes = {value for family in slow._families[2:] for value in family}
    assert len(affixes) > 1000
    words = {w for a in affixes for w in (a, "x" + a, a + "x", a.upper(), a + a)}
    differ = [w for w in words if not np.array_equal(fast._c.row(w), python_row(slow, w))]
    assert differ == []


@pytest.mark.parametrize("text", TEXTS)
def test_scores_are_the_numpy_paths_to_the_bit(
    encoders: tuple[StateScoreEncoder, StateScoreEncoder], text: str
) -> None:
    fast, slow = encoders
    tokens = tokenize(text)
    expected = slow(tokens, text)
    got = fast(tokens, text)
    assert got.shape == expected.shape == (len(tokens), slow._k)
    assert np.array_equal(got, expected)
    assert np.array_equal(fast(tuple(tokens), text), expected)  # any sequence of tokens


def test_the_line_cues_and_word_pairs_are_added(
    encoders: tuple[StateScoreEncoder, StateScoreEncoder],
) -> None:
    """The text-level features change the scores (so the comparison above tests them)."""
    fast, _ = encoders
    one_line = "my name is Maria Jensen"
    cue = fast(tokenize(one_line), one_line)
    no_cue = fast(tokenize("my game is Maria Jensen"), "my game is Maria Jensen")
    assert not np.array_equal(cue[3], no_cue[3])  # "my name is" before "Maria"
    broken = "my name is\nMaria Jensen"
    assert not np.array_equal(fast(tokenize(broken), broken)[3], cue[3])
    shouted = one_line.upper()
    assert not np.array_equal(
        fast(tokenize(shouted), shouted)[4], fast(tokenize(one_line), one_line)[4]
    )


def test_many_texts_score_as_the_numpy_path(
    encoders: tuple[StateScoreEncoder, StateScoreEncoder],
) -> None:
    fast, slow = encoders
    texts = fictional_texts(300) + wnut_texts(800)
    differ = [
        k
        for k, text in enumerate(texts)
        if (tokens := tokenize(text)) and not np.array_equal(fast(tokens, text), slow(tokens, text))
    ]
    assert differ == []


def test_both_paths_give_the_tokens_lower_cased(
    encoders: tuple[StateScoreEncoder, StateScoreEncoder],
) -> None:
    fast, slow = encoders
    texts = fictional_texts(100) + wnut_texts(300) + ["ÉMILE İSTANBUL ΣΟΦΊΑ Straße", ""]
    for text in texts:
        tokens = tokenize(text)
        expected = [t.text.lower() for t in tokens]
        assert fast.encode(tokens, text)[1] == slow.encode(tokens, text)[1] == expected


def test_a_full_cache_starts_again_and_scores_stay_the_same() -> None:
    fast = CrfRecognizer(accelerated=True).encoder
    slow = CrfRecognizer(accelerated=False).encoder
    small = StateScoreEncoder(fast.features, _weights(), cache_size=8, accelerated=True)
    texts = fictional_texts(20)
    for text in texts:
        tokens = tokenize(text)
        assert np.array_equal(small(tokens, text), slow(tokens, text))
        assert len(small._c) <= max(8, len(tokens))
    small.clear()
    assert len(small._c) == 0


def _weights() -> dict[str, tuple[float, ...]]:
    path = ner.DEFAULT_MODEL_PATH.resolve()
    return ner._model_resources(path, path.stat().st_mtime_ns).weights


def test_both_paths_find_the_same_people_and_places() -> None:
    fast, slow = CrfRecognizer(accelerated=True), CrfRecognizer(accelerated=False)
    texts = fictional_texts(300) + wnut_texts(800)
    assert [fast.find(t) for t in texts] == [slow.find(t) for t in texts]
    assert sum(1 for t in texts for f in fast.find(t) if f.entity_type == "PERSON") > 200


WORD = Token("word", 0, 4)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda k: (["word"], "text", False), TypeError, "4 arguments"),
        (lambda k: ([WORD], 5, False, np.zeros((1, k))), TypeError, "list of tokens"),
        (lambda k: ((WORD,), "word", False, np.zeros((1, k))), TypeError, "list of tokens"),
        (lambda k: (["word"], "word", False, np.zeros((1, k))), TypeError, "(word, start, end)"),
        (lambda k: ([(5, 0, 1)], "x", False, np.zeros((1, k))), TypeError, "str words"),
        (lambda k: ([WORD], "word", False, np.zeros((2, k))), ValueError, "float64 array"),
        (lambda k: ([WORD], "word", False, np.zeros((1, k + 1))), ValueError, "float64 array"),
        (lambda k: ([WORD], "word", False, np.zeros((1, k), np.float32)), ValueError, "float64"),
        (lambda k: ([WORD, WORD], "word", False, np.zeros((k, 2)).T), ValueError, "contiguous"),
        (lambda k: ([WORD], "word", False, b"\0" * 8 * k), BufferError, "writable"),
    ],
)
def test_bad_arguments_are_rejected_and_cache_nothing(
    make: Any, error: type[Exception], message: str
) -> None:
    encoder = CrfRecognizer(accelerated=True).encoder
    encoder.clear()
    with pytest.raises(error, match=re.escape(message)):
        encoder._c.encode(*make(encoder._k))
    assert len(encoder._c) == 0


def test_the_environment_turns_the_c_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFIDE_PII_PURE_PYTHON", "1")
    recognizer = CrfRecognizer()
    assert recognizer.encoder._c is None and recognizer.decoder._decode is None
    monkeypatch.setenv("CONFIDE_PII_PURE_PYTHON", "0")
    assert CrfRecognizer().encoder._c is not None


def test_asking_for_a_c_path_that_is_not_built_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ner, "_built_accelerator", lambda: None)
    with pytest.raises(RuntimeError, match="not built"):
        CrfRecognizer(accelerated=True)
    assert CrfRecognizer().encoder._c is None  # without asking, Python tags


def test_an_out_of_date_build_is_not_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_crf, "VERSION", ner.CRF_VERSION + 1)
    with caplog.at_level(logging.WARNING, logger="confide.pii.ner"):
        assert ner._built_accelerator.__wrapped__() is None
    assert "out of date" in caplog.text


def test_the_lexicon_holds_each_words_lists_and_cluster() -> None:
    from confide.pii.clusters import WordClusters
    from confide.pii.ner import _built_lexicon, _lexicon

    gazetteer = {"first": frozenset({"maria", "paris"}), "city": frozenset({"paris"})}
    clusters = WordClusters({"maria": 0, "table": 1}, {2: [0, 1]})
    assert _built_lexicon(gazetteer, clusters) == {
        "maria": 0b01 | 1 << 16,
        "paris": 0b11,
        "table": 2 << 16,
    }
    assert _built_lexicon(gazetteer, None) == {"maria": 0b01, "paris": 0b11}
    assert _lexicon(gazetteer, clusters) is _lexicon(gazetteer, clusters)  # built once
    many = {str(g): frozenset({"x"}) for g in range(17)}
    with pytest.raises(ValueError, match="16 word lists"):
        _built_lexicon(many, None)


def test_the_character_models_probabilities_in_c_equal_pythons_to_the_bit() -> None:
    recognizer = CrfRecognizer(accelerated=True)
    assert recognizer.chars is not None and recognizer.encoder._c is not None
    words = WORDS + [w for text in fictional_texts(200) for w, *_ in tokenize(text)]
    for word in words:
        assert recognizer.encoder._c.char_probabilities(word) == recognizer.chars._probabilities(
            word
        ), word
    with pytest.raises(TypeError):
        recognizer.encoder._c.char_probabilities(5)


class _OddWord(str):
    def lower(self) -> Any:  # type: ignore[override]
        return 5


def test_a_word_whose_lower_case_is_no_str_is_refused_not_misread() -> None:
    encoder = CrfRecognizer(accelerated=True).encoder._c
    with pytest.raises(TypeError, match="lower"):
        encoder.char_probabilities(_OddWord("Maria"))
    with pytest.raises(TypeError, match="lower"):
        encoder.row(_OddWord("Zyxwvut"))


def test_the_rules_read_the_character_model_from_c_only_on_the_c_path() -> None:
    fast = CrfRecognizer(accelerated=True)
    slow = CrfRecognizer(accelerated=False)
    assert fast._char_probabilities is not None and slow._char_probabilities is not None
    assert fast._char_probabilities.keywords["compute"] is not None
    assert slow._char_probabilities.keywords["compute"] is None


@pytest.mark.parametrize(
    ("ngram_range", "classes"),
    [((1, 1), 3), ((1, 3), 2), ((2, 4), 1), ((1, 4), 8), ((3, 4), 9), ((2, 6), 3), ((5, 5), 2)],
)
def test_character_models_of_other_shapes_read_the_same_from_c(
    ngram_range: tuple[int, int], classes: int
) -> None:
    """The shipped model has n-grams of 2 to 4 characters and 3 classes. The C encoder reads
    n-grams of up to 4 characters from a packed table of slots sized by the classes, in
    batches, and longer ones from the dict: for any range and number of classes, each word,
    shorter or longer than the n-grams and with characters beyond U+FFFF, must get Python's
    probabilities to the bit."""
    if BUILT is None:
        pytest.skip("confide.pii._crf is not built (no C compiler at install)")
    rng = random.Random(5)
    alphabet = "ab c\U0001f600\uffffİ"
    low, high = ngram_range
    weights = {
        "".join(gram): [rng.uniform(-1, 1) for _ in range(classes)]
        for n in range(low, min(high, 4) + 1)
        for gram in itertools.product(alphabet, repeat=n)
        if rng.random() < 0.6
    }
    for _ in range(300 if high > 4 else 0):
        gram = "".join(rng.choice(alphabet) for _ in range(rng.randint(max(low, 5), high)))
        weights[gram] = [rng.uniform(-1, 1) for _ in range(classes)]
    model = CharNgramModel(
        [f"c{i}" for i in range(classes)],
        [rng.uniform(-1, 1) for _ in range(classes)],
        weights,
        ngram_range,
    )
    encoder = CrfRecognizer(accelerated=True).encoder
    encoder.features.chars = model
    fast = encoder._c_encoder(BUILT)
    words = ["".join(rng.choice(alphabet) for _ in range(n)) for n in range(40) for _ in range(8)]
    assert [w for w in words if fast.char_probabilities(w) != model._probabilities(w)] == []


def _encoder_arguments(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The arguments the shipped model builds the C encoder with."""
    captured: list[Any] = []
    real = _crf.Encoder
    monkeypatch.setattr(_crf, "Encoder", lambda *args: captured.append(list(args)) or real(*args))
    CrfRecognizer(accelerated=True)
    monkeypatch.undo()
    return captured[0]


@pytest.mark.parametrize(
    ("before", "error", "message"),
    [
        ({"my": {"name": 10**6}}, ValueError, "a pair's row is out of range"),
        ({"my": {"name": -1}}, ValueError, "a pair's row is out of range"),
        ({"my": {"name": "0"}}, ValueError, "a pair's row is out of range"),
        ({"my": ["name"]}, TypeError, "dicts of dicts"),
        ({"my": {5: 0}}, TypeError, "pair words must be str"),
        ({5: {"name": 0}}, TypeError, "pair words must be str"),
    ],
)
def test_bad_word_pair_tables_are_refused(
    monkeypatch: pytest.MonkeyPatch, before: Any, error: type[Exception], message: str
) -> None:
    args = _encoder_arguments(monkeypatch)
    args[-4] = before  # the pairs the token after the two sees (then after, cues, cache size)
    with pytest.raises(error, match=re.escape(message)):
        _crf.Encoder(*args)


def test_each_word_pair_of_the_model_adds_its_row_on_either_side(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The C encoder looks pairs up by word ids in a table of its own: a pair of the model
    must add its row to the token that sees it (the one after the two words, or the one
    before), and to the token on the other side only the other table's row, if any."""
    args = _encoder_arguments(monkeypatch)
    before, after = args[-4], args[-3]
    assert sum(map(len, before.values())) > 1000 and sum(map(len, after.values())) > 1000
    k, state = args[0], args[12]
    encoder = _crf.Encoder(*args)
    plain = _crf.Encoder(*args[:-4], {}, {}, *args[-2:])
    rng = random.Random(3)
    for side, pairs in enumerate((before, after)):
        other = (before, after)[1 - side]
        for a, b in rng.sample([(a, b) for a, inner in pairs.items() for b in inner], 300):
            words = ["zqxjv9", a, b, "zqxjv9"]
            tokens, text = [Token(w, 0, 0) for w in words], " ".join(words)
            got, base = np.empty((4, k)), np.empty((4, k))
            encoder.encode(tokens, text, False, got)
            plain.encode(tokens, text, False, base)
            seer, across = (0, 3) if side else (3, 0)
            assert np.allclose(got[seer], base[seer] + state[pairs[a][b]], rtol=0, atol=1e-12)
            extra = state[other[a][b]] if b in other.get(a, {}) else 0.0
            assert np.allclose(got[across], base[across] + extra, rtol=0, atol=1e-12)
            assert np.array_equal(got[1:3], base[1:3])


def test_tag_in_one_call_equals_encoding_then_decoding() -> None:
    """``Encoder.tag`` (the tagger's C path) gives the lower-cased words, labels and
    marginals that ``encode`` and the decoder give one after the other, to the bit."""
    fused = CrfRecognizer(accelerated=True)
    separate = CrfRecognizer(accelerated=True)
    assert fused._c_tag is not None
    separate._c_tag = None
    texts = TEXTS + fictional_texts(300) + wnut_texts(500) + ["", " ", "MY NAME IS ANA LUND"]
    named = 0
    for text in texts:
        tokens, lowered, labels, probs = fused._tagged(text)
        assert (tokens, lowered, labels, probs) == separate._tagged(text), text
        named += labels.count("B-PERSON")
    assert named > 200


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda a: a[:6], TypeError, "7 arguments"),
        (lambda a: [tuple(a[0]), *a[1:]], TypeError, "list of tokens"),
        (lambda a: [*a[:6], a[6][:-1]], ValueError, "tuple of 9 names"),
        (lambda a: [*a[:6], list(a[6])], ValueError, "tuple of 9 names"),
        (lambda a: [*a[:3], a[3][:-1], *a[4:]], ValueError, "transitions must have shape"),
        (lambda a: [*a[:4], np.zeros(3), *a[5:]], ValueError, "prior must have shape"),
        (lambda a: [*a[:5], 9, a[6]], ValueError, "outside must be -1"),
        (lambda a: [*a[:5], "8", a[6]], TypeError, "outside must be an int"),
    ],
)
def test_tag_refuses_bad_arguments(change: Any, error: type[Exception], message: str) -> None:
    recognizer = CrfRecognizer(accelerated=True)
    decoding = recognizer.decoder.c_arguments
    assert decoding is not None and len(decoding[3]) == 9
    text = "Ask Ana Lund"
    arguments = [tokenize(text), text, False, *decoding]
    lowered, labels, _ = recognizer.encoder._c.tag(*arguments)
    assert lowered == ["ask", "ana", "lund"] and labels[1] == "B-PERSON"
    with pytest.raises(error, match=re.escape(message)):
        recognizer.encoder._c.tag(*change(arguments))


@pytest.mark.parametrize(
    ("position", "table", "message"),
    [
        (4, {"maria": 1 << 15}, "a word's lists are out of range"),
        (4, {"maria": -2}, "a word's lists are out of range"),
        (4, {"maria": 1 << 40}, "a word's lists are out of range"),
        (4, {"maria": "1"}, "a word's lists are out of range"),
        (2, {"maria": 10**7}, "a family's row is out of range"),
        (2, {"maria": -1}, "a family's row is out of range"),
    ],
)
def test_bad_word_tables_are_refused_when_built(
    monkeypatch: pytest.MonkeyPatch, position: int, table: dict[str, Any], message: str
) -> None:
    """The words of the w= family, the lexicon and the pairs are read into one table when
    the encoder is built: a bad value is refused then, not when a word first meets it."""
    args = _encoder_arguments(monkeypatch)
    if position == 2:  # the families: the w= family is the first
        args[2] = (table, *args[2][1:])
    else:
        args[position] = table
    with pytest.raises(ValueError, match=re.escape(message)):
        _crf.Encoder(*args)
