"""The name prior chosen on WNUT-17 train in five folds, beside the synthetic sets.

WNUT-17 dev is the figure issue 4 judges, so no choice may read it; the 77 names of the
shipped model's own WNUT train hold-out move 0.013 a name, too coarse to choose by. This
scores the default engine with each prior on every WNUT-17 train tweet, each fold by a model
that did not train on it (nor build its word lists from it):

    for k in 0 1 2 3 4; do
        python scripts/train_pii_ner.py --clusters src/confide/pii/models/ner.clusters.json \\
            --wnut-folds 5 --wnut-fold $k --out /tmp/cv/f$k/ner.crfsuite
    done        # about 4 minutes each
    python benchmarks/bench_pii_wnut_cv.py --folds /tmp/cv --sets /tmp/probe.json \\
        /tmp/support.json [--priors 1 1.25 1.5 1.75 2 2.25 2.5]

For each prior: PERSON precision / recall / F2 over the five folds (span IoU >= 0.75), also
with every name of a tweet lower-cased in otherwise cased text ("names_lower_cased", as NLU++
writes every name) and with whole tweets lower-cased ("flat"), both reported, not in the mean;
span F2 and PERSON precision / recall on each --sets file (presidio-research format; the probe
and support sets come from scripts/generate_pii_heldout.py) and on generated_large's held-out
templates, with the shipped model; PERSON findings per 1,000 BANKING77 questions; and the
mean of the F2s (the folds' PERSON F2 and each set's span F2), by which the prior is chosen.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench_pii_name_prior import banking_texts
from bench_pii_semantic import crf_script, heldout_file

from confide.pii import AnalyzerOptions, PiiAnalyzer
from confide.pii.evaluation import evaluate, load_samples
from confide.pii.ner import ENTITIES, CrfRecognizer


def with_model(analyzer: PiiAnalyzer, model: Path, prior: float) -> PiiAnalyzer:
    """The default analyzer with its tagger's model swapped for ``model``."""
    recognizers = [
        CrfRecognizer(model, name_prior=prior) if isinstance(r, CrfRecognizer) else r
        for r in analyzer.recognizers
    ]
    return PiiAnalyzer(recognizers=recognizers, options=analyzer.options)


def recased(tweets: list[tuple[str, Any]], how: str) -> list[tuple[str, Any]]:
    """The tweets as they are ("as_is"), with their names lower-cased ("names_lower_cased") or
    all in lower case ("flat"); a tweet whose lower case changes its length is left out of
    the last two (its spans would move)."""
    if how == "as_is":
        return tweets
    out = []
    for text, spans in tweets:
        if len(text.lower()) != len(text):
            continue
        if how == "flat":
            out.append((text.lower(), spans))
            continue
        chars = list(text)
        for start, end, entity in spans:
            if entity == "PERSON":
                chars[start:end] = text[start:end].lower()
        out.append(("".join(chars), spans))
    return out


def folds_person(
    crf: Any, folds: list[tuple[Path, Any]], prior: float, how: str = "as_is"
) -> dict[str, float]:
    gold, pred = [], []
    for model, tweets in folds:
        analyzer = with_model(PiiAnalyzer(options=AnalyzerOptions(name_prior=prior)), model, prior)
        for text, spans in recased(tweets, how):
            gold.append([tuple(s) for s in spans])
            found = analyzer.analyze(text)
            pred.append(
                [(f.start, f.end, f.entity_type) for f in found if f.entity_type in ENTITIES]
            )
    person = crf.span_scores(gold, pred)["PERSON"]
    return {k: person[k] for k in ("precision", "recall", "f2", "support")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=Path, required=True, help="holds f0/ ... f4/")
    parser.add_argument("--sets", type=Path, nargs="*", default=[])
    parser.add_argument(
        "--priors", type=float, nargs="+", default=[1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]
    )
    args = parser.parse_args()
    crf = crf_script()
    models = sorted(args.folds.glob("f*/ner.crfsuite"))
    folds = [(m, json.loads(m.with_suffix(".fold.json").read_text())) for m in models]
    generated = heldout_file(Path(tempfile.gettempdir()) / "confide_generated_large_heldout.json")
    sets = {p.stem: load_samples(p) for p in [*args.sets, generated]}
    banking = banking_texts()
    for prior in args.priors:
        row: dict[str, Any] = {
            "prior": prior,
            "wnut_train_folds_person": folds_person(crf, folds, prior),
            **{
                f"wnut_train_folds_person_{how}": folds_person(crf, folds, prior, how)
                for how in ("names_lower_cased", "flat")
            },
        }
        f2s = [row["wnut_train_folds_person"]["f2"]]
        analyzer = PiiAnalyzer(options=AnalyzerOptions(name_prior=prior))
        for name, samples in sets.items():
            report = evaluate(samples, analyzer.analyze)
            person = report["entities"].get("PERSON", {})
            row[name] = {
                "span_f2": round(report["pii"]["f2"], 4),
                "person_precision": round(person.get("precision", 0.0), 4),
                "person_recall": round(person.get("recall", 0.0), 4),
            }
            f2s.append(report["pii"]["f2"])
        names = Counter(f.entity_type for t in banking for f in analyzer.analyze(t))["PERSON"]
        row["banking77_person_per_1000"] = round(names * 1000 / len(banking), 2)
        row["mean_f2"] = round(sum(f2s) / len(f2s), 4)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
