"""Benchmark the optional semantic recognizer (frozen MiniLM + head) against the CRF.

Usage:
    python benchmarks/bench_pii_semantic.py --model ~/.local/share/confide/models/pii-semantic \
        [--heldout /tmp/heldout.json] [--out benchmarks/out/pii_semantic.json]

Prints one JSON document:
  - WNUT-17 dev span scores (IoU >= 0.75, scripts/train_pii_ner.py's load_conll and
    span_scores) for the CRF alone, the semantic recognizer alone and both together (a
    PiiAnalyzer with the two recognizers: default 0.5 threshold, overlaps resolved);
  - presidio-research held-out templates (generated_large.json records whose template_id is
    not in the CRF's train_template_ids; rebuilt if --heldout does not exist): the
    `confide pii eval` document of the default analyzer with and without the recognizer;
  - speed of the recognizer alone and of the analyzer with it: texts per second over the
    held-out texts and p50 / p99 ms for one 200-character chat message.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from confide.config import default_data_dir
from confide.pii import AnalyzerOptions, Finding, PiiAnalyzer, SemanticNerRecognizer
from confide.pii.evaluation import evaluate, load_samples
from confide.pii.ner import DEFAULT_MODEL_PATH, ENTITIES, CrfRecognizer

REPO = Path(__file__).resolve().parents[1]
# The shared data sets: ../shared/data beside the clone, or CONFIDE_SHARED_DATA.
DATA = Path(os.environ.get("CONFIDE_SHARED_DATA") or REPO.parent / "shared" / "data")
MESSAGE = (
    "Hi, this is Maria Jensen about order NW-48213. I paid with 4111 1111 1111 1111 but was "
    "charged twice. Please refund one. You can reach me at jo.doe@example.com or "
    "+1 201-555-0123 after 5pm. Thanks a lot!"
)


def crf_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "train_pii_ner", REPO / "scripts" / "train_pii_ner.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def heldout_file(path: Path) -> Path:
    """The held-out presidio records, written to ``path`` if it does not exist yet."""
    if not path.is_file():
        meta = json.loads(DEFAULT_MODEL_PATH.with_suffix(".json").read_text(encoding="utf-8"))
        trained = set(meta["train_template_ids"])
        records = json.loads(
            (DATA / "presidio_research" / "generated_large.json").read_text(encoding="utf-8")
        )
        kept = [r for r in records if r["template_id"] not in trained]
        path.write_text(json.dumps(kept), encoding="utf-8")
    return path


def wnut_scores(
    crf: Any, examples: Sequence[tuple[str, Any]], find: Callable[[str], list[Finding]]
) -> dict[str, Any]:
    preds = [
        [(f.start, f.end, f.entity_type) for f in find(text) if f.entity_type in ENTITIES]
        for text, _ in examples
    ]
    scores = crf.span_scores([spans for _, spans in examples], preds)
    return {k: scores[k] for k in ("PERSON", "LOCATION", "ALL")}


def latency_ms(find: Callable[[str], object], runs: int) -> dict[str, float]:
    for _ in range(max(5, runs // 10)):
        find(MESSAGE)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        find(MESSAGE)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "message_chars": len(MESSAGE),
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[max(0, int(len(timings) * 0.99) - 1)], 3),
    }


def texts_per_second(texts: Sequence[str], run: Callable[[Sequence[str]], object]) -> float:
    started = time.perf_counter()
    run(texts)
    return round(len(texts) / (time.perf_counter() - started), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--model", type=Path, default=default_data_dir() / "models" / "pii-semantic"
    )
    parser.add_argument("--heldout", type=Path, default=Path("/tmp/heldout.json"))
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    crf_module = crf_script()
    wnut = crf_module.load_conll(DATA / "wnut17" / "emerging.dev.conll", None)
    crf = CrfRecognizer()
    semantic = SemanticNerRecognizer(args.model)
    both = PiiAnalyzer(recognizers=[crf, semantic])
    report: dict[str, Any] = {
        "model": str(args.model),
        "cpus": os.cpu_count(),
        "wnut17_dev": {
            "crf": wnut_scores(crf_module, wnut, crf.find),
            "semantic": wnut_scores(crf_module, wnut, semantic.find),
            "crf+semantic": wnut_scores(crf_module, wnut, both.analyze),
        },
    }
    print(json.dumps({"wnut17_dev": report["wnut17_dev"]}), flush=True)

    samples = load_samples(heldout_file(args.heldout))
    default = PiiAnalyzer()
    with_semantic = PiiAnalyzer(options=AnalyzerOptions(semantic_model_path=args.model))
    report["heldout_templates"] = {
        "n": len(samples),
        "default": _summary(evaluate(samples, default.analyze)),
        "default+semantic": _summary(evaluate(samples, with_semantic.analyze)),
    }
    print(json.dumps({"heldout_templates": report["heldout_templates"]}), flush=True)

    texts = [s.text for s in samples]
    report["speed"] = {
        "semantic_texts_per_second_one_by_one": texts_per_second(
            texts, lambda ts: [semantic.find(t) for t in ts]
        ),
        "semantic_texts_per_second_batched_32": texts_per_second(
            texts,
            lambda ts: [semantic.find_many(ts[i : i + 32]) for i in range(0, len(ts), 32)],
        ),
        "semantic_latency": latency_ms(semantic.find, args.runs),
        "default_latency": latency_ms(default.analyze, args.runs),
        "default+semantic_latency": latency_ms(with_semantic.analyze, args.runs),
    }
    print(json.dumps({"speed": report["speed"]}), flush=True)
    print(json.dumps(report, indent=2))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "pii_span": result["pii"],
        "pii_token": result["pii_token"],
        "PERSON": result["entities"].get("PERSON"),
        "texts_per_second": round(result["texts_per_second"], 1),
    }


if __name__ == "__main__":
    main()
