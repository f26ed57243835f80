"""The CRF recognizer for names, places and street addresses (fictional PII only)."""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from confide.pii import PiiAnalyzer
from confide.pii.findings import Finding
from confide.pii.ner import (
    _TOKEN_RE,
    DEFAULT_MODEL_PATH,
    DEFAULT_NAME_PRIOR,
    MAX_NAME_PRIOR,
    NAME_SHAPE_MIN_PROB,
    NAME_SHAPE_SCORE,
    ChainDecoder,
    CharNgramModel,
    CrfRecognizer,
    FeatureExtractor,
    StateScoreEncoder,
    Token,
    _cased_pieces,
    _ordinary_words,
    _split_pair,
    _with_closed_quotes,
    _with_joined_names,
    _with_rank_titles,
    address_shapes,
    chars_path,
    merge_adjacent,
    ordinary_path,
    spans_to_bio,
    tokenize,
)
from confide.pii.recognizers import DigitStats
from tests.pii._scripts import load_script

REPO = Path(__file__).resolve().parents[2]
# The shared data sets: ../shared/data beside the clone, or CONFIDE_SHARED_DATA.
DATA = Path(os.environ.get("CONFIDE_SHARED_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture(scope="module")
def recognizer() -> CrfRecognizer:
    return CrfRecognizer()


def test_finds_name_and_city_with_exact_spans(recognizer: CrfRecognizer) -> None:
    text = "Hi, my name is Maria Jensen and I live in Copenhagen"
    found = {(f.entity_type, text[f.start : f.end]) for f in recognizer.find(text)}
    assert ("PERSON", "Maria Jensen") in found
    assert ("LOCATION", "Copenhagen") in found
    person = next(f for f in recognizer.find(text) if f.entity_type == "PERSON")
    assert (person.start, person.end) == (15, 27)
    assert person.recognizer == "crf-ner"
    assert 0.5 < person.score <= 1.0


def test_no_person_in_a_product_request(recognizer: CrfRecognizer) -> None:
    findings = recognizer.find("I want to return the blue kettle")
    assert [f for f in findings if f.entity_type == "PERSON"] == []


@pytest.mark.parametrize(
    "text",
    [
        "Please ship it to 42 Elm Street, Springfield, and thanks,\nTomas Okafor",
        "my name is lena vestergaard, i moved to oslo last week",
        "Dear Mr. Arjun Patel, your parcel to 7 Rue des Lilas, Lyon is on its way.",
        "",
        "   \n  ",
    ],
)
def test_spans_align_with_the_text(recognizer: CrfRecognizer, text: str) -> None:
    for finding in recognizer.find(text):
        assert isinstance(finding, Finding)
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == text[finding.start : finding.end].strip()
        assert finding.entity_type in recognizer.entities
        assert 0.0 <= finding.score <= 1.0


def test_signature_name_is_a_person(recognizer: CrfRecognizer) -> None:
    text = "The kettle arrived broken.\nThanks,\nTomas Okafor"
    found = {(f.entity_type, text[f.start : f.end]) for f in recognizer.find(text)}
    assert ("PERSON", "Tomas Okafor") in found


def test_entity_filter_drops_other_types() -> None:
    only_people = CrfRecognizer(entities=("PERSON",))
    text = "Hi, my name is Maria Jensen and I live in Copenhagen"
    assert {f.entity_type for f in only_people.find(text)} == {"PERSON"}


def test_packaged_model_loads_offline_with_its_metadata() -> None:
    assert DEFAULT_MODEL_PATH.is_file()
    assert DEFAULT_MODEL_PATH.stat().st_size < 5_000_000
    meta = json.loads(DEFAULT_MODEL_PATH.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["sources"] and meta["train_template_ids"]
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network disabled')\n"
        "socket.socket.connect = refuse\n"
        "from confide.pii.ner import CrfRecognizer\n"
        "print(len(CrfRecognizer().find('my name is Maria Jensen')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_missing_model_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        CrfRecognizer(tmp_path / "absent.crfsuite")


def test_tokenizer_keeps_offsets_and_splits_possessives() -> None:
    text = "Maria O'Neil's order\nto Saint-Denis."
    tokens = tokenize(text)
    assert [t.text for t in tokens] == [
        "Maria",
        "O'Neil",
        "'s",
        "order",
        "to",
        "Saint-Denis",
        ".",
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_tokens_are_the_matches_of_the_token_pattern_in_any_text() -> None:
    # Random texts of word characters, joiners, punctuation and every kind of white space:
    # the tokens (found by text and position) are the pattern's matches, span for span.
    alphabet = "aZé5_'\u2019-.,!@ \t\n\r\u00a0\u2003\u3000sSß\u0130"
    rng = random.Random(11)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        expected = [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
        assert [tuple(t) for t in tokenize(text)] == expected


def test_bio_labels_continue_a_span_across_a_line_break() -> None:
    text = "12 Elm Street\nSpringfield"
    tokens = tokenize(text)
    labels = spans_to_bio(tokens, [(0, len(text), "STREET_ADDRESS")])
    assert labels == ["B-STREET_ADDRESS"] + ["I-STREET_ADDRESS"] * 3


def test_merge_adjacent_joins_address_parts_but_not_separate_people() -> None:
    text = "12 Elm Street, Apt. 4 and Ana, Bo"
    spans = [(0, 2, "STREET_ADDRESS"), (3, 13, "STREET_ADDRESS"), (15, 21, "STREET_ADDRESS")]
    spans += [(26, 29, "PERSON"), (31, 33, "PERSON")]
    assert merge_adjacent(spans, text) == [
        (0, 21, "STREET_ADDRESS"),
        (26, 29, "PERSON"),
        (31, 33, "PERSON"),
    ]


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_training_script_runs_end_to_end_on_a_tiny_subset(tmp_path: Path) -> None:
    module = load_script("train_pii_ner")
    out = tmp_path / "ner.crfsuite"
    meta = module.main(
        ["--limit", "60", "--per-template", "2", "--max-iterations", "5", "--out", str(out)]
    )
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert (tmp_path / "ner.gazetteer.json").is_file()
    assert meta["train_sentences"] > 0
    CrfRecognizer(out).find("my name is Maria Jensen")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A title is not part of the name (presidio-evaluator labels it a TITLE of its own);
        # a suffix is.
        ("Please correct the name to Dr. Ada Okafor", "Ada Okafor"),
        ("The parcel is for Mr Tomas Lindqvist", "Tomas Lindqvist"),
        ("We're sorry to hear that, Mrs. Henderson.", "Henderson"),
        ("Signed for by Keith Bult Jr. yesterday", "Keith Bult Jr."),
    ],
)
def test_suffixes_belong_to_the_name_and_titles_do_not(
    recognizer: CrfRecognizer, text: str, expected: str
) -> None:
    people = [text[f.start : f.end] for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert people == [expected]


def test_character_model_tells_surnames_from_words() -> None:
    chars = CharNgramModel.load(chars_path(DEFAULT_MODEL_PATH))
    assert chars is not None
    person = chars.classes.index("person")
    word = chars.classes.index("word")
    for surname in ("Gairbekov", "Bergsveinsson", "Kowalczyk"):
        probs = chars.probabilities(surname)
        assert probs[person] > probs[word], surname
    for ordinary in ("refund", "delivery", "password"):
        probs = chars.probabilities(ordinary)
        assert probs[word] > probs[person], ordinary
    assert abs(sum(chars.probabilities("Lindqvist")) - 1.0) < 1e-9


def test_character_model_sums_its_weights_in_ngram_order_whatever_the_class_count() -> None:
    # The shipped three-class model takes an unrolled loop; a model of any other class
    # count the general one. Both must add the weights in the same order, bit for bit, as
    # the model was trained on those sums.
    chars = CharNgramModel.load(chars_path(DEFAULT_MODEL_PATH))
    assert chars is not None and len(chars.classes) == 3
    widened = CharNgramModel(
        [*chars.classes, "spare"],
        [*chars.bias, -50.0],
        {gram: [*weights, 0.0] for gram, weights in chars.weights.items()},
        chars.ngram_range,
    )
    rng = random.Random(5)
    letters = "abcdefghijklmnopqrstuvwxyzéø"
    for _ in range(300):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 12))).capitalize()
        rows = [w for w in map(chars.weights.get, chars.ngrams(word)) if w is not None]
        expected = list(chars.bias)
        for row in rows:
            expected = [total + weight for total, weight in zip(expected, row, strict=True)]
        top = max(expected)
        exps = [math.exp(x - top) for x in expected]
        assert chars.probabilities(word) == [e / sum(exps) for e in exps]
        spare = widened.probabilities(word)
        assert spare[:3] == pytest.approx(chars.probabilities(word), abs=1e-12)


def test_a_lone_capitalised_surname_is_reported_with_a_modest_score(
    as_trained: CrfRecognizer,
) -> None:
    # The model as trained: at the default prior it tags this one itself.
    recognizer = as_trained
    text = "We thank Kowalczyk for it"
    tokens, labels, _ = recognizer.tag(text)
    # The example must be one the model itself leaves alone, or it tests the model, not the rule.
    words = zip(tokens, labels, strict=True)
    assert [label for t, label in words if t.text == "Kowalczyk"] == ["O"]
    found = [f for f in recognizer.find(text) if text[f.start : f.end] == "Kowalczyk"]
    assert [(f.entity_type, f.score) for f in found] == [("PERSON", NAME_SHAPE_SCORE)]


def test_a_made_up_name_the_character_model_only_leans_to_is_reported(
    recognizer: CrfRecognizer,
) -> None:
    """The name-shape rule takes a word the character model calls a person's with
    NAME_SHAPE_MIN_PROB (0.6), not only when it is near sure (0.8 before)."""
    text, word = "we asked Nordri about the refund", "Nordri"
    assert recognizer.chars is not None
    probs = dict(zip(recognizer.chars.classes, recognizer.chars.probabilities(word), strict=True))
    assert NAME_SHAPE_MIN_PROB <= probs["person"] < 0.8
    tokens, labels, _ = recognizer.tag(text)
    assert [label for t, label in zip(tokens, labels, strict=True) if t.text == word] == ["O"]
    found = [(text[f.start : f.end], f.entity_type, f.score) for f in recognizer.find(text)]
    assert found == [(word, "PERSON", NAME_SHAPE_SCORE)]


@pytest.mark.parametrize(
    "text",
    [
        "Madam, where is my Refund? I ordered on Monday.",
        "Where is my Refund? I ordered on Monday.",
        "Thanks for the quick Delivery, the Kettle works",
        "Please cancel my Order and send the Invoice",
    ],
)
def test_capitalised_ordinary_words_are_not_names(recognizer: CrfRecognizer, text: str) -> None:
    assert [text[f.start : f.end] for f in recognizer.find(text)] == []


def test_word_features_are_cached_and_limited_to_what_the_model_knows(
    recognizer: CrfRecognizer,
) -> None:
    extractor = recognizer.features
    tokens = tokenize("Maria ordered a kettle")
    first = extractor(tokens, "Maria ordered a kettle")
    assert extractor.known is not None
    assert all(f in extractor.known for token_features in first for f in token_features)
    assert extractor.word_features("Maria") is extractor.word_features("Maria")
    unfiltered = FeatureExtractor(
        recognizer.gazetteer, recognizer.chars, clusters=recognizer.clusters
    )(tokens, "Maria ordered a kettle")
    assert all(set(a) <= set(b) for a, b in zip(first, unfiltered, strict=True))


@pytest.mark.parametrize(
    "text",
    [
        "Hi, my name is Maria Jensen and I live in Copenhagen",
        "Thanks,\nMaria Jensen\n12 Main St\nSpringfield, IL 62704",
        "PLEASE SHIP IT TO 42 ELM ROAD, LEEDS",
        "ship it to 9 rue de la paix, paris. regards, jean",
        "Dr. Ada Ng Jr. from Politify called about order NW-48213",
        "Ümit Öztürk wohnt in Köln. Mit freundlichen Grüßen, Ümit",
        "Hi",
        "?",
        "Ref | Maria Jensen || 12 Main St | Leeds",
        "call me, Maria: 555 0142\n\nregards,\nJo",
    ],
)
def test_encoder_and_decoder_tag_exactly_as_crfsuite_does_from_the_feature_names(
    as_trained: CrfRecognizer, text: str
) -> None:
    import pycrfsuite

    tokens = tokenize(text)
    tagger = pycrfsuite.Tagger()
    tagger.open(str(DEFAULT_MODEL_PATH))
    expected = tagger.tag(as_trained.features(tokens, text))
    marginals = [tagger.marginal(y, k) for k, y in enumerate(expected)]
    labels, probs = as_trained.decoder(as_trained.encoder(tokens, text))
    assert labels == expected
    for label, want, got in zip(labels, marginals, probs, strict=True):
        assert got == (0.0 if label == "O" else pytest.approx(want, abs=1e-12))


def test_state_scores_are_the_summed_weights_of_the_feature_names(
    recognizer: CrfRecognizer,
) -> None:
    import numpy as np

    text = "Hi, my name is Maria Jensen and I live at 12 Main St\nLeeds"
    tokens = tokenize(text)
    weights = recognizer.encoder.weights
    scores = recognizer.encoder(tokens, text)
    assert scores.shape == (len(tokens), len(recognizer.decoder.labels))
    for features, row in zip(recognizer.features(tokens, text), scores, strict=True):
        expected = np.sum([weights[name] for name in features if name in weights], axis=0)
        assert row == pytest.approx(expected, abs=1e-9)
    assert recognizer.encoder(tokenize(""), "").shape == (0, len(recognizer.decoder.labels))
    assert recognizer.decoder(scores[:0]) == ([], [])


@pytest.mark.parametrize(
    "word",
    [
        "Maria",
        "maria",
        "MARIA",
        "Jensen",
        "12",
        "NW-48213",
        "Ümit",
        "straße",
        "東京",
        "O'Neil",
        "x",
        "Zzyzxqv",
        "ab1",
        "...",
        "McDonald",
        "Jean-Luc",
        "1,234.50",
    ],
)
def test_a_new_words_row_is_the_sum_of_its_feature_names(
    recognizer: CrfRecognizer, word: str
) -> None:
    encoder = recognizer.encoder
    parts = encoder._parts.take(encoder._word_parts(word), axis=0).sum(0)
    assert parts == pytest.approx(encoder._row_from_names(word), abs=1e-9)


def test_decoder_reads_labels_from_the_transition_weights() -> None:
    import numpy as np

    # Two labels; switching costs 10 and staying in "B" costs 1: the middle token's weak
    # preference for "B" (1) loses to the cost of getting there and back or of staying.
    decoder = ChainDecoder(["O", "B"], [[0.0, -10.0], [-10.0, -1.0]])
    labels, probs = decoder(np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    assert labels == ["O", "O", "O"]
    assert probs == [0.0, 0.0, 0.0]
    labels, probs = decoder(np.array([[0.0, 5.0], [0.0, 1.0], [0.0, 5.0]]))
    assert labels == ["B", "B", "B"]
    assert all(0.9 < p <= 1.0 for p in probs)
    # One token: no transition; the marginal is the softmax of its two scores.
    labels, probs = decoder(np.array([[0.0, 2.0]]))
    assert labels == ["B"]
    assert probs == [pytest.approx(1 / (1 + np.exp(-2.0)))]
    # Scores far apart (exp would overflow without the shift by each row's maximum).
    labels, probs = decoder(np.array([[0.0, 900.0], [900.0, 0.0]]))
    assert labels == ["B", "O"]
    assert probs == [pytest.approx(1.0), 0.0]


def test_decoder_prior_shifts_a_label_at_every_token() -> None:
    import numpy as np

    transitions = [[0.0, -10.0], [-10.0, -1.0]]
    scores = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert ChainDecoder(["O", "B"], transitions, {"B": 0.0})(scores)[0] == ["O", "O", "O"]
    # A shift of 11 per token outweighs the two switches (20) and staying (2) over 3 tokens.
    labels, probs = ChainDecoder(["O", "B"], transitions, {"B": 11.0})(scores)
    assert labels == ["B", "B", "B"]
    assert all(0.5 < p <= 1.0 for p in probs)
    # The scores given are not changed in place.
    assert scores.tolist() == [[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    with pytest.raises(ValueError, match="no such label in the model: I"):
        ChainDecoder(["O", "B"], transitions, {"I": 1.0})


@pytest.fixture(scope="module")
def as_trained() -> CrfRecognizer:
    return CrfRecognizer(name_prior=0.0)


@pytest.mark.parametrize(
    ("text", "default", "with_prior"),
    [
        # Fictional names, each one the model as trained (prior 0) misses.
        ("Corwen posted the new video", [], [("Corwen", "PERSON")]),
        ("who is Thorne anyway", [], [("Thorne", "PERSON")]),
        (
            # "or": a word joined by "and" to a name found is a name at any prior.
            "Lysander or Pim are late again",
            [("Pim", "PERSON")],
            [("Lysander", "PERSON"), ("Pim", "PERSON")],
        ),
        # Words that are no names stay unreported.
        ("watching the new video tonight", [], []),
    ],
)
def test_name_prior_reports_more_names(
    as_trained: CrfRecognizer,
    text: str,
    default: list[tuple[str, str]],
    with_prior: list[tuple[str, str]],
) -> None:
    def found(r: CrfRecognizer) -> list[tuple[str, str]]:
        return [(text[f.start : f.end], f.entity_type) for f in r.find(text) if f.score >= 0.5]

    assert found(as_trained) == default
    assert found(CrfRecognizer(name_prior=4.0)) == with_prior


@pytest.mark.parametrize("prior", [8.5, -9.0, float("nan"), float("inf")])
def test_name_prior_out_of_range_is_refused(prior: float) -> None:
    with pytest.raises(ValueError, match=r"name_prior must lie between -8\.0 and 8\.0"):
        CrfRecognizer(name_prior=prior)


def test_name_prior_setting_reaches_the_analyzer(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from confide.config import Settings
    from confide.pii_config import analyzer_options, configured_analyzer

    assert analyzer_options(Settings(data_dir=tmp_path)).name_prior == DEFAULT_NAME_PRIOR == 1.75
    settings = Settings(data_dir=tmp_path, pii_name_prior=4.0)
    assert analyzer_options(settings).name_prior == 4.0
    text = "Corwen posted the new video"
    assert [text[f.start : f.end] for f in configured_analyzer(settings).analyze(text)] == [
        "Corwen"
    ]
    # The setting's bounds are the recognizer's.
    for bad in (MAX_NAME_PRIOR + 0.5, -MAX_NAME_PRIOR - 0.5):
        with pytest.raises(ValidationError, match="pii_name_prior"):
            Settings(data_dir=tmp_path, pii_name_prior=bad)
    assert Settings(data_dir=tmp_path, pii_name_prior=MAX_NAME_PRIOR).pii_name_prior == 8.0


def test_state_score_encoder_with_a_tiny_cache_gives_the_same_scores(
    recognizer: CrfRecognizer,
) -> None:
    encoder = recognizer.encoder
    tiny = StateScoreEncoder(recognizer.features, encoder.weights, cache_size=3)
    for text in ["Maria Jensen lives in Leeds", "Ship it to 12 Main St", "Maria again"]:
        tokens = tokenize(text)
        assert tiny(tokens, text) == pytest.approx(encoder(tokens, text), abs=1e-12)


@pytest.mark.parametrize(
    ("value", "pair"),
    [
        ("my|name", ("my", "name")),
        ("||name", ("|", "name")),
        ("name||", ("name", "|")),
        ("|||", ("|", "|")),
    ],
)
def test_pair_feature_values_split_into_their_two_words(value: str, pair: tuple[str, str]) -> None:
    assert _split_pair(value) == pair


def test_tokens_keep_their_text_and_offsets() -> None:
    tokens = tokenize("O'Neil's order")
    assert [(t.text, t.start, t.end) for t in tokens] == [
        ("O'Neil", 0, 6),
        ("'s", 6, 8),
        ("order", 9, 14),
    ]
    assert tokens[0] == Token("O'Neil", 0, 6)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "Guten Morgen! Die Rechnung bitte an Katharina Schulz schicken, danke.",
            ["Katharina Schulz"],
        ),
        ("Le colis pour Mathieu Girard n'est jamais arrivé à Bordeaux.", ["Mathieu Girard"]),
        ("Mi hermana Carmen Ruiz hizo el pedido desde Valencia.", ["Carmen Ruiz", "Valencia"]),
        ("Het pakket voor Pieter Janssen is niet aangekomen in Rotterdam.", ["Pieter Janssen"]),
        ("Il pacco per Francesca Romano non è mai arrivato a Napoli.", ["Francesca Romano"]),
        ("Paczka dla Agnieszki Nowak nie dotarła do Krakowa.", ["Agnieszki Nowak"]),
        ("Меня зовут Светлана Кабанова, я живу в Москве.", ["Светлана Кабанова"]),
    ],
)
def test_names_in_other_languages_are_found_with_exact_spans(
    recognizer: CrfRecognizer, text: str, names: list[str]
) -> None:
    found = [text[f.start : f.end] for f in recognizer.find(text)]
    for name in names:
        assert name in found
    # A name never runs on into the ordinary words of the sentence.
    assert all(len(span.split()) <= 3 for span in found)


@pytest.mark.parametrize(
    ("text", "addresses"),
    [
        ("Koenigstrasse 51 street in Weimar", ["Koenigstrasse 51"]),
        ("please ship to 1121 New Creek Road, Ohatchee", ["1121 New Creek Road"]),
        ("livraison au 14 Rue Aghlab, Tunis", ["14 Rue Aghlab"]),
        ("spedire a Via Roma 12, Napoli", ["Via Roma 12"]),
        (
            "Paul-Nevermann-Platz 47 und Kaupangsstræti 98",
            ["Paul-Nevermann-Platz 47", "Kaupangsstræti 98"],
        ),
        ("42 ELM ROAD", ["42 ELM ROAD"]),
        # Street words glued to other characters in one token still count.
        ("ship to 12 Main St-5 please", ["12 Main St"]),
        ("see x.Via Roma 12", ["Via Roma 12"]),
        # Ordinary sentences with numbers and capitals are not addresses.
        ("I ordered 3 Blue Kettles on Monday", []),
        ("we paid 20 dollars for the road", []),
        ("order 12345 way too late", []),
        ("the weg 12 was closed", []),
        ("I bought 2 Nike Court shoes", []),
        ("Got 2 Big Mac Meals Way too salty", []),
        ("The Brigade 2 jacket and a Sweetie 2 pack", []),
        ("Katie 2 days ago ordered this", []),
    ],
)
def test_address_shapes(text: str, addresses: list[str]) -> None:
    assert [text[a:b] for a, b in address_shapes(text)] == addresses
    # The analyzer's count of the text's digits, when given, spares the scan for one.
    digits = DigitStats.of(text).digits
    assert [text[a:b] for a, b in address_shapes(text, None, digits)] == addresses


def test_a_digit_count_of_none_means_no_address_shape() -> None:
    assert address_shapes("1121 New Creek Road") == [(0, 19)]
    assert address_shapes("1121 New Creek Road", None, 0) == []  # the caller's count rules


def test_the_tagger_finds_the_same_with_the_analyzers_digit_counts() -> None:
    recognizer = CrfRecognizer()
    texts = [
        "Ship it to 1121 New Creek Road, Springfield, says Ana Lund",
        "Pachergasse 64 in Wien, ask for Jonas",
        "no numbers here, just Maria Jensen from Oslo",
        "14 Rue Aghlab\nTunis",
    ]
    found = 0
    for text in texts:
        expected = recognizer.find(text)
        assert recognizer.find(text, DigitStats.of(text)) == expected
        found += len(expected)
    assert found >= len(texts)


def test_an_address_shape_replaces_a_street_name_tagged_as_a_place(
    recognizer: CrfRecognizer,
) -> None:
    text = "Koenigstrasse 51 street in Weimar."
    found = {(f.entity_type, text[f.start : f.end]) for f in recognizer.find(text)}
    assert ("STREET_ADDRESS", "Koenigstrasse 51") in found
    assert not any(t != "STREET_ADDRESS" and "Koenigstrasse" in s for t, s in found)


def test_an_address_the_tagger_found_is_not_cut_short_by_a_shape(
    recognizer: CrfRecognizer,
) -> None:
    # "12 Main St" alone is an address shape; the tagger's longer address stands.
    text = "Please ship it to 12 Main St, Apt 4, Springfield"
    found = recognizer.find(text)
    addresses = [text[f.start : f.end] for f in found if f.entity_type == "STREET_ADDRESS"]
    assert addresses == ["12 Main St, Apt 4"]


@pytest.mark.parametrize(
    "text",
    [
        '{"sku": "JM-3105", "name": "Merino crew-neck jumper, navy, M", "qty": 1}',
        "name: Linen table lamp, oat",
    ],
)
def test_product_names_are_not_street_addresses(recognizer: CrfRecognizer, text: str) -> None:
    assert [f for f in recognizer.find(text) if f.entity_type == "STREET_ADDRESS"] == []


def test_a_name_is_never_swallowed_by_an_address_shape(recognizer: CrfRecognizer) -> None:
    text = "Hi, this is Hattie 3 days late with the rent for 12 Main Road"
    found = [(f.entity_type, text[f.start : f.end]) for f in recognizer.find(text)]
    assert ("PERSON", "Hattie") in found


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # A signature: the name, then a job title on the next line.
        ("Alan F Jansson\nPersonalis\n190 Main St", ["Alan F Jansson"]),
        ("Regards,\r\nJohn Smith\r\nHead of Sales", ["John Smith"]),
        # A list of surnames: each its own name.
        ("our founders: Yermolayeva, Patterson and Stephens.", ["Yermolayeva"]),
    ],
)
def test_a_name_runs_over_neither_a_line_break_nor_a_comma(
    recognizer: CrfRecognizer, text: str, names: list[str]
) -> None:
    found = [text[f.start : f.end] for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert all("\n" not in name and "\r" not in name and "," not in name for name in found)
    assert all(name in found for name in names)


def test_threads_sharing_one_recognizer_get_what_one_thread_gets() -> None:
    from concurrent.futures import ThreadPoolExecutor

    # A recognizer of its own: its word rows start empty, so the threads add rows at once.
    shared = CrfRecognizer()
    texts = [
        f"Hi, I am {first} {last}, ship it to {n} Elm Road, Leeds. Thanks, {first}"
        for n, (first, last) in enumerate(
            [("Maria", "Jensen"), ("Ada", "Ng"), ("Jo", "Okafor"), ("Lena", "Berg")] * 25, 1
        )
    ]
    expected = [CrfRecognizer().find(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(shared.find, texts))
    assert got == expected
    assert any(f.entity_type == "PERSON" for found in got for f in found)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a declined or rare first name the character model leans to, before a surname
        ("Paczka dla Agnieszki Nowak nie dotarła do Krakowa.", "Agnieszki Nowak"),
        # only a one-word name takes a word in, and no abbreviated day or title
        ("Delivery booked for Fri Anna Smith will be home.", "Anna Smith"),
        ("My Financial Advisor Tom Baker called.", "Tom Baker"),
        ("The car is a Corolla Anna Smith bought.", "Anna Smith"),
        ("Our Toyota Maria Lopez had booked was late.", "Maria Lopez"),
    ],
)
def test_a_name_takes_in_a_first_name_the_model_doubts(
    recognizer: CrfRecognizer, text: str, name: str
) -> None:
    people = [text[f.start : f.end] for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert name in people
    assert not any(p != name and (p in name or name in p) for p in people)


@pytest.mark.parametrize(
    ("text", "span", "surnames", "pieces"),
    [
        # a lower-case surname the lists know stays in the name, before or after it
        ("Ask Maria gonzalez today", (1, 3, "PERSON"), {"gonzalez"}, ["Maria gonzalez"]),
        # only after a capitalised word: a lower-case first name is no surname
        ("Ask maria Gonzalez today", (1, 3, "PERSON"), {"maria"}, ["Gonzalez"]),
        # not known: cut as before
        ("Ask Maria gonzalez today", (1, 3, "PERSON"), set(), ["Maria"]),
        ("Ask Maria tomorrow please", (1, 3, "PERSON"), {"gonzalez"}, ["Maria"]),
        # only next to a capitalised word of the name
        ("Ask Maria sent gonzalez", (1, 4, "PERSON"), {"gonzalez"}, ["Maria"]),
        # only people: an organisation is cut at its lower-case words
        ("Ask Acme gonzalez today", (1, 3, "ORGANIZATION"), {"gonzalez"}, ["Acme"]),
        # a name all in lower case stays where every word is a listed name, else is dropped
        ("Ask maria gonzalez today", (1, 3, "PERSON"), {"maria", "gonzalez"}, ["maria gonzalez"]),
        ("Ask maria gonzalez today", (1, 3, "PERSON"), {"maria"}, []),
        ("Ask acme corp today", (1, 3, "ORGANIZATION"), {"acme", "corp"}, []),
    ],
)
def test_a_name_keeps_a_lower_case_surname(
    text: str, span: tuple[int, int, str], surnames: set[str], pieces: list[str]
) -> None:
    tokens = tokenize(text)
    got = _cased_pieces(tokens, span, surnames)
    assert [text[tokens[a].start : tokens[b - 1].end] for a, b, _ in got] == pieces


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi, this is Maria gonzalez, my card was blocked", "Maria gonzalez"),
        ("I spent my day with Kerri russel at the branch", "Kerri russel"),
        # listed as surnames too, but ordinary words to the character model
        ("Tell Sarah young customers get 10% off", "Sarah"),
        ("Hi Maria grant is here", "Maria"),
        # all in lower case in cased text: every word a name that reads as no ordinary word
        ("I met sarah yesterday in Leeds", "sarah"),
        ("Ask maria gonzalez. Thanks", "maria gonzalez"),
        # all in lower case, the tagger's name, one of its words no ordinary word (as in
        # NLU++'s banking requests: every name there is written in lower case)
        (
            "I should have received $200 from dorinda quassett, but it is still not here.",
            "dorinda quassett",
        ),
        ("Please set up a standing order to jorvik palmquist on the 4th", "jorvik palmquist"),
    ],
)
def test_a_half_lower_case_name_is_redacted_whole(
    recognizer: CrfRecognizer, text: str, name: str
) -> None:
    people = [text[f.start : f.end] for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert people == [name]


def test_an_ordinary_word_in_lower_case_is_no_name(recognizer: CrfRecognizer) -> None:
    """ "bell" is a surname in the lists, but the character model reads it as a word."""
    text = "But apparently I rang the wrong bell, waited ninety seconds"
    assert [f for f in recognizer.find(text) if f.entity_type == "PERSON"] == []


def test_lower_case_words_all_ordinary_are_no_name(recognizer: CrfRecognizer) -> None:
    """The tagger takes "satanic felines" for a name (in a presidio-research template); in
    cased text the span is cut, as no word of it is anything but an ordinary word."""
    text = "When they weren't singing about Hobbits, satanic felines and interstellar journeys"
    assert [f for f in recognizer.find(text) if f.entity_type == "PERSON"] == []


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        # ordinary words written with a capital: no name or place by their shape alone
        ("Snowstorm", None),
        ("Spirit", None),
        ("Merry", None),
        ("Rose", None),
        # names the dictionary holds only capitalised, or not at all
        ("Lafontaine", "PERSON"),
        ("Madison", "PERSON"),
    ],
)
def test_an_ordinary_word_has_no_name_shape(
    recognizer: CrfRecognizer, word: str, kind: str | None
) -> None:
    assert recognizer._word_kind(word, False) == kind


