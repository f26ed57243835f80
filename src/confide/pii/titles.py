"""Two corrections to a model's spans that need only the words around them: a company's
legal form belongs to its name ("Netcall plc"), and a job title on its own line (a
signature's "Veterinary surgeon") is not an organisation or a place."""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Sequence

from confide.pii.findings import Finding, SpanIndex

_LEGAL_FORMS = (
    "plc|ltd|limited|inc|incorporated|llc|llp|corp|corporation|gmbh|ag|kg|sa|sas|sarl|srl|"
    "spa|bv|nv|oy|oyj|pty|s\\.a|s\\.r\\.l|s\\.p\\.a|b\\.v|n\\.v|a/s|co"
)
# A legal form right after a name (a comma allowed), with its full stop.
_LEGAL_FORM_AFTER = re.compile(
    # the full stop of an abbreviation ("Inc.", "S.A."), not a sentence's ("… plc.")
    rf",? (?i:{_LEGAL_FORMS})\b(?i:(?:(?<=inc)|(?<=ltd)|(?<=corp)|(?<=\bco)|(?<=\.[a-z]))\.)?"
    r"(?![\w-])"
)

# A name that ends in a legal form is a company's, whatever the model made of it
# ("Goal Acquisitions Corp.", "VectivBio Holding AG"). Written as companies write them;
# two-letter forms that are also regions' codes (AB, SA, SE) are left out.
_CASED_FORMS = (
    r"Inc\.?|Corp\.?|Corporation|Incorporated|Ltd\.?|Limited|LLC|LLP|PLC|plc|GmbH|AG|"
    r"S\.A\.|N\.V\.|B\.V\.|NV|BV|S\.p\.A\.|SpA|S\.r\.l\.|Oyj?|ASA|A/S|Pty|Co\."
)
# Substrings one of which every legal form holds: a text without any is not scanned.
_FORM_HINTS = tuple(
    [
        "Inc",
        "Corp",
        "Ltd",
        "Limited",
        "LLC",
        "LLP",
        "PLC",
        "plc",
        "GmbH",
        "AG",
        "S.",
        "N.V.",
        "B.V.",
        "NV",
        "BV",
        "SpA",
        "Oy",
        "ASA",
        "A/S",
        "Pty",
        "Co.",
    ]
)
_FORM_HINT = re.compile("|".join(re.escape(hint) for hint in _FORM_HINTS))
_CAP_WORD = r"[A-Z][\w&'-]*"
_LEGAL_NAME = re.compile(
    rf"(?<![\w-]){_CAP_WORD}(?: (?:(?:of|for|the|de|&) )?{_CAP_WORD}){{0,5}},?"
    rf" (?:{_CASED_FORMS})(?![\w/-])"
)
# Capitalised words that start a sentence rather than a name.
_SENTENCE_WORDS = (
    "I The A An Hi Hello Dear Thanks Thank My Our At In From To For With Please Is Was"
    " Your Their His Her Contact Call Ask Email"
)
_NOT_NAME_START = frozenset(_SENTENCE_WORDS.split())
ORGANIZATION_SCORE = 0.6

_JOBS = (
    "accountant actuary administrator adviser advisor agent analyst architect assistant"
    " associate auditor banker biologist broker buyer chef chemist clerk consultant"
    " coordinator counsellor counselor curator dentist designer developer director"
    " economist editor electrician engineer executive geologist geophysicist hydrologist"
    " illustrator inspector interpreter journalist lawyer lecturer librarian manager"
    " mechanic midwife nurse officer operator paralegal paramedic pharmacist"
    " photographer physicist physician physiotherapist pilot planner producer"
    " programmer psychologist psychotherapist radiographer receptionist representative"
    " researcher scientist secretary solicitor barrister specialist statistician"
    " supervisor surgeon surveyor teacher technician technologist therapist trader"
    " translator underwriter veterinarian writer ceo cfo cto coo worker caretaker repairer"
    " internist attendant cashier cleaner instructor installer labourer laborer nanny"
    " optician optometrist orthodontist pathologist podiatrist radiologist psychiatrist"
    " salesperson steward stewardess tutor waiter waitress welder archivist artist"
    " astronomer author cartographer choreographer copywriter dietitian dietician doctor"
    " ecologist educator epidemiologist estimator examiner firefighter forester"
    " hairdresser historian horticulturist hygienist investigator landscaper lifeguard"
    " machinist mathematician meteorologist microbiologist musician neurologist oncologist"
    " recruiter sonographer stockbroker toxicologist zoologist partner intern trainee"
)
# Jobs that are also common surnames or company names (Baker, Porter, Turner, Smith...)
# are left out: a name must not be taken for a title.
_JOB_NOUNS = frozenset(_JOBS.split())
_LEGAL_FORM = re.compile(rf"(?i:\b(?:{_LEGAL_FORMS})\b)")
_LINE_WORDS = re.compile(r"[^\W\d_][\w'&-]*|\d")
_MAX_TITLE_WORDS = 6
_MAX_TITLE_CHARS = 80


