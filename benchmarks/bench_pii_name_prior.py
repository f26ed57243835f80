"""What the name prior (``CONFIDE_PII_NAME_PRIOR``) buys and costs, prior by prior.

Usage:
    python benchmarks/bench_pii_name_prior.py [--priors 0 1 2 3 4 5] \
        [--heldout /tmp/heldout_fresh.json ...] [--out benchmarks/out/pii_name_prior.json]

For each prior, the default analyzer with that prior is scored on:
  - WNUT-17 dev: PERSON precision, recall and F2 (IoU >= 0.75, as bench_pii_semantic.py);
  - the WNUT-17 train tweets the shipped model did not train on, where it held some out
    (scripts/train_pii_ner.py --holdout, rebuilt as the script splits them: the first seeded
    shuffle is WNUT's); since 2026-12-07 it holds none out and bench_pii_wnut_cv.py's five
    folds take their place;
  - generated_large's held-out templates, and each presidio-research file given with
    --heldout: type-agnostic PII F2 at span and token level, PERSON precision and recall;
  - BANKING77 train + test (13,083 real banking questions, almost none naming anyone):
    findings per 1,000 texts, all types and PERSON, as a false-alarm count.
Prints one JSON document and writes it to --out.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench_pii_semantic import DATA, crf_script, heldout_file, wnut_scores

from confide.pii import AnalyzerOptions, PiiAnalyzer
from confide.pii.evaluation import evaluate, load_samples
from confide.pii.ner import DEFAULT_MODEL_PATH


def wnut_train_holdout(crf: Any) -> list[tuple[str, Any]]:
    """The WNUT-17 train tweets held out of the shipped model's training (none, unless it
    was trained with --holdout)."""
    meta = json.loads(DEFAULT_MODEL_PATH.with_suffix(".json").read_text(encoding="utf-8"))
    if "dev_holdout_wnut17_train" not in meta["scores"]:
        return []
    tweets = crf.load_conll(DATA / "wnut17" / "wnut17train.conll", None)
    shuffled = tweets[:]
    random.Random(meta["seed"]).shuffle(shuffled)  # the script's seeded split
    held = shuffled[: int(len(shuffled) * meta.get("holdout", 0.1))]
    expected = meta["scores"]["dev_holdout_wnut17_train"]["PERSON"]["support"]
    found = sum(1 for _, spans in held for s in spans if s[2] == "PERSON")
    assert found == expected, f"hold-out rebuilt wrongly: {found} names, model says {expected}"
    return held


def banking_texts() -> list[str]:
    texts: list[str] = []
    for part in ("train", "test"):
        with (DATA / "banking77" / f"{part}.csv").open(encoding="utf-8", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


def score_prior(
    prior: float, crf: Any, wnut: Any, held: Any, sets: dict[str, Any], banking: list[str]
) -> dict[str, Any]:
    analyzer = PiiAnalyzer(options=AnalyzerOptions(name_prior=prior))
    result: dict[str, Any] = {
        "wnut17_dev_person": wnut_scores(crf, wnut, analyzer.analyze)["PERSON"],
    }
    if held:
        result["wnut17_train_holdout_person"] = wnut_scores(crf, held, analyzer.analyze)["PERSON"]
    for name, samples in sets.items():
        report = evaluate(samples, analyzer.analyze)
        person = report["entities"].get("PERSON", {})
        result[name] = {
            "pii_f2": round(report["pii"]["f2"], 4),
            "pii_token_f2": round(report["pii_token"]["f2"], 4),
            "person_precision": round(person.get("precision", 0.0), 4),
            "person_recall": round(person.get("recall", 0.0), 4),
        }
    counts: Counter[str] = Counter()
    for text in banking:
        counts.update(f.entity_type for f in analyzer.analyze(text))
    per_1000 = 1000 / len(banking)
    result["banking77_findings_per_1000"] = {
        "all": round(sum(counts.values()) * per_1000, 2),
        "PERSON": round(counts["PERSON"] * per_1000, 2),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--priors", type=float, nargs="+", default=[0, 1, 2, 3, 4, 5])
    parser.add_argument("--heldout", type=Path, nargs="*", default=[])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/pii_name_prior.json"))
    args = parser.parse_args()
    crf = crf_script()
    wnut = crf.load_conll(DATA / "wnut17" / "emerging.dev.conll", None)
    held = wnut_train_holdout(crf)
    generated = heldout_file(Path(tempfile.gettempdir()) / "confide_generated_large_heldout.json")
    sets = {path.stem: load_samples(path) for path in [*args.heldout, generated]}
    banking = banking_texts()
    report = {
        "texts": {
            "wnut17_dev": len(wnut),
            "wnut17_train_holdout": len(held),
            **{name: len(samples) for name, samples in sets.items()},
            "banking77": len(banking),
        },
        "priors": {},
    }
    for prior in args.priors:
        report["priors"][str(prior)] = score_prior(prior, crf, wnut, held, sets, banking)
        print(json.dumps({str(prior): report["priors"][str(prior)]}), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
