"""Fine-tuning a sentence-transformers model on intent labels (imports torch; loaded lazily).

The model learns with a cosine-softmax head: each intent gets a unit prototype vector and
the loss is the cross-entropy of ``scale * cos(embedding, prototype)``. That pulls messages
of one intent together on the unit sphere, which is what the linear classifier on top of
the (normalised) embeddings needs. The head is thrown away afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_BATCH_SIZE = 32
_HEAD_LEARNING_RATE = 1e-2
_SCALE = 20.0
_WARMUP_SHARE = 0.1


def fine_tune_sentence_model(
    model: Any,
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    epochs: int,
    learning_rate: float,
    seed: int,
) -> None:
    """Fine-tune ``model`` (a SentenceTransformer) in place; deterministic for a given seed."""
    if epochs <= 0 or not texts:
        return
    import torch
    from torch.nn import functional

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    targets = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    # sentence-transformers 6 renamed get_sentence_embedding_dimension().
    dimension_of = getattr(model, "get_embedding_dimension", None)
    dimension = int((dimension_of or model.get_sentence_embedding_dimension)())
    head = torch.nn.Linear(dimension, int(targets.max()) + 1, bias=False)
    optimizer = torch.optim.AdamW(
        [
            {"params": list(model.parameters()), "lr": learning_rate},
            {"params": list(head.parameters()), "lr": _HEAD_LEARNING_RATE},
        ],
        weight_decay=0.01,
    )
    total_steps = max(1, epochs * -(-len(texts) // _BATCH_SIZE))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_then_linear(total_steps))
    # sentence-transformers 6 renamed tokenize() to preprocess().
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    model.train()
    try:
        for _ in range(epochs):
            for batch in np.array_split(rng.permutation(len(texts)), total_steps // epochs):
                features = tokenize([texts[i] for i in batch])
                embeddings = functional.normalize(model(features)["sentence_embedding"], dim=-1)
                prototypes = functional.normalize(head.weight, dim=-1)
                loss: Any = functional.cross_entropy(
                    _SCALE * embeddings @ prototypes.T, targets[batch]
                )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
    finally:
        model.eval()


def _warmup_then_linear(total_steps: int) -> Any:
    warmup = max(1, int(_WARMUP_SHARE * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / (total_steps - warmup))

    return factor
