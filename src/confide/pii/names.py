"""Names told by the words around them, where the model has no familiar context: the name
after a relative or a person someone spoke to ("my landlord Vakha Karataev", "told by Lóa
Sigmundsdóttir"), and the name a street address starts with ("Ship it to Karel Chládek,
12 High Street")."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Sequence

from confide.pii.findings import Finding, SpanIndex
from confide.pii.recognizers import lower_case

CUED_NAME_SCORE = 0.7
_RELATIVES = (
    "wife|husband|partner|son|daughter|child|kid|mother|father|mom|mum|dad|brother|sister|"
    "uncle|aunt|cousin|nephew|niece|grandmother|grandfather|grandma|grandpa|friend|"
    "neighbour|neighbor|landlord|landlady|tenant|flatmate|roommate|colleague|boss|manager|"
    "assistant|fiancé|fiancée|fiance|fiancee|girlfriend|boyfriend"
)
# A capitalised word with a lower-case letter somewhere ("A REAL PERSON" is no name), its
# pieces after an apostrophe or a hyphen each matched one way only ("O'Brien", "Lom-Ali").
_NAME_WORD = r"[A-Z](?=[\w'\u2019-]*[a-z\u00df-\u00ff])[^\W\d_]*(?:['\u2019-][^\W\d_]+)*"
_PARTICLE = r"(?:van|von|de|der|den|da|di|del|della|dos|du|le|la|bin|ibn|al|el)"
# One to four words of a name: capitalised words, initials ("S."), particles between.
_NAME = (
    rf"{_NAME_WORD}(?: (?:{_PARTICLE} )*(?:[A-Z]\.|{_NAME_WORD}))"
    r"{0,3}"
)
# The lookahead (a first letter of the cues, in any case) only lets the regex engine skip
# to the places a cue can start instead of trying the cues at every word boundary.
_CUED = re.compile(
    rf"(?=(?i:[mohts]))\b(?i:(?P<relative>(?:my|our|his|her|their) (?:{_RELATIVES}),?)|told by|"
    rf"spoke (?:to|with)|speak (?:to|with)|talked (?:to|with)) (?P<name>{_NAME})"
    r"(?![\w'\u2019-])"
)
# What every match of _CUED holds, looked for in the lower-cased text where that is sound
# (recognizers.lowers_faithfully): most texts hold none, and this is several times cheaper
# than _CUED, which the regex engine must try at every position.
# (Every branch starts with a letter of its own: the regex engine then skips to those.)
_CUE_GATE = re.compile(
    "|".join(f"{owner} (?:{_RELATIVES})" for owner in ("my", "our", "his", "her", "their"))
    + "|told by|spoke |speak |talked "
)
# Someone naming themselves or another at a sentence's start: "Jane here, my parcel...",
# "Szonja Tot asked me to call you". (with_cued_names looks for " here", " asked me" and
# " told me" in the text before trying it.)
_NAMED_FIRST = re.compile(
    rf"(?:^|(?<=[.!?] )|(?<=\n))(?P<name>{_NAME})(?=,? (?:here\b|asked me\b|told me\b))"
)
# Words that make a run of capitalised words a company's, a place's or a department's.
_COMPANY_WORDS = (
    "inc corp ltd llc plc gmbh ag co group bank company corporation limited holdings"
    " university hospital school support service services team agency manager office"
    " department store shop app desk centre center care a an i nobody everyone everybody"
    " someone somebody anyone anybody"
)
# Words that make a run before an address a house's name ("Rose Cottage, 12 Mill Lane").
_HOUSE_WORDS = (
    "cottage house farm lodge manor hall barn villa court mill flats building tower"
    " apartments mansions chambers"
)
_NOT_IN_NAMES = frozenset(_COMPANY_WORDS.split())
_NOT_IN_HOUSE_NAMES = frozenset(_HOUSE_WORDS.split()) | _NOT_IN_NAMES
# What a possession is named by ("my husband PayPal account"): the run is no name.
_OWNED = re.compile(r" (?i:account|card|order|app|subscription|number|login|profile)\b")
_POSSESSIVE = re.compile(r"['\u2019]s$")
# A name and a comma before a house number: the start of an address written on one line.
_NAME_THEN_NUMBER = re.compile(rf"(?P<name>{_NAME}), (?=\d)")


def with_cued_names(
    text: str,
    findings: Sequence[Finding],
    name: str,
    places: Collection[str],
    common: Collection[str] = frozenset(),
) -> list[Finding]:
    """``findings`` with each name a cue introduces as a person: added where no finding
    overlaps it, and in place of place or organisation findings (``places``) or shorter
    names that lie inside it (the model's "Pavia" of "Pavia Rosing", its "Vakha" of "Vakha
    Karataev"), keeping the best score; anything else, or anything reaching outside it,
    keeps it out. The name stops before a common word (``common``, lower case: "Sarah
    Yesterday") and a possessive "'s"; a run of them is none ("my manager Approved it"),
    nor one naming a possession ("my husband PayPal account"). A name at a sentence's
    start before "here" or "asked me" counts too ("Jane here, my parcel...")."""
    index: SpanIndex | None = None  # built at the first cue: most texts have none
    # Every match of _NAMED_FIRST is followed by one of these words: most texts hold none.
    # (Three substring searches: several times cheaper than one regex of the three.)
    named = " here" in text or " asked me" in text or " told me" in text
    first = _NAMED_FIRST.finditer(text) if named else ()
    cued = _CUED.finditer(text) if _may_hold_cue(text) else ()
    for match in itertools.chain(cued, first):
        span = _name_span(text, match, common)
        if span is None:
            continue
        start, end = span
        index = index or SpanIndex(findings)
        touched = index.overlapping(start, end)
        if any(_keeps_out(index.findings[i], start, end, places) for i in touched):
            continue
        index.put(Finding("PERSON", start, end, CUED_NAME_SCORE, name), touched)
    return index.result() if index else list(findings)


def _may_hold_cue(text: str) -> bool:
    lower, faithful = lower_case(text)
    return not faithful or _CUE_GATE.search(lower) is not None


def _name_span(text: str, match: re.Match[str], common: Collection[str]) -> tuple[int, int] | None:
    start = match.start("name")
    words = match.group("name").split(" ")
    kept: list[str] = []
    for word in words:
        bare = word.lower().rstrip(".")
        if bare in common or bare in _NOT_IN_NAMES:
            break
        kept.append(word)
        if _POSSESSIVE.search(word):
            break
    end = start + len(" ".join(kept))
    if kept and _POSSESSIVE.search(kept[-1]):
        end -= 2  # "Tom's account" is Tom's
    elif _OWNED.match(text, match.end("name")):
        return None
    # One word is a name only after a relative ("my son Tom", not "spoke to Amazon") or
    # before "here" or "asked me".
    one_word = match.re is _NAMED_FIRST or match.group("relative")
    if not kept or (len(kept) < 2 and not one_word):
        return None
    return start, end


def _keeps_out(finding: Finding, start: int, end: int, places: Collection[str]) -> bool:
    inside = start <= finding.start and finding.end <= end
    return not inside or (finding.entity_type != "PERSON" and finding.entity_type not in places)


def with_names_before_addresses(
    text: str, findings: Sequence[Finding], address_words: frozenset[str]
) -> list[Finding]:
    """Street addresses that start with a name and a comma ("Karel Chládek, 91506
    Mjövattnet 43") split into the person and the address. The name has two or three
    words, none a street or address word (``address_words``, lower case), a house's
    ("Rose Cottage") or a company's."""
    out: list[Finding] = []
    for f in findings:
        match = (
            _NAME_THEN_NUMBER.match(text, f.start, f.end)
            if f.entity_type == "STREET_ADDRESS"
            else None
        )
        words = [w.lower().rstrip(".") for w in match.group("name").split()] if match else []
        if (
            match is None
            or not 2 <= len(words) <= 3
            or not address_words.isdisjoint(words)
            or not _NOT_IN_HOUSE_NAMES.isdisjoint(words)
        ):
            out.append(f)
            continue
        out.append(Finding("PERSON", f.start, match.end("name"), f.score, f.recognizer))
        out.append(Finding(f.entity_type, match.end(), f.end, f.score, f.recognizer))
    return out