def test_a_capitalised_ordinary_word_alone_is_no_name(recognizer: CrfRecognizer) -> None:
    text = "Next week is Spirit Week, and a huge Snowstorm hit Lafontaine"
    found = [(text[f.start : f.end], f.entity_type) for f in recognizer.find(text)]
    assert ("Spirit", "PERSON") not in found and ("Snowstorm", "PERSON") not in found
    assert ("Lafontaine", "PERSON") in found


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # an ordinary word opening a text or a sentence, and the tagger unsure: no name
        ("Cashmere scarf, grey", []),
        ("Thanks. Cashmere scarf, grey", []),
        # a name that is no ordinary word stays, inside a sentence or opening one
        ("I spoke to Madison about it", ["Madison"]),
        ("Madison called about her order", ["Madison"]),
    ],
)
def test_an_ordinary_word_opening_a_sentence_is_no_name(
    recognizer: CrfRecognizer, text: str, names: list[str]
) -> None:
    found = [text[f.start : f.end] for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert found == names


def test_the_opening_word_rule_needs_its_conditions(monkeypatch: pytest.MonkeyPatch) -> None:
    """At a name prior of 2 (the default until the ninth session; a deployment may set more)
    the tagger reads "Cashmere" as a name, and the rule drops it; without the rule it stays."""
    from confide.pii import ner

    recognizer = CrfRecognizer(name_prior=2.0)
    text = "Cashmere scarf, grey"
    assert [f for f in recognizer.find(text) if f.entity_type == "PERSON"] == []
    limit = ner.OPENING_WORD_MAX
    monkeypatch.setattr(ner, "OPENING_WORD_MAX", 0.0)
    found = [f for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert [text[f.start : f.end] for f in found] == ["Cashmere"]
    assert ner.DOUBTED_ORDINARY_MAX < found[0].score < limit
    assert "cashmere" in recognizer._ordinary


def test_an_ordinary_word_the_tagger_doubts_is_no_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a sentence a capitalised ordinary word in no list of names, read as a name
    under the name-shape score, is dropped; without the rule it stays."""
    from confide.pii import ner

    recognizer = CrfRecognizer()
    text = "When they weren't singing about Hobbits, satanic felines and interstellar journeys"
    assert [f for f in recognizer.find(text) if f.entity_type == "PERSON"] == []
    monkeypatch.setattr(ner, "DOUBTED_ORDINARY_MAX", 0.0)
    found = [f for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert [text[f.start : f.end] for f in found] == ["Hobbits"]
    assert found[0].score < ner.NAME_SHAPE_SCORE
    assert "hobbits" in recognizer._ordinary and recognizer._no_name("hobbits")


def test_a_doubted_ordinary_word_that_is_a_listed_name_stays() -> None:
    """ "Moss" is an ordinary word and a surname of the lists: the tagger's doubt stands."""
    from confide.pii import ner

    recognizer = CrfRecognizer()
    text = "We talked about Moss at length"
    found = [f for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert [text[f.start : f.end] for f in found] == ["Moss"]
    assert found[0].score < ner.DOUBTED_ORDINARY_MAX
    assert "moss" in recognizer._ordinary and not recognizer._no_name("moss")


@pytest.mark.parametrize(
    ("text", "word", "kept"),
    [
        # a nationality in no list of names: the word list reports it, not the tagger
        ("I am Nigerian, my zip code is 90210.", "Nigerian", False),
        # "French" is a surname too: the tagger's reading stands (the analyzer weighs it)
        ("She is French and lives in Leeds.", "French", True),
    ],
)
def test_a_group_word_in_no_list_of_names_is_no_name(text: str, word: str, kept: bool) -> None:
    recognizer = CrfRecognizer(name_prior=2.0)
    found = [text[f.start : f.end] for f in recognizer.find(text) if f.entity_type == "PERSON"]
    assert found == ([word] if kept else [])
    tokens, labels, _ = recognizer.tag(text)
    assert labels[[t.text for t in tokens].index(word)] == "B-PERSON"


@pytest.mark.parametrize(
    ("text", "kept", "without_rule"),
    [
        ("CU-6603", [], [("ORGANIZATION", "CU-6603")]),
        ("SKU CU-6603", [("ORGANIZATION", "SKU")], [("ORGANIZATION", "SKU CU-6603")]),
        ("Ordered CU-6603 and JM-3105", [], [("STREET_ADDRESS", "JM-3105")]),
        (
            "Please pass this to Dave CU-6603 tomorrow",
            [("PERSON", "Dave")],
            [("PERSON", "Dave CU-6603")],
        ),
    ],
)
def test_an_item_code_is_cut_from_a_name_firm_or_place_and_is_no_address(
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    kept: list[tuple[str, str]],
    without_rule: list[tuple[str, str]],
) -> None:
    """The tagger reads the demo shop's item code "CU-6603" as a firm, or runs a name into
    it: a word of letters, a hyphen and three digits or more at either end of a name, firm
    or place is cut off (the span dropped where nothing is left), and such words alone are
    no address."""
    from confide.pii import ner

    recognizer = CrfRecognizer()
    found = [(f.entity_type, text[f.start : f.end]) for f in recognizer.find(text)]
    assert found == kept
    monkeypatch.setattr(ner, "_CODE", re.compile(r"(?!)"))
    found = [(f.entity_type, text[f.start : f.end]) for f in recognizer.find(text)]
    assert found == without_rule


def test_a_unit_code_inside_an_address_stays() -> None:
    text = "Please send it to Unit B-101, 12 Harbour Road, Leeds"
    found = {text[f.start : f.end] for f in CrfRecognizer().find(text)}
    assert any("B-101" in span and "Harbour Road" in span for span in found), found


def test_the_ordinary_words_list() -> None:
    """Written by scripts/build_ordinary_words.py: SCOWL's lower-case entries."""
    ordinary = _ordinary_words(ordinary_path(DEFAULT_MODEL_PATH))
    assert len(ordinary) > 50_000
    assert {"rose", "mark", "tea", "doctor", "smith", "snowstorm"} <= ordinary
    assert not {"justin", "madison", "george", "gonzalez", "london"} & ordinary
    assert all(word.islower() for word in ordinary)


def test_a_model_without_its_own_list_reads_the_packaged_one(tmp_path: Path) -> None:
    assert _ordinary_words(tmp_path / "ner.ordinary.txt") == _ordinary_words(
        ordinary_path(DEFAULT_MODEL_PATH)
    )


def test_the_leading_word_rule_itself(recognizer: CrfRecognizer) -> None:
    """The rule on findings given to it, whatever the tagger makes of the sentence."""
    text = "Paczka dla Agnieszki Nowak, Fri Nowak, Sony Anna Nowak"
    tokens, _, _ = recognizer.tag(text)
    labels = ["O"] * len(tokens)
    at = {text[t.start : t.end]: t for t in tokens}

    def person(start: int, end: int) -> Finding:
        return Finding("PERSON", start, end, 0.9, "crf-ner")

    nowak = [t for t in tokens if t.text == "Nowak"]
    anna = at["Anna"]
    findings = [
        person(nowak[0].start, nowak[0].end),  # one word: takes "Agnieszki" in
        person(nowak[1].start, nowak[1].end),  # "Fri" is an abbreviated day: stays out
        person(anna.start, nowak[2].end),  # two words: nothing taken in
        Finding("LOCATION", at["Agnieszki"].start, at["Agnieszki"].end, 0.55, "crf-ner"),
    ]
    result = recognizer._with_leading_names(text, tokens, labels, findings)
    assert [(f.entity_type, text[f.start : f.end]) for f in result] == [
        ("PERSON", "Agnieszki Nowak"),
        ("PERSON", "Nowak"),
        ("PERSON", "Anna Nowak"),
    ]


def test_the_trailing_surname_rule_itself(recognizer: CrfRecognizer) -> None:
    """A one-word given name takes in the capitalised word after it; nothing else does."""
    text = "Ernie Banks, Dorinda Street, Anna Monday, Kephart Banks, Emily Rose Smith, Ernie  Banks"
    tokens, _, _ = recognizer.tag(text)
    labels = ["O"] * len(tokens)
    words = [t for t in tokens if t.text.isalpha()]

    def person(first: int, last: int) -> Finding:
        return Finding("PERSON", words[first].start, words[last].end, 0.9, "crf-ner")

    findings = [
        person(0, 0),  # "Ernie": takes "Banks" in
        Finding("LOCATION", words[1].start, words[1].end, 0.55, "crf-ner"),  # "Banks" alone
        person(2, 2),  # "Dorinda": "Street" is a customer-service word
        person(4, 4),  # "Anna": "Monday" is a day
        person(6, 6),  # "Kephart" is no given name
        person(8, 9),  # "Emily Rose": two words, nothing taken in
        person(11, 11),  # "Ernie", two spaces before "Banks"
    ]
    result = recognizer._with_trailing_surnames(text, tokens, labels, findings)
    assert [(f.entity_type, text[f.start : f.end]) for f in result] == [
        ("PERSON", "Ernie Banks"),
        ("PERSON", "Dorinda"),
        ("PERSON", "Anna"),
        ("PERSON", "Kephart"),
        ("PERSON", "Emily Rose"),
        ("PERSON", "Ernie"),
    ]
    # A word the tagger labelled is left to the tagger.
    labelled = ["O"] * len(tokens)
    labelled[tokens.index(words[1])] = "B-LOCATION"
    kept = recognizer._with_trailing_surnames(text, tokens, labelled, findings[:2])
    assert [text[f.start : f.end] for f in kept] == ["Ernie", "Banks"]


def test_the_listed_names_rule_itself(recognizer: CrfRecognizer) -> None:
    """A capitalised word joined by "and", "&" or a comma to a name found is a name."""
    text = "Ann , Barker and Cole . Hill or Ann . Monday and Ann . Ed and Ann . Street , Ann & Kerr"
    tokens, _, _ = recognizer.tag(text)
    labels = ["O"] * len(tokens)
    anns = [t for t in tokens if t.text == "Ann"]
    cole = next(t for t in tokens if t.text == "Cole")
    findings = [Finding("PERSON", t.start, t.end, 0.9, "crf-ner") for t in anns]
    findings.append(Finding("LOCATION", cole.start, cole.end, 0.55, "crf-ner"))
    result = recognizer._with_listed_names(tokens, labels, findings)
    added = [(text[f.start : f.end], f.score) for f in result[len(findings) :]]
    # Not "Cole" (a place already, and joined only to a word taken now), "Hill" ("or"),
    # "Monday" (a day), "Ed" (two letters), "Street" (a customer-service word).
    assert added == [("Barker", NAME_SHAPE_SCORE), ("Kerr", NAME_SHAPE_SCORE)]
    assert result[: len(findings)] == findings
    # A word the tagger labelled is left to the tagger.
    barker = next(k for k, t in enumerate(tokens) if t.text == "Barker")
    labelled = [("B-ORGANIZATION" if k == barker else "O") for k in range(len(tokens))]
    assert "Barker" not in [
        text[f.start : f.end] for f in recognizer._with_listed_names(tokens, labelled, findings)
    ]


def _left_alone(recognizer: CrfRecognizer, text: str) -> tuple[list[Token], list[str]]:
    """``text``'s tokens, every one labelled "O": the rules see only the findings given."""
    tokens, _, _ = recognizer.tag(text)
    return tokens, ["O"] * len(tokens)


def test_the_rank_title_rule_itself(recognizer: CrfRecognizer) -> None:
    """A capitalised rank or office right before a name found is part of it."""
    text = (
        "Coach Barr , PM Okafor , at 2:03 PM Chari , Mr Ehrlich , coach Lyle , "
        "Coach  Tamm , Kid Pebble , Captain Quill Hart , Chief Orrin , Lil Yachtley"
    )
    tokens, labels = _left_alone(recognizer, text)
    names = ["Barr", "Okafor", "Chari", "Ehrlich", "Lyle", "Tamm", "Pebble", "Quill Hart"]
    names += ["Orrin", "Yachtley", "Lil"]
    findings = [
        Finding("PERSON", (start := text.index(n)), start + len(n), 0.9, "crf-ner") for n in names
    ]
    chief = text.index("Chief")
    findings.append(Finding("LOCATION", chief, chief + len("Chief"), 0.6, "crf-ner"))
    result = _with_rank_titles(text, tokens, labels, findings)
    assert [text[f.start : f.end] for f in result] == [
        "Coach Barr",
        "PM Okafor",
        "Chari",  # "PM" after a time is the time's
        "Ehrlich",  # a courtesy title stays out, as presidio-evaluator labels it
        "Lyle",  # "coach" in lower case is a job
        "Tamm",  # two spaces
        "Kid Pebble",
        "Captain Quill Hart",
        "Orrin",  # "Chief" is another finding's
        "Lil Yachtley",  # "Lil" alone, a name found, is no name of its own any more
        "Chief",
    ]
    assert {f.score for f in result} == {0.9, 0.6}
    # A title the tagger labelled is left to the tagger.
    labelled = [("B-ORGANIZATION" if t.text == "Coach" else "O") for t in tokens]
    assert text[_with_rank_titles(text, tokens, labelled, findings)[0].start :].startswith("Barr")


def test_the_closed_quotes_rule_itself(recognizer: CrfRecognizer) -> None:
    """A name found with half of a quoted nickname takes in the other half and the rest."""
    text = (
        'Ida "Mo" Vale , Ida "Mo" street , Ida "Mo" , Lu \u201cLulu\u201d Ma , '
        'Al "Bee" Ro , "Ina here'
    )
    tokens, labels = _left_alone(recognizer, text)

    def person(part: str, at: int = 0) -> Finding:
        start = text.index(part, at)
        return Finding("PERSON", start, start + len(part), 0.9, "crf-ner")

    findings = [
        person('Ida "Mo'),  # closing quote, then a capitalised word: the surname
        person('Ida "Mo', 10),  # then a customer-service word: the quote only
        person('Ida "Mo', 30),  # nothing after the quote
        person("Lu"),
        person("Lulu\u201d Ma"),  # the name before the opening quote joins
        person('Al "Bee" Ro'),  # balanced: left alone
        person('"Ina'),  # a quote opening a text, nothing to close
    ]
    result = _with_closed_quotes(text, tokens, labels, findings, frozenset({"street"}))
    assert [text[f.start : f.end] for f in result] == [
        'Ida "Mo" Vale',
        'Ida "Mo"',
        'Ida "Mo"',
        "Lu \u201cLulu\u201d Ma",
        'Al "Bee" Ro',
        '"Ina',
    ]
    # A word the tagger labelled is left to the tagger.
    vale = next(k for k, t in enumerate(tokens) if t.text == "Vale")
    labelled = [("B-LOCATION" if k == vale else "O") for k in range(len(tokens))]
    first = _with_closed_quotes(text, tokens, labelled, findings[:1], frozenset())[0]
    assert text[first.start : first.end] == 'Ida "Mo"'


def test_the_joined_names_rule_itself() -> None:
    """Two names with a quoted nickname or name particles between them are one."""
    text = (
        'Wilma Rae " Big Mo " Thornbury , Oskar de la Rentera , Ann and Bo , '
        'Lu \u201cLulu\u201d Ma , Ida "ida@example.com" Vale , Tove "Tiv" Lund Hall'
    )

    def finding(part: str, entity: str = "PERSON", score: float = 0.9) -> Finding:
        match = re.search(rf"\b{re.escape(part)}\b", text)
        assert match
        return Finding(entity, match.start(), match.end(), score, "crf-ner")

    findings = [
        finding("Wilma Rae"),
        finding("Big Mo", "ORGANIZATION"),
        finding("Thornbury", score=0.6),
        finding("Rentera", score=0.55),
        finding("Oskar"),
        finding("Ann"),
        finding("Bo"),
        finding("Lu", score=0.7),
        finding("Ma"),
        finding("Ida"),
        finding("ida@example.com", "EMAIL_ADDRESS", 1.0),
        finding("Vale"),
        finding("Tove"),
        finding("Lund Hall", "ORGANIZATION"),  # reaches across the edge of "Tove ... Lund"
        finding("Lund"),
    ]
    result = _with_joined_names(text, findings)
    assert sorted((text[f.start : f.end], f.entity_type, f.score) for f in result) == [
        ("Ann", "PERSON", 0.9),  # "and" lists two people
        ("Bo", "PERSON", 0.9),
        ("Ida", "PERSON", 0.9),  # an address in quotes is no nickname
        ("Lu \u201cLulu\u201d Ma", "PERSON", 0.9),
        ("Lund", "PERSON", 0.9),
        ("Lund Hall", "ORGANIZATION", 0.9),
        ("Oskar de la Rentera", "PERSON", 0.9),
        ("Tove", "PERSON", 0.9),
        ("Vale", "PERSON", 0.9),
        ('Wilma Rae " Big Mo " Thornbury', "PERSON", 0.9),
        ("ida@example.com", "EMAIL_ADDRESS", 1.0),
    ]
    # Nothing to join: the same list back.
    assert _with_joined_names(text, findings[5:7]) == findings[5:7]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Coach Yachtley speaks to reporters", [("PERSON", "Coach Yachtley")]),
        ("so proud of Chief Yachtley tonight", [("PERSON", "Chief Yachtley")]),
        (
            'Message from Emmeline "Em" Watson about my order',
            [("PERSON", 'Emmeline "Em" Watson')],
        ),
        # the tagger stops inside the quotes: the surname is not left out
        (
            'Message from Imelda "Mel" Pellworth about my order',
            [("PERSON", 'Imelda "Mel" Pellworth')],
        ),
        (
            "Hi, I am Greta \u201cGigi\u201d Kastellan and my card was blocked",
            [("PERSON", "Greta \u201cGigi\u201d Kastellan")],
        ),
        # an address in quotes is no nickname: both names and the address stay
        (
            'Message from Imelda "mq@example.com" Watson about my order',
            [("PERSON", "Imelda"), ("EMAIL_ADDRESS", "mq@example.com"), ("PERSON", "Watson")],
        ),
    ],
)
def test_a_title_or_a_nickname_is_part_of_the_name(
    text: str, expected: list[tuple[str, str]]
) -> None:
    """Sentences where the tagger alone finds the name without its title or nickname."""
    found = [(f.entity_type, text[f.start : f.end]) for f in PiiAnalyzer().analyze(text)]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "left_alone", "name"),
    [
        # A given name takes in the surname after it.
        ("Funniest thing : Mabel Ladder tellin me jokes", "Ladder", "Mabel Ladder"),
        ("Great game from Irving Ladder tonight", "Ladder", "Irving Ladder"),
        ("Quick note : Gertrude Ladder called about the refund", "Ladder", "Gertrude Ladder"),
        # A word listed with a name is a name.
        ("Thanks to Mabel , Gertrude and Ladder for the party", "Ladder", "Ladder"),
        ("Irving Pebble and Cobbler went home", "Cobbler", "Cobbler"),
        ("Met with Gertrude & Kettle today", "Kettle", "Kettle"),
    ],
)
def test_a_word_the_tagger_left_alone_beside_a_name_is_named(
    recognizer: CrfRecognizer, text: str, left_alone: str, name: str
) -> None:
    """Sentences where the shipped tagger labels ``left_alone`` "O"."""
    tokens, labels, _ = recognizer.tag(text)
    assert labels[[t.text for t in tokens].index(left_alone)] == "O"
    found = {text[f.start : f.end]: f.entity_type for f in recognizer.find(text)}
    assert found.get(name) == "PERSON"


