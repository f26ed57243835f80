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
