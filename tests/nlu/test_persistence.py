from __future__ import annotations

from pathlib import Path

import joblib
import pytest

from confide.nlu import IntentModel, IntentModelError

from .conftest import UNRELATED, UNSEEN


def test_save_then_load_gives_identical_threshold_metadata_and_predictions(
    lexical_model: IntentModel, tmp_path: Path
) -> None:
    path = tmp_path / "intents.joblib"
    texts = [text for text, _ in UNSEEN] + UNRELATED

    lexical_model.save(path)
    loaded = IntentModel.load(path)

    assert loaded.threshold == lexical_model.threshold
    assert loaded.calibration == lexical_model.calibration
    assert loaded.intents == lexical_model.intents
    assert loaded.metadata == lexical_model.metadata
    assert loaded.engine == "lexical"
    assert loaded.predict_many(texts) == lexical_model.predict_many(texts)


def test_save_replaces_an_existing_file_and_leaves_no_temporary(
    lexical_model: IntentModel, tmp_path: Path
) -> None:
    path = tmp_path / "intents.joblib"
    path.write_bytes(b"old")

    lexical_model.save(path)

    assert [p.name for p in tmp_path.iterdir()] == ["intents.joblib"]
    assert IntentModel.load(path).threshold == lexical_model.threshold


def test_loading_a_file_that_is_not_a_model_raises_intent_model_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.joblib"
    joblib.dump({"hello": "world"}, path)

    with pytest.raises(IntentModelError, match="not a Confide intent model"):
        IntentModel.load(path)


def test_loading_garbage_raises_intent_model_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.joblib"
    path.write_bytes(b"this is not a pickle")

    with pytest.raises(IntentModelError, match="not a readable intent model"):
        IntentModel.load(path)


def test_loading_another_format_version_asks_to_retrain(
    lexical_model: IntentModel, tmp_path: Path
) -> None:
    path = tmp_path / "intents.joblib"
    lexical_model.save(path)
    payload = joblib.load(path)
    payload["version"] = 99
    joblib.dump(payload, path)

    with pytest.raises(IntentModelError, match="format version 99 is not supported"):
        IntentModel.load(path)


def test_loading_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        IntentModel.load(tmp_path / "absent.joblib")
