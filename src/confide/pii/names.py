"""Names told by the words around them, where the model has no familiar context: the name
after a relative or a person someone spoke to ("my landlord Vakha Karataev", "told by Lóa
Sigmundsdóttir"), and the name a street address starts with ("Ship it to Karel Chládek,
12 High Street")."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from confide.pii.findings import Finding

CUED_NAME_SCORE = 0.7
_RELATIVES = (
    "wife|husband|partner|son|daughter|child|kid|mother|father|mom|mum|dad|brother|sister|"
    "uncle|aunt|cousin|nephew|niece|grandmother|grandfather|grandma|grandpa|friend|"
    "neighbour|neighbor|landlord|landlady|tenant|flatmate|roommate|colleague|boss|manager|"
    "assistant|fiancé|fiancée|fiance|fiancee|girlfriend|boyfriend"
)
# A capitalised word with a lower-case letter ("A REAL PERSON" is no name).
_NAME_WORD = r"[A-Z](?=[^\W\d_]*[a-z\u00df-\u00ff])[^\W\d_]*(?:['\u2019-][A-Z]?[^\W\d_]+)*"
_PARTICLE = r"(?:van|von|de|der|den|da|di|del|della|dos|du|le|la|bin|ibn|al|el)"
# One to four words of a name: capitalised words, initials ("S."), particles between.
_NAME = (
    rf"{_NAME_WORD}(?: (?:{_PARTICLE} )*(?:[A-Z]\.|{_NAME_WORD}))"
    r"{0,3}"
)
_CUED = re.compile(
    rf"\b(?i:(?P<relative>(?:my|our|his|her|their) (?:{_RELATIVES}),?)|told by|"
    rf"spoke (?:to|with)|speak (?:to|with)|talked (?:to|with)) (?P<name>{_NAME})"
    r"(?![\w'\u2019-])"
)
# Words that make a run of capitalised words a company's or a place's name.
_COMPANY_WORDS = (
    "inc corp ltd llc plc gmbh ag co group bank company corporation limited holdings"
    " university hospital school support service services team agency"
)
_NOT_IN_NAMES = frozenset(_COMPANY_WORDS.split())
# A name and a comma before a house number: the start of an address written on one line.
_NAME_THEN_NUMBER = re.compile(rf"(?P<name>{_NAME}), (?=\d)")


def with_cued_names(
    text: str, findings: Sequence[Finding], name: str, places: Collection[str]
) -> list[Finding]:
    """``findings`` with each name a cue introduces as a person: added where no finding
    overlaps it, and in place of place or organisation findings that lie inside it (the
    model's "Pavia" of "Pavia Rosing", its "Vakha" of "Vakha Karataev"); anything else,
    or anything reaching outside it, keeps it out. ``places`` are the types a name may
    replace besides a shorter name."""
    out = list(findings)
    for match in _CUED.finditer(text):
        start, end = match.span("name")
        words = [w.lower().rstrip(".") for w in match.group("name").split()]
        # One word is a name only after a relative ("my son Tom", not "spoke to Amazon").
        if (len(words) < 2 and not match.group("relative")) or not _NOT_IN_NAMES.isdisjoint(words):
            continue
        touched = [f for f in out if f.start < end and start < f.end]
        if any(
            (f.entity_type != "PERSON" and f.entity_type not in places)
            or f.start < start
            or f.end > end
            for f in touched
        ):
            continue
        out = [f for f in out if f not in touched]
        out.append(Finding("PERSON", start, end, CUED_NAME_SCORE, name))
    return sorted(out, key=lambda f: (f.start, f.end)) if len(out) != len(findings) else out


def with_names_before_addresses(
    text: str, findings: Sequence[Finding], address_words: frozenset[str]
) -> list[Finding]:
    """Street addresses that start with a name and a comma ("Karel Chládek, 91506
    Mjövattnet 43") split into the person and the address. The name has two or three
    words, none a street or address word (``address_words``, lower case) or a company's."""
    out: list[Finding] = []
    for f in findings:
        match = (
            _NAME_THEN_NUMBER.match(text, f.start, f.end)
            if f.entity_type == "STREET_ADDRESS"
            else None
        )
        words = [w.lower().rstrip(".") for w in match.group("name").split()] if match else []
        # two or three words: a first name and a surname, not a shop ("Solarlist")
        if (
            match is None
            or not 2 <= len(words) <= 3
            or not (address_words | _NOT_IN_NAMES).isdisjoint(words)
        ):
            out.append(f)
            continue
        out.append(Finding("PERSON", f.start, match.end("name"), f.score, f.recognizer))
        out.append(Finding(f.entity_type, match.end(), f.end, f.score, f.recognizer))
    return out