def test_a_sure_address_of_capitalised_words_without_a_number_is_a_place() -> None:
    class SureAddress(CrfRecognizer):
        def _tagged(self, text: str) -> tuple[list[Token], list[str], list[str], list[float]]:
            tokens, lowered, _, _ = super()._tagged(text)
            labels = ["O", "O", "O", "B-STREET_ADDRESS", "I-STREET_ADDRESS", "I-STREET_ADDRESS"]
            labels += ["I-STREET_ADDRESS", "O"]
            return tokens, lowered, labels, [0.95] * len(tokens)

    text = "I live at Rosewood Gardens, Kingsbridge."
    found = [(f.entity_type, text[f.start : f.end]) for f in SureAddress().find(text)]
    assert found == [("LOCATION", "Rosewood Gardens, Kingsbridge")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can I exchange between GBP and USD on the app?", []),
        ("Am I limited to what ATM I can use my card?", []),
        ("Macy was so mean to Emily I can't believe she did that", ["Macy", "Emily"]),
        ("Please write to Anna I. Kowalska today", ["Anna I. Kowalska"]),  # an initial
        ("The parcel is for Alistair I Maclean", ["Alistair I Maclean"]),
    ],
)
def test_the_pronoun_i_is_no_part_of_a_finding(
    recognizer: CrfRecognizer, text: str, expected: list[str]
) -> None:
    found = [text[f.start : f.end] for f in recognizer.find(text)]
    assert [v for v in found if v in expected or "I" in v.split()] == expected


