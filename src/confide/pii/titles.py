"""Two corrections to a model's spans that need only the words around them: a company's
legal form belongs to its name ("Netcall plc"), and a job title on its own line (a
signature's "Veterinary surgeon") is not an organisation or a place."""

from __future__ import annotations

import re
from collections.abc import Sequence

from confide.pii.findings import Finding

_LEGAL_FORMS = (
    "plc|ltd|limited|inc|incorporated|llc|llp|corp|corporation|gmbh|ag|kg|sa|sas|sarl|srl|"
    "spa|bv|nv|oy|oyj|pty|s\\.a|s\\.r\\.l|s\\.p\\.a|b\\.v|n\\.v|a/s|co"
)
# A legal form right after a name (a comma allowed), with its full stop.
_LEGAL_FORM_AFTER = re.compile(rf",? (?i:{_LEGAL_FORMS})\b\.?(?![\w-])")

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
# A lower-case word of a doer ("railcar repairer", "line worker") is a job too, unless it
# is one of these.
_DOER = re.compile(r"[a-z]{2,}(?:er|or|ist|ian)s?")
_WORDS_NOT_DOERS = (
    "other others order orders under over after never ever either neither whether rather"
    " together however paper water number numbers member members customer customers user"
    " users floor door corner center centre letter letters matter power for"
)
_NOT_DOERS = frozenset(_WORDS_NOT_DOERS.split())
_LINE_WORDS = re.compile(r"[^\W\d_][\w'&-]*|\d")
_MAX_TITLE_WORDS = 6


def with_legal_forms(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """Organisation findings stretched over the legal form written right after them."""
    out: list[Finding] = []
    for f in findings:
        if f.entity_type == "ORGANIZATION" and (m := _LEGAL_FORM_AFTER.match(text, f.end)):
            f = Finding(f.entity_type, f.start, m.end(), f.score, f.recognizer)
        out.append(f)
    return out


def without_job_titles(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` less the organisations and places that are part of a job title on a
    line of its own: at most six words and no digits, with a job noun in the finding or
    next to it ("Veterinary" before "surgeon", "Senior Support Engineer"). A finding over
    several lines loses its title lines at either end ("Senior Support Engineer\nNetcall
    plc"). "Sales manager, Acme Corp" keeps its company (a comma apart), and names stay (a
    surname may be a job: "Baker")."""
    if "\n" not in text:
        return list(findings)
    out: list[Finding] = []
    for f in findings:
        if f.entity_type == "PERSON":
            out.append(f)
        elif "\n" in text[f.start : f.end]:
            out.extend(_without_title_lines(text, f))
        elif not _in_title(text, f):
            out.append(f)
    return out


def _without_title_lines(text: str, finding: Finding) -> list[Finding]:
    """``finding`` (over several lines) less whole title lines at its ends, or [] if
    nothing is left."""
    pieces = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text[: finding.end])]
    pieces = [(max(s, finding.start), e) for s, e in pieces if e > finding.start]
    while pieces and _in_title(text, Finding("", *pieces[0], 0.0, "")):
        pieces.pop(0)
    while pieces and _in_title(text, Finding("", *pieces[-1], 0.0, "")):
        pieces.pop()
    if not pieces:
        return []
    return [
        Finding(finding.entity_type, pieces[0][0], pieces[-1][1], finding.score, finding.recognizer)
    ]


def _in_title(text: str, finding: Finding) -> bool:
    if "\n" in text[finding.start : finding.end]:
        return False
    start = text.rfind("\n", 0, finding.start) + 1
    end = text.find("\n", finding.end)
    line = text[start : len(text) if end < 0 else end]
    words = list(_LINE_WORDS.finditer(line))
    if not words or len(words) > _MAX_TITLE_WORDS or any(w.group().isdigit() for w in words):
        return False
    first, last = finding.start - start, finding.end - start
    for k, word in enumerate(words):
        if not _is_job(word.group()):
            continue
        if first <= word.start() and word.end() <= last:
            return True
        after = (
            k > 0 and line[words[k - 1].end() : word.start()] == " " and words[k - 1].end() == last
        )
        before = (
            k + 1 < len(words)
            and line[word.end() : words[k + 1].start()] == " "
            and words[k + 1].start() == first
        )
        if after or before:
            return True
    return False


def _is_job(word: str) -> bool:
    lowered = word.lower()
    if lowered in _JOB_NOUNS or (lowered.endswith("s") and lowered[:-1] in _JOB_NOUNS):
        return True
    return word.islower() and lowered not in _NOT_DOERS and _DOER.fullmatch(word) is not None
