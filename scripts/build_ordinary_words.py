"""Write src/confide/pii/models/ner.ordinary.txt: ordinary English words, lower-cased.

A capitalised word the tagger left alone is reported as a name or a place by its shape
(``confide.pii.ner``, the name-shape rule) unless it is an ordinary word written with a
capital ("Spirit Week", "a huge Snowstorm", "Merry Xmas"). The ordinary words are the
lower-case entries of SCOWL's American English word list, as Debian's ``wamerican`` package
installs it (``apt-get install wamerican``): proper nouns there are capitalised ("George",
"Madison"), so a word is ordinary only where the dictionary lists it in lower case ("rose",
"mark", "smith" are; "justin" is not). Written with SCOWL's copyright notice, which its
licence asks to keep with every copy (about 64,000 words, 600 kB).

    python scripts/build_ordinary_words.py [--dict /usr/share/dict/american-english]
"""

from __future__ import annotations

import argparse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "src" / "confide" / "pii" / "models"
NOTICE = """\
# The lower-case entries of SCOWL's American English word list (Debian's wamerican), one a
# line; written by scripts/build_ordinary_words.py.
#
# SCOWL (Spell Checker Oriented Word Lists), http://wordlist.sourceforge.net/
# Copyright 2000-2011 by Kevin Atkinson
# Permission to use, copy, modify, distribute and sell these word lists, the associated
# scripts, the output created from the scripts, and its documentation for any purpose is
# hereby granted without fee, provided that the above copyright notice appears in all copies
# and that both that copyright notice and this permission notice appear in supporting
# documentation. Kevin Atkinson makes no representations about the suitability of this array
# for any purpose. It is provided "as is" without express or implied warranty.
# (The notices of SCOWL's sources are in Debian's /usr/share/doc/wamerican/copyright.)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dict", type=Path, default=Path("/usr/share/dict/american-english"))
    parser.add_argument("--out", type=Path, default=MODELS / "ner.ordinary.txt")
    args = parser.parse_args()
    entries = args.dict.read_text(encoding="utf-8").split()
    ordinary = sorted({w for w in entries if w.isalpha() and w.islower()})
    args.out.write_text(NOTICE + "".join(f"{w}\n" for w in ordinary), encoding="utf-8")
    print(f"{len(ordinary)} ordinary words -> {args.out}")


if __name__ == "__main__":
    main()