def test_words_remembered_as_no_street_words_change_no_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from confide.pii import ner

    monkeypatch.setattr(ner, "_NO_STREET_WORDS", set())
    assert not ner._address_bits(["call", "me", "at", "12"])
    assert {"call", "me", "at", "12"} <= ner._NO_STREET_WORDS
    # Remembered words do not hide a street word, a street-name ending or a piece.
    assert ner._address_bits(["call", "me", "at", "hauptstraße"]) == ner._NEEDS_ENDING
    assert ner._address_bits(["call", "me", "at", "x.via"]) == ner._NEEDS_WORD
    assert ner._address_bits(["12", "main", "st-5"]) == ner._NEEDS_TYPE
    assert ner._address_bits(["12", "main", "st", "via"]) == ner._NEEDS_TYPE | ner._NEEDS_WORD
    assert "hauptstraße" not in ner._NO_STREET_WORDS
    # Full, it is emptied before it takes more; a long word is never kept.
    monkeypatch.setattr(ner, "_NO_STREET_WORDS_MAX", len(ner._NO_STREET_WORDS))
    assert not ner._address_bits(["hello", "there"])
    assert sorted(ner._NO_STREET_WORDS) == ["hello", "there"]
    assert not ner._address_bits(["x" * 40])
    assert "x" * 40 not in ner._NO_STREET_WORDS
    text = "Ship it to 1121 New Creek Road please"
    assert [text[a:b] for a, b in ner.address_shapes(text)] == ["1121 New Creek Road"]