def with_legal_forms(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """Organisation findings stretched over the legal form written right after them."""
    out: list[Finding] = []
    for f in findings:
        if f.entity_type == "ORGANIZATION" and (m := _LEGAL_FORM_AFTER.match(text, f.end)):
            f = Finding(f.entity_type, f.start, m.end(), f.score, f.recognizer)
        out.append(f)
    return out


def with_legal_names(
    text: str, findings: Sequence[Finding], name: str, common: Collection[str] = frozenset()
) -> list[Finding]:
    """``findings`` with each name ending in a legal form as an organisation: added where
    no finding overlaps it, and in place of organisation findings that lie inside it (the
    model's "Factory PLC" of "Card Factory PLC"); anything else there keeps it out. Words
    that start a sentence rather than a name, or common words (``common``, lower case:
    "I WANT A REFUND FROM ACME PLC"), are not part of it."""
    if _FORM_HINT.search(text) is None:
        return list(findings)
    index: SpanIndex | None = None  # built at the first legal name: most texts have none
    for match in _LEGAL_NAME.finditer(text):
        start, end = match.span()
        index = index or SpanIndex(findings)
        words = match.group().split(" ")
        while len(words) > 2 and (words[0] in _NOT_NAME_START or words[0].lower() in common):
            start += len(words.pop(0)) + 1
        touched = index.overlapping(start, end)
        if any(
            index.findings[i].entity_type != "ORGANIZATION"
            or index.findings[i].start < start
            or index.findings[i].end > end
            for i in touched
        ):
            continue
        index.put(Finding("ORGANIZATION", start, end, ORGANIZATION_SCORE, name), touched)
    return index.result() if index else list(findings)


def without_job_titles(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` less the organisations and places that are a job title on a line of
    its own, and multi-line ones less such lines at either end ("Senior Support
    Engineer\nNetcall plc"). A title line has at most six words, no digits and no legal
    form, and ends with a job noun in the singular ("Senior Support Engineer", "Veterinary
    surgeon") or has one before a comma ("Engineer, petroleum"). Firms named after a trade
    ("Harrow Dental Surgeons", "Brightwater Solicitors LLP", "Chemist Warehouse") are no
    titles; names and street addresses are never touched."""
    if "\n" not in text:
        return list(findings)
    breaks = []
    i = text.find("\n")
    while i >= 0:
        breaks.append(i)
        i = text.find("\n", i + 1)
    out: list[Finding] = []
    for f in findings:
        if f.entity_type not in ("ORGANIZATION", "LOCATION"):
            out.append(f)
        elif "\n" in text[f.start : f.end]:
            out.extend(_without_title_lines(text, breaks, f))
        elif not _is_title_line(text, _line(breaks, len(text), f.start)):
            out.append(f)
    return out


def _line(breaks: list[int], size: int, at: int) -> tuple[int, int]:
    """The start and end of the line holding position ``at`` (``breaks``: the newlines)."""
    k = bisect.bisect_left(breaks, at)
    return (breaks[k - 1] + 1 if k else 0), (breaks[k] if k < len(breaks) else size)


def _without_title_lines(text: str, breaks: list[int], finding: Finding) -> list[Finding]:
    """``finding`` (over several lines) less whole title lines at its ends, or [] if
    nothing is left."""
    start, end = finding.start, finding.end
    while start < end:
        line_start, line_end = _line(breaks, len(text), start)
        if line_start != start or line_end > end or not _is_title_line(text, (start, line_end)):
            break
        start = line_end + 1
    while start < end:
        line_start, line_end = _line(breaks, len(text), end - 1)
        if line_end != end or line_start < start or not _is_title_line(text, (line_start, end)):
            break
        end = line_start - 1
    if start >= end:
        return []
    return [Finding(finding.entity_type, start, end, finding.score, finding.recognizer)]


def _is_title_line(text: str, line: tuple[int, int]) -> bool:
    start, end = line
    if end - start > _MAX_TITLE_CHARS:
        return False
    words = _LINE_WORDS.findall(text, start, end)
    if not words or len(words) > _MAX_TITLE_WORDS:
        return False
    if any(w.isdigit() for w in words) or _LEGAL_FORM.search(text, start, end):
        return False
    if words[-1].lower() in _JOB_NOUNS:
        return True
    comma = text.find(",", start, end)
    return comma >= 0 and any(
        w.lower() in _JOB_NOUNS for w in _LINE_WORDS.findall(text, start, comma)[-1:]
    )
