"""Every finding of the default PII engine over a fixed corpus, one JSON line per text: to
check that a change meant only to be faster leaves every finding as it was.

The corpus (44,209 texts with the shared data in place): presidio-research's
generated_large and generated_small, BANKING77 train and test, WNUT-17 train and dev
(tokens joined by spaces), the first 8,000 Bitext instructions, and 20,000 seeded random
strings of digits, separators and words the patterns look for. Each line lists each
finding's type, start, end, score and recognizer. Run it before and after a change and
compare the two files byte for byte:

    python scripts/pii_findings_dump.py --out /tmp/before.jsonl
    # ... the change ...
    python scripts/pii_findings_dump.py --out /tmp/after.jsonl
    cmp /tmp/before.jsonl /tmp/after.jsonl

The output holds spans and types only, never text. The shared data are read from
``CONFIDE_SHARED_DATA`` or ../shared/data beside the clone; a missing set is skipped (and
the count printed at the end says so).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from confide.pii import PiiAnalyzer

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CONFIDE_SHARED_DATA") or REPO.parent / "shared" / "data")
BITEXT_LIMIT = 8000
RANDOM_TEXTS = 20000
# Pieces of the random strings besides runs of digits: separators and the patterns' words.
PIECES = (
    *("card", "ssn", "nhs", "iban", "phone", "tel", "call", "born", "dob", "NW-", "ip", "cpr"),
    *("pesel", "order", "ext", "DE", "GB", "May", "St", "Road", "CA", "NY", "since", "in"),
    *("x", "+", "(", ")", "-", ".", "/", ":", "@", " ", "i am", "years old"),
)


def _presidio(name: str) -> Iterator[str]:
    path = DATA / "presidio_research" / name
    if path.is_file():
        yield from (sample["full_text"] for sample in json.loads(path.read_text("utf-8")))


def _csv(path: Path, column: str, limit: int | None = None) -> Iterator[str]:
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            for k, row in enumerate(csv.DictReader(fh)):
                if limit is not None and k >= limit:
                    return
                yield row[column]


def _conll(path: Path) -> Iterator[str]:
    if not path.is_file():
        return
    words: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            words.append(line.split("\t")[0])
        elif words:
            yield " ".join(words)
            words = []


def _random_texts(count: int, seed: int = 7) -> Iterator[str]:
    rng = random.Random(seed)  # noqa: S311 (test data, not a secret)
    for _ in range(count):
        parts: list[str] = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.5:
                parts.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 6))))
            else:
                parts.append(rng.choice(PIECES))
            if rng.random() < 0.5:
                parts.append(" ")
        yield "".join(parts)


def corpus() -> Iterator[str]:
    yield from _presidio("generated_large.json")
    yield from _presidio("generated_small.json")
    for split in ("train.csv", "test.csv"):
        yield from _csv(DATA / "banking77" / split, "text")
    yield from _conll(DATA / "wnut17" / "wnut17train.conll")
    yield from _conll(DATA / "wnut17" / "emerging.dev.conll")
    bitext = (
        DATA / "bitext_customer_support" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    )
    yield from _csv(bitext, "instruction", BITEXT_LIMIT)
    yield from _random_texts(RANDOM_TEXTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    analyzer = PiiAnalyzer()
    count = 0
    with args.out.open("w", encoding="utf-8") as out:
        for text in corpus():
            findings = [
                (f.entity_type, f.start, f.end, f.score, f.recognizer)
                for f in analyzer.analyze(text)
            ]
            out.write(json.dumps(findings) + "\n")
            count += 1
    print(f"{count} texts", file=sys.stderr)


if __name__ == "__main__":
    main()
