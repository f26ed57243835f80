"""A fresh synthetic PII test set from the templates the CRF was not trained on.

presidio-evaluator's own generator (PresidioSentenceFaker: its templates, the same 210 as
../shared/data/presidio_research, with values from its fake-person records and Faker) fills
only the templates outside ``train_template_ids`` of the packaged model, with a seed other
than the training script's, so names, places, addresses and numbers are new. Run it where
presidio-evaluator is installed (the benchmark environment, never the product's):

    python -m venv /tmp/evvenv && /tmp/evvenv/bin/pip install presidio-evaluator
    /tmp/evvenv/bin/python scripts/generate_pii_heldout.py --out /tmp/heldout_fresh.json
    confide pii eval --data /tmp/heldout_fresh.json --json

``--templates scripts/pii_templates_support.txt --seed 5 --samples 1000`` fills forty
customer-service templates written for Confide instead (a development set: its errors may
be read; the held-out set's are not).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

MODEL_CARD = Path(__file__).resolve().parents[1] / "src/confide/pii/models/ner.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--lower-case-ratio", type=float, default=0.05)
    parser.add_argument("--templates", type=Path, help="a template file of one's own")
    args = parser.parse_args()
    if args.templates is not None:
        _from_own_templates(args)
        return

    from presidio_evaluator.data_generator import PresidioSentenceFaker
    from presidio_evaluator.data_generator.presidio_sentence_faker import (
        presidio_templates_file_path,
    )

    trained = set(json.loads(MODEL_CARD.read_text(encoding="utf-8"))["train_template_ids"])
    # The file writes line breaks as "\\n"; presidio-research's published sets hold real ones
    # (this generator would leave some as a backslash and an "n" glued to the next value).
    lines = [
        line.strip().replace("\\n", "\n")
        for line in presidio_templates_file_path.read_text().splitlines()
    ]
    held_out = [k for k in range(len(lines)) if k not in trained]
    faker = PresidioSentenceFaker(
        "en_US",
        lower_case_ratio=args.lower_case_ratio,
        sentence_templates=[lines[k] for k in held_out],
        random_seed=args.seed,
    )
    samples = faker.generate_new_fake_sentences(args.samples)
    records = []
    for sample in samples:
        record = sample.to_dict()
        record["template_id"] = held_out[record["template_id"]]  # the id in templates.txt
        records.append(record)
    args.out.write_text(json.dumps(records), encoding="utf-8")
    print(f"{len(records)} samples from {len(held_out)} held-out templates -> {args.out}")


def _from_own_templates(args: argparse.Namespace) -> None:
    from presidio_evaluator.data_generator import PresidioSentenceFaker

    lines = args.templates.read_text(encoding="utf-8").splitlines()
    templates = [line.strip().replace("\\n", "\n") for line in lines if line.strip()]
    faker = PresidioSentenceFaker(
        "en_US",
        lower_case_ratio=args.lower_case_ratio,
        sentence_templates=templates,
        random_seed=args.seed,
    )
    records = [s.to_dict() for s in faker.generate_new_fake_sentences(args.samples)]
    args.out.write_text(json.dumps(records), encoding="utf-8")
    print(f"{len(records)} samples from {len(templates)} templates -> {args.out}")


if __name__ == "__main__":
    main()
