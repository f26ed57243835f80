"""Word clusters for the CRF tagger: the table, its features and the packaged model's use of it."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from confide.pii.clusters import WordClusters, clusters_path, load_clusters
from confide.pii.ner import DEFAULT_MODEL_PATH, CrfRecognizer, FeatureExtractor
from tests.pii._scripts import load_script

REPO = Path(__file__).resolve().parents[2]


def _table() -> WordClusters:
    # Four fine clusters; at granularity 2, clusters 0 and 1 are one class, 2 and 3 another.
    return WordClusters(
        {"maria": 0, "jensen": 1, "order": 2, "refund": 3},
        {4: [0, 1, 2, 3], 2: [0, 0, 1, 1]},
    )


def test_lookup_is_lower_cased_and_gives_every_granularity_finest_first() -> None:
    table = _table()
    assert table.features("Maria") == ("cl4=0", "cl2=0")
    assert table.features("MARIA") == table.features("maria")
    assert table.features("Refund") == ("cl4=3", "cl2=1")


def test_unknown_word_has_no_cluster_features() -> None:
    assert _table().features("Zyxwv") == ()


def test_table_round_trips_through_json(tmp_path: Path) -> None:
    path = tmp_path / "ner.clusters.json"
    path.write_text(json.dumps(_table().to_json()), encoding="utf-8")
    loaded = load_clusters(path)
    assert loaded is not None
    assert loaded.sizes == (4, 2)
    assert {w: loaded.features(w) for w in loaded.words} == {
        w: _table().features(w) for w in _table().words
    }


def test_missing_table_loads_as_none(tmp_path: Path) -> None:
    assert load_clusters(tmp_path / "absent.clusters.json") is None


def test_clusters_path_sits_beside_the_model() -> None:
    assert clusters_path(Path("/m/ner.crfsuite")) == Path("/m/ner.clusters.json")


def test_feature_extractor_adds_own_and_neighbour_cluster_features() -> None:
    own, around = FeatureExtractor(clusters=_table(), cache_size=0).all_word_features("Jensen")
    assert "cl4=1" in own and "cl2=0" in own
    assert "-1:cl4=1" in around[-1] and "-1:cl2=0" in around[-1]
    assert "1:cl4=1" in around[1] and "1:cl2=0" in around[1]
    plain_own, _ = FeatureExtractor(cache_size=0).all_word_features("Jensen")
    assert [f for f in own if not f.startswith("cl")] == plain_own


def test_packaged_model_ships_and_uses_its_cluster_table() -> None:
    table = load_clusters(clusters_path(DEFAULT_MODEL_PATH))
    assert table is not None
    assert clusters_path(DEFAULT_MODEL_PATH).stat().st_size < 5_000_000
    recognizer = CrfRecognizer()
    assert recognizer.clusters is table
    known = recognizer.features.known or frozenset()
    assert any(name.startswith("cl") for name in known)
    # A lower-case given name, as in a chat, falls in the same class as the capitalised one.
    assert table.features("john") == table.features("John") != ()


def _training_script() -> ModuleType:
    return load_script("train_pii_ner")


def test_the_cluster_vocabulary_takes_frequent_words_the_training_text_lacks() -> None:
    pytest.importorskip("wordfreq")
    script = _training_script()
    frequent = script.frequent_words(5000)
    assert 4000 < len(frequent) <= 5000
    assert all(word.isalpha() and len(word) > 1 and word == word.lower() for word in frequent)
    assert script.frequent_words(0) == []
    vocab = script.cluster_vocabulary(["Ship it to Oslo"], {"first": ["maria"]}, None, frequent)
    assert {"ship", "oslo", "maria", "people", "weather"} <= set(vocab)
    assert "it" in vocab and "to" in vocab
    assert vocab == sorted(set(vocab))
    # Without them, only the text's words and the lists' entries.
    assert script.cluster_vocabulary(["Ship it to Oslo"], {"first": ["maria"]}, None) == [
        "it",
        "maria",
        "oslo",
        "ship",
        "to",
    ]


def test_frequent_words_join_a_given_table_at_their_nearest_centroid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = _training_script()
    vectors = {
        "anna": (1.0, 0.0),
        "maria": (0.8, 0.2),
        "oslo": (0.0, 1.0),
        "bergen": (0.2, 0.8),
        "ingrid": (0.9, 0.0),  # near the names
        "tromso": (0.1, 0.95),  # near the places
        "elsewhere": (-1.0, -0.9),  # far from both: nearer the empty cluster's zero mean
    }
    monkeypatch.setattr(script, "embed_words", lambda words: [vectors[w] for w in words])
    # Three finest clusters (the last one empty), two coarser ones.
    table = WordClusters(
        {"anna": 0, "maria": 0, "oslo": 1, "bergen": 1}, {3: [0, 1, 2], 1: [0, 0, 0]}
    )
    grown = script.extend_clusters(table, ["ingrid", "oslo", "tromso", "elsewhere"])
    assert grown.words == {**table.words, "ingrid": 0, "tromso": 1, "elsewhere": 1}
    assert grown.features("Ingrid") == table.features("anna")
    assert grown.levels == table.levels
    # Nothing to add: the same table, and no encoder asked.
    monkeypatch.setattr(script, "embed_words", lambda words: pytest.fail("no encoder needed"))
    assert script.extend_clusters(grown, ["oslo", "ingrid"]) is grown


def test_lower_case_name_copies_keep_the_span_offsets() -> None:
    script = _training_script()
    text = "Please ask Maria Jensen about order 12"
    copies = script.lowercase_names([(text, [(11, 23, "PERSON")])], 1.0, 17)
    assert len(copies) == 1
    copy, spans = copies[0]
    assert spans == [(11, 23, "PERSON")]
    assert copy[11:23] == "maria jensen"
    assert copy.lower() == text.lower()


def test_lower_case_copies_skip_sentences_without_a_name() -> None:
    script = _training_script()
    examples = [("Where is order 12?", []), ("Ship to Oslo", [(8, 12, "LOCATION")])]
    assert script.lowercase_names(examples, 1.0, 17) == []


@pytest.mark.parametrize("share", [0.0])
def test_no_copies_at_share_zero(share: float) -> None:
    script = _training_script()
    assert script.lowercase_names([("Hi Maria", [(3, 8, "PERSON")])], share, 17) == []


def test_swapped_name_copies_move_every_span_after_the_name() -> None:
    script = _training_script()
    examples = [
        ("go Ray Rice in Baltimore", [(3, 11, "PERSON"), (15, 24, "LOCATION")]),
        ("thanks demi", [(7, 11, "PERSON")]),
    ]
    copies = script.swap_names(examples, 3, 17)
    assert len(copies) == 6  # three of each sentence with a name
    for text, spans in copies[:3]:
        (s, e, kind), (ls, le, place) = spans
        assert (kind, place) == ("PERSON", "LOCATION")
        assert text[s:e] == "Demi"  # the only other name, capitalised as the one it replaces
        assert text[ls:le] == "Baltimore"
        assert text == "go Demi in Baltimore"
    for text, spans in copies[3:]:
        assert text == "thanks ray rice"
        assert spans == [(7, 15, "PERSON")]


def test_swapped_names_are_seeded_and_skip_sentences_without_a_name() -> None:
    script = _training_script()
    examples = [
        ("ask Maria", [(4, 9, "PERSON")]),
        ("ask Jensen", [(4, 10, "PERSON")]),
        ("ask Oslo", [(4, 8, "LOCATION")]),
        ("HI LINDQVIST", [(3, 12, "PERSON")]),
    ]
    first, again = script.swap_names(examples, 4, 17), script.swap_names(examples, 4, 17)
    assert first == again
    assert len(first) == 12
    assert all(text.isupper() for text, _ in first[8:])
    # Another name each time; an upper-case one keeps its capitals ("MJ").
    assert {text for text, _ in first[:4]} <= {"ask Jensen", "ask LINDQVIST"}
    assert {text for text, _ in first[4:8]} <= {"ask Maria", "ask LINDQVIST"}


@pytest.mark.parametrize(
    "examples, copies",
    [
        ([("Hi Maria", [(3, 8, "PERSON")]), ("Hi Jens", [(3, 7, "PERSON")])], 0),
        ([("Hi Maria", [(3, 8, "PERSON")]), ("Bye Maria", [(4, 9, "PERSON")])], 2),
    ],
)
def test_no_swaps_without_copies_or_a_second_name(examples: list, copies: int) -> None:
    assert _training_script().swap_names(examples, copies, 17) == []
