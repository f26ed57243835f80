"""The semantic engine: with a fake embedder (always runs) and with the packaged model."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from confide.nlu import (
    IntentModel,
    IntentModelError,
    SemanticEngineUnavailable,
    SentenceEmbedder,
    TrainOptions,
    train_intent_model,
)

from .conftest import UNRELATED, UNSEEN, fixed_options, in_scope_examples, oos_examples

needs_sentence_transformers = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None,
    reason="sentence-transformers is not installed (the semantic extra)",
)


class HashingEmbedder:
    """A stand-in embedder: hashed bag of words, L2-normalised. No torch."""

    name = "hashing-32"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls += 1
        vectors = np.zeros((len(texts), 32), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, hashlib.sha256(word.encode()).digest()[0] % 32] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-9)


class TunableHashingEmbedder(HashingEmbedder):
    """Records fine-tuning and carries a state that must survive save and load."""

    def __init__(self) -> None:
        super().__init__()
        self.tuned_on: list[str] = []
        self.state: dict[str, NDArray[Any]] = {"scale": np.array([1.0])}

    def fine_tune(self, texts: Sequence[str], labels: Sequence[int], *, seed: int) -> None:
        self.tuned_on = list(texts)
        self.state = {"scale": np.array([2.0 + seed])}

    def get_state(self) -> dict[str, NDArray[Any]]:
        return dict(self.state)

    def set_state(self, state: dict[str, NDArray[Any]]) -> None:
        self.state = dict(state)


def test_semantic_engine_with_injected_embedder_ranks_unseen_phrasings_first() -> None:
    embedder = HashingEmbedder()
    model = train_intent_model(
        in_scope_examples() + oos_examples(),
        engine="semantic",
        embedder=embedder,
        options=fixed_options(),
    )

    assert model.engine == "semantic"
    assert model.metadata["embedder"] == "hashing-32"
    # The toy embedder is noisy, so check the ranking, not the (rejecting) threshold.
    assert [model.predict(text).ranking[0][0] for text, _ in UNSEEN] == [i for _, i in UNSEEN]


def test_semantic_training_embeds_each_text_once_or_twice_not_per_fit() -> None:
    embedder = HashingEmbedder()

    train_intent_model(in_scope_examples(), engine="semantic", embedder=embedder)

    assert embedder.calls == 2  # fitting part + held-out part; the refit reuses them


def test_fine_tuning_uses_only_the_fitting_part_and_its_weights_are_saved(
    tmp_path: Path,
) -> None:
    embedder = TunableHashingEmbedder()
    model = train_intent_model(
        in_scope_examples(),
        engine="semantic",
        embedder=embedder,
        options=fixed_options(seed=3, fine_tune=True),
    )
    path = tmp_path / "semantic.joblib"
    model.save(path)
    fresh = TunableHashingEmbedder()

    loaded = IntentModel.load(path, embedder=fresh)

    assert len(embedder.tuned_on) == 48
    assert fresh.state == {"scale": np.array([5.0])}
    texts = [text for text, _ in UNSEEN] + UNRELATED
    assert loaded.predict_many(texts) == model.predict_many(texts)


def test_fine_tuning_is_off_by_default_and_saves_no_weights() -> None:
    embedder = TunableHashingEmbedder()

    model = train_intent_model(
        in_scope_examples(), engine="semantic", embedder=embedder, options=TrainOptions()
    )

    assert embedder.tuned_on == []
    assert model.metadata["options"]["fine_tune"] is False


def test_loading_fine_tuned_weights_into_a_plain_embedder_is_refused(tmp_path: Path) -> None:
    model = train_intent_model(
        in_scope_examples(),
        engine="semantic",
        embedder=TunableHashingEmbedder(),
        options=TrainOptions(fine_tune=True),
    )
    path = tmp_path / "semantic.joblib"
    model.save(path)

    with pytest.raises(IntentModelError, match="fine-tuned embedder weights"):
        IntentModel.load(path, embedder=HashingEmbedder())


def test_lexical_engine_refuses_an_embedder() -> None:
    with pytest.raises(ValueError, match="lexical engine takes no embedder"):
        train_intent_model(in_scope_examples(), embedder=HashingEmbedder())


def test_embedder_pointing_at_a_folder_without_a_model_says_so(tmp_path: Path) -> None:
    with pytest.raises(SemanticEngineUnavailable, match="not a sentence-transformers model"):
        SentenceEmbedder(tmp_path).encode(["hello"])


@pytest.mark.semantic
@needs_sentence_transformers
def test_packaged_model_loads_offline_and_embeds_to_unit_vectors() -> None:
    # A proxy that refuses every connection: any download attempt would fail loudly.
    code = (
        "import os, sys, numpy as np\n"
        "from confide.nlu import SentenceEmbedder\n"
        "vectors = SentenceEmbedder().encode(['where is my parcel', 'I lost my card'])\n"
        "print(vectors.shape, np.round(np.linalg.norm(vectors, axis=1), 4).tolist(),\n"
        "      os.environ['HF_HUB_OFFLINE'])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env |= {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(2, 384) [1.0, 1.0] 1"


@pytest.mark.semantic
@needs_sentence_transformers
def test_semantic_engine_with_packaged_model_trains_fine_tunes_saves_and_reloads(
    tmp_path: Path,
) -> None:
    embedder = SentenceEmbedder(fine_tune_epochs=1)
    model = train_intent_model(
        in_scope_examples() + oos_examples(),
        engine="semantic",
        embedder=embedder,
        options=fixed_options(fine_tune=True),
    )
    path = tmp_path / "semantic.joblib"
    model.save(path)
    loaded = IntentModel.load(path, embedder=SentenceEmbedder())
    texts = [text for text, _ in UNSEEN] + UNRELATED

    assert model.metadata["embedder"] == "all-MiniLM-L6-v2"
    assert [model.predict(text).intent for text, _ in UNSEEN] == [i for _, i in UNSEEN]
    assert [model.predict(text).intent for text in UNRELATED] == [None] * len(UNRELATED)
    assert [p.intent for p in loaded.predict_many(texts)] == [
        p.intent for p in model.predict_many(texts)
    ]
    for before, after in zip(model.predict_many(texts), loaded.predict_many(texts), strict=True):
        assert after.confidence == pytest.approx(before.confidence, abs=1e-4)