def test_the_shapes_a_text_is_searched_for_find_what_all_of_them_find() -> None:
    """Texts of address pieces at random: the alternation of the shapes the tokens allow
    (``_street_bits``) finds what the alternation of all shapes finds, and where they allow
    none, that finds nothing; a text whose lower case misreads a letter is searched for
    every shape."""
    from confide.pii import ner

    rng = random.Random(7)
    pieces = [
        "12", "4", "1121", "98", "7b", ",", ".", "-", "'", "\u2019", "(", "x",
        "Main", "New", "Creek", "Roma", "Aghlab", "de", "la", "Paul-Nevermann",
        "Road", "ROAD", "st", "St", "St.", "rd", "Avenue", "rue", "Rue", "Via", "via", "VIA",
        "Calle", "ulica", "Koenigstrasse", "Kaupangsstr\u00e6ti", "Hauptstra\u00dfe",
        "HAUPTSTRA\u1e9eE", "weg", "Weg", "Pachergasse", "Brigade", "Katie", "day",
    ]  # fmt: skip
    joins = [" ", " ", " ", "\t", "", "-", ".", "'", ", ", "\n"]
    texts = [
        "".join(rng.choice(pieces) + rng.choice(joins) for _ in range(rng.randint(2, 9)))
        for _ in range(20_000)
    ]
    searched = 0
    for text in texts:
        expected = [m.span() for m in ner._ADDRESS_SHAPES.finditer(text)]
        lowered = [token.text.lower() for token in ner.tokenize(text)]
        bits = ner._address_bits(lowered)
        if not bits:
            assert expected == [], text
            continue
        searched += 1
        assert [m.span() for m in ner._SHAPES_BY_BITS[bits].finditer(text)] == expected, text
        assert ner.address_shapes(text) == expected, text
    assert searched > 5_000
    # "\u017ft" is "st" to the case-insensitive regex, not to str.lower: every shape is tried.
    assert address_shapes("12 Main \u017ft") == [(0, 10)]


def test_what_the_name_shape_rule_remembers_of_a_word_changes_no_finding() -> None:
    from confide.pii.ner import CrfRecognizer

    texts = [
        "Lafontaine called about a film starring Lafontaine",
        "a film starring Lafontaine. Lafontaine called",
        "Ship it to Rosewood, then Kingsbridge. Rosewood is fine",
        "Dear Szonja,\nSzonja Tot",
    ]
    fresh = [CrfRecognizer().find(text) for text in texts]
    warm = CrfRecognizer()
    for text in texts + texts[::-1]:
        warm.find(text)
    assert {opening for _, opening in warm._kinds} == {True, False}
    assert [warm.find(text) for text in texts] == fresh
    # Each remembered answer is the one the rule gives the word afresh.
    assert all(warm._word_kind(*key) == kind for key, kind in warm._kinds.items())


def _texts_passed(
    module: Any, monkeypatch: pytest.MonkeyPatch, name: str, position: int = 0
) -> list[str]:
    """The texts of the (text, spans) examples the training script passes to its function
    ``name`` (as argument ``position``), collected as it runs."""
    texts: list[str] = []
    wrapped = getattr(module, name)

    def spy(*args: Any) -> Any:
        examples = list(args[position])
        texts.extend(text for text, _ in examples)
        return wrapped(*args[:position], examples, *args[position + 1 :])

    monkeypatch.setattr(module, name, spy)
    return texts


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_training_script_holds_a_fold_of_the_tweets_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--wnut-folds: each fold's tweets are left out of training and of the word lists, and
    the folds together are every tweet once."""
    module = load_script("train_pii_ner")
    counted = _texts_passed(module, monkeypatch, "word_counts")
    trained = _texts_passed(module, monkeypatch, "train")
    tiny = ["--limit", "40", "--per-template", "2", "--max-iterations", "3"]
    folds = []
    for k in (0, 1):
        counted.clear()
        trained.clear()
        out = tmp_path / f"f{k}" / "ner.crfsuite"
        meta = module.main([*tiny, "--wnut-folds", "2", "--wnut-fold", str(k), "--out", str(out)])
        fold = json.loads(Path(meta["fold"]).read_text(encoding="utf-8"))
        texts = {text for text, _ in fold}
        assert len(fold) == 20 and texts
        assert not texts & set(counted) and not texts & set(trained)
        folds.append(texts)
    tweets = {text for text, _ in module.load_conll(DATA / "wnut17" / "wnut17train.conll", 40)}
    assert folds[0] | folds[1] == tweets and not folds[0] & folds[1]


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
def test_training_script_swaps_names_only_among_the_trained_tweets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--name-swaps: copies of the trained tweets that name someone, with names drawn from
    those tweets alone (never from the held-out fold), are trained on besides them."""
    module = load_script("train_pii_ner")
    swapped = _texts_passed(module, monkeypatch, "swap_names")
    trained = _texts_passed(module, monkeypatch, "train")
    tiny = ["--limit", "80", "--per-template", "2", "--max-iterations", "3", "--lower-names", "0"]
    out = tmp_path / "ner.crfsuite"
    meta = module.main([*tiny, "--wnut-folds", "2", "--name-swaps", "3", "--out", str(out)])
    fold = {text for text, _ in json.loads(Path(meta["fold"]).read_text(encoding="utf-8"))}
    tweets = module.load_conll(DATA / "wnut17" / "wnut17train.conll", 80)
    assert set(swapped) == {text for text, _ in tweets} - fold
    spans_of = dict(tweets)
    kept = [(text, spans_of[text]) for text in swapped]  # in the script's (shuffled) order
    named = [(t, s) for t, s in kept if any(k == "PERSON" for *_, k in s)]
    names = {t[a:b].lower() for t, s in named for a, b, k in s if k == "PERSON"}
    copies = module.swap_names(kept, 3, 17)  # the script's seed
    assert len(named) >= 2 and len(copies) == 3 * len(named)
    for text, spans in copies:
        assert text in trained
        assert all(text[a:b].lower() in names for a, b, k in spans if k == "PERSON")


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")
@pytest.mark.parametrize("share", [0.0, 0.5])
def test_training_script_holds_out_a_share_of_each_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    """--holdout: that share of each source is scored, neither trained on nor counted in the
    word lists; the default, 0, trains on everything and scores no hold-out."""
    module = load_script("train_pii_ner")
    counted = _texts_passed(module, monkeypatch, "word_counts")
    trained = _texts_passed(module, monkeypatch, "train")
    held = _texts_passed(module, monkeypatch, "score", position=1)
    tiny = ["--limit", "40", "--per-template", "2", "--max-iterations", "3"]
    extra = [] if share == 0 else ["--holdout", str(share)]
    meta = module.main([*tiny, *extra, "--out", str(tmp_path / "ner.crfsuite")])
    assert meta["holdout"] == share
    tweets = {text for text, _ in module.load_conll(DATA / "wnut17" / "wnut17train.conll", 40)}
    if share == 0:
        assert meta["dev_sentences"] == 0 and "dev_holdout" not in meta["scores"]
        assert tweets <= set(trained) and tweets <= set(counted)
        return
    assert meta["dev_sentences"] > 0 and meta["scores"]["dev_holdout"]["ALL"]["support"] > 0
    out = tweets & set(held)
    assert len(out) == 20  # half of the 40 tweets
    assert not out & set(trained) and not out & set(counted)


@pytest.mark.parametrize("share", ["1", "-0.1"])
def test_training_script_refuses_a_holdout_that_is_no_share(
    tmp_path: Path, share: str, capsys: pytest.CaptureFixture[str]
) -> None:
    module = load_script("train_pii_ner")
    with pytest.raises(SystemExit) as exited:
        module.main(["--holdout", share, "--out", str(tmp_path / "ner.crfsuite")])
    assert exited.value.code == 2
    assert "--holdout is a share" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_training_script_refuses_a_negative_number_of_name_swaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = load_script("train_pii_ner")
    with pytest.raises(SystemExit) as exited:
        module.main(["--name-swaps", "-1", "--out", str(tmp_path / "ner.crfsuite")])
    assert exited.value.code == 2
    assert "--name-swaps is a number of copies" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "folds", [["--wnut-folds", "1"], ["--wnut-folds", "5", "--wnut-fold", "5"]]
)
def test_training_script_refuses_a_fold_that_is_none(
    tmp_path: Path, folds: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    module = load_script("train_pii_ner")
    with pytest.raises(SystemExit) as exited:
        module.main([*folds, "--out", str(tmp_path / "ner.crfsuite")])
    assert exited.value.code == 2
    assert "--wnut-folds needs at least 2 folds" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
