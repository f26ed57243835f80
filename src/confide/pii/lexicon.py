"""Words and codes that are personal data by what they say about someone: nationality,
ethnic origin, religion and political opinion (``NRP``, from a word list) and postal codes.

Both kinds give way (``yields``) to any other finding they overlap: "American" inside the
organisation "American Airlines" or a ZIP code inside a street address is reported as part
of that span, never cut out of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from confide.pii.findings import Finding
from confide.pii.recognizers import Pattern, PatternRecognizer, lower_case

NRP_SCORE = 0.6
# A word written with a capital: where a form of the list may start.
# (Not part of a longer word: "Turkçe" holds no "Turk".)
# Letter first, then the lookbehind, so that the regex engine skips to capitals.
_CAPITALISED = re.compile(
    r"[A-Z](?<![A-Za-z0-9'\u2019-][A-Z])[A-Za-z]*(?:['\u2019-][A-Za-z]+)*(?![^\W\d_])"
)
_WORD = re.compile(r"[A-Za-z]+(?:['\u2019-][A-Za-z]+)*(?![^\W\d_])")
# A lower-case word ending in "s", a candidate for a group's plural ("nigerians").
_LOWER_PLURAL = re.compile(r"[a-z](?<![\w'-][a-z])[a-z'-]*s(?![\w'-])")
_NEXT_WORD = re.compile(r" ([a-z]+)")
# What may stand between a sentence's end and its first word.
_OPENERS = " \t\"'([\u201c\u2018*-"
_SENTENCE_ENDS = ".!?:;\n"
# Someone saying what they are: here a form counts in any case ("I am russian").
# Each branch starts with its first letter, the word boundary checked after it ("i(?<!\wi)"
# is "\bi"): with a letter first in every branch the regex engine skips to those letters.
_SELF_CUE = (
    r"(?:i(?<!\wi)(?: am|'m|m| was)|w(?<!\ww)e(?: are|'re)|s(?<!\ws)he(?: is|'s| was)"
    r"|h(?<!\wh)e(?: is|'s| was)|t(?<!\wt)hey(?: are|'re)|a(?<!\wa)s an?|b(?<!\wb)eing)"
    r"\s+(?:an?\s+)?(?:proud\s+)?(?:practi[cs]ing\s+)?"
)
_SELF = re.compile(_SELF_CUE)  # searched in the text in lower case: faster than re.I
_SELF_ANY_CASE = re.compile(_SELF_CUE, re.IGNORECASE)  # where lower case changes lengths
# A nationality's adjective is also the name of a language: "I speak French", "studying
# English", "the German version" say nothing about anyone's origin.
_BEFORE_LANGUAGE = (
    "speak speaks spoke speaking study studies studied studying learn learns learned learning"
    " learnt teach teaches teaching taught in into translate translated write written read"
    " understand fluent native to"
)
_AFTER_LANGUAGE = (
    "language languages speaker speakers speaking version translation translations subtitles"
    " keyboard lessons lesson class classes course courses literature teacher text"
)
_LANGUAGE_BEFORE = frozenset(_BEFORE_LANGUAGE.split())
_LANGUAGE_AFTER = frozenset(_AFTER_LANGUAGE.split())


def _word_list() -> str:
    return resources.files("confide.pii").joinpath("models/groups.txt").read_text("utf-8")


def _plural(form: str) -> str | None:
    if form.endswith(("s", "sh", "ch", "x", "z", "ese", "ism", "ity", "y")):
        return None
    return form + "s"


def _entries(text: str | None) -> list[tuple[str, str]]:
    """(kind, form) of each form of the word list: kind "" for a group, "!" for a name
    that only starts like one, "~" for a language."""
    entries: list[tuple[str, str]] = []
    for line in (_word_list() if text is None else text).splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind = line[0] if line[0] in "!~" else ""
        entries.extend((kind, f.strip()) for f in line.lstrip("!~").split(","))
    return entries


def load_group_forms(text: str | None = None) -> dict[str, bool]:
    """The forms of the word list (``models/groups.txt`` by default), with plurals: True
    for a group, False for a name that starts like one ("European Union"). A leading "?"
    (an ordinary word too: "Polish", "Conservative") is dropped; see ``load_ambiguous``."""
    forms: dict[str, bool] = {}
    for kind, form in _entries(text):
        if kind == "~":
            continue
        form = form.lstrip("?")
        forms[form] = kind == ""
        if kind == "" and (plural := _plural(form)):
            forms[plural] = True
    return forms


def load_ambiguous(text: str | None = None) -> frozenset[str]:
    """Forms marked "?", with plurals: ordinary words too ("Polish the screen")."""
    marked = [f[1:] for kind, f in _entries(text) if kind == "" and f.startswith("?")]
    return frozenset([*marked, *filter(None, map(_plural, marked))])


def load_languages(text: str | None = None) -> frozenset[str]:
    """The languages of the word list (its "~" lines)."""
    return frozenset(form for kind, form in _entries(text) if kind == "~")


_Word = tuple[int, int, str]


@dataclass(slots=True)
class NrpRecognizer:
    """Nationalities, ethnic groups, religions and political groups, as written in the
    word list: capitalised ("Italian", "Roman Catholic") or in capitals, whole words, and
    in any case where someone says what they are ("I'm russian", "as a muslim"). A mention
    is reported whatever it describes ("Italian food" too, not "I speak Italian"), with a
    score above the default threshold: leaving the type out of ``CONFIDE_PII_ENTITIES``
    turns it off."""

    forms: dict[str, bool] = field(default_factory=load_group_forms)
    languages: frozenset[str] = field(default_factory=load_languages)
    ambiguous: frozenset[str] = field(default_factory=load_ambiguous)
    score: float = NRP_SCORE
    name: str = "nrp"
    entities: tuple[str, ...] = ("NRP",)
    yields: bool = True
    _written: dict[str, bool] = field(init=False, repr=False)
    _lower: dict[str, bool] = field(init=False, repr=False)
    _starts: frozenset[str] = field(init=False, repr=False)
    _speakable: frozenset[str] = field(init=False, repr=False)
    _longest_words: int = field(init=False, repr=False)
    _tails: dict[str, frozenset[str]] = field(init=False, repr=False)
    _plurals: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    # The last text's capitalised words: the analyzer asks ``find`` and ``cleared`` of it.
    _seen: tuple[str, list[str]] = field(init=False, repr=False, default=("", []))

    def __post_init__(self) -> None:
        forms = {**self.forms, **{f.replace("'", "\u2019"): g for f, g in self.forms.items()}}
        self._written = {**forms, **{f.upper(): g for f, g in forms.items()}}
        self._lower = {f.lower(): g for f, g in forms.items()}
        self._starts = frozenset(f.split(" ")[0] for f in self._written)
        self._speakable = frozenset(w for f in self.languages for w in (f, f.upper()))
        self._longest_words = max((f.count(" ") + 1 for f in forms), default=1)
        # Names that go on in lower case after a form ("Swiss franc"): the form's next words.
        tails: dict[str, set[str]] = {}
        for form, group in self.forms.items():
            head, _, tail = form.partition(" ")
            if not group and tail[:1].islower():
                tails.setdefault(head, set()).add(tail.split(" ")[0])
        self._tails = {head: frozenset(words) for head, words in tails.items()}
        # Plurals name people whatever their case ("since 1974, south koreans have..."):
        # lower-case plurals of groups, by last word; not those of ordinary words ("poles").
        plurals: dict[str, set[str]] = {}
        for form, group in self.forms.items():
            plural = _plural(form)
            if group and plural and self.forms.get(plural) and form not in self.ambiguous:
                plurals.setdefault(plural.lower().rsplit(" ", 1)[-1], set()).add(plural.lower())
        self._plurals = {
            last: tuple(sorted(forms, key=len, reverse=True)) for last, forms in plurals.items()
        }

    def find(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        if not self._starts.isdisjoint(self._capitalised(text)):
            words = [(m.start(), m.end(), m.group()) for m in _CAPITALISED.finditer(text)]
            found = self._groups(text, words, self._written)
        lower = lower_case(text)[0].replace("\u2019", "'")
        cues = _SELF.finditer(lower) if len(lower) == len(text) else _SELF_ANY_CASE.finditer(text)
        for cue in cues:
            after = [
                (m.start(), m.end(), m.group().lower())
                for m in _WORD.finditer(text, cue.end(), cue.end() + 60)
            ]
            if after and after[0][0] == cue.end():
                found.extend(self._groups(text, after[: self._longest_words], self._lower, 1))
        found.extend(self._lower_plurals(text))
        if len(found) > 1:
            found = list({(f.start, f.end): f for f in found}.values())
        return found

    def _lower_plurals(self, text: str) -> list[Finding]:
        # Most texts hold no plural of a group: their words are checked all at once first.
        if self._plurals.keys().isdisjoint(_LOWER_PLURAL.findall(text)):
            return []
        found = []
        for m in _LOWER_PLURAL.finditer(text):
            for phrase in self._plurals.get(m.group(), ()):
                start = m.end() - len(phrase)
                if text.startswith(phrase, start) and (start == 0 or not text[start - 1].isalnum()):
                    found.append(Finding("NRP", start, m.end(), self.score, self.name))
                    break
        return found

    def _capitalised(self, text: str) -> list[str]:
        seen = self._seen
        if seen[0] is text:
            return seen[1]
        words = _CAPITALISED.findall(text)
        self._seen = (text, words)
        return words

    def forget(self) -> None:
        """Drop the last text's capitalised words (the analyzer calls this after each text)."""
        self._seen = ("", [])

    def cleared(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` that name a language ("in French", "speaks German", "the
        Spanish version"): no personal data, whatever a model makes of them."""
        if self._speakable.isdisjoint(self._capitalised(text)):
            return []
        return [
            m.span()
            for m in _CAPITALISED.finditer(text)
            if self._spoken(text, m.start(), (m.start(), m.end(), m.group()))
        ]

    def _groups(
        self, text: str, words: list[_Word], forms: dict[str, bool], first_only: int = 0
    ) -> list[Finding]:
        """Findings for the longest forms among ``words`` (of ``text``), left to right;
        ``first_only`` stops after the first word's."""
        found: list[Finding] = []
        i = 0
        while i < len(words):
            n, group = self._longest(text, words, i, forms)
            if n and group and self._reported(text, words[i : i + n], bool(first_only)):
                start, end = words[i][0], words[i + n - 1][1]
                found.append(Finding("NRP", start, end, self.score, self.name))
            if first_only:
                break
            i += n or 1
        return found

    def _longest(
        self, text: str, words: list[_Word], i: int, forms: dict[str, bool]
    ) -> tuple[int, bool]:
        """How many words from ``i`` on make the longest form, and whether it is a group."""
        phrase = words[i][2]
        best = (1, forms[phrase]) if phrase in forms else (0, False)
        for k in range(i + 1, min(len(words), i + self._longest_words)):
            if text[words[k - 1][1] : words[k][0]] != " ":
                break
            phrase += " " + words[k][2]
            if phrase in forms:
                best = (k - i + 1, forms[phrase])
        return best

    def _reported(self, text: str, words: list[_Word], after_cue: bool) -> bool:
        """Whether the form made of ``words`` is reported: not a language here, not the
        start of a longer name in lower case ("Swiss francs"), and, for an ordinary word
        too ("Polish", "Conservative"), written capitalised inside a sentence."""
        start, end, last = words[0][0], words[-1][1], words[-1][2]
        if self._spoken(text, start, words[-1]):
            return False
        tails = self._tails.get(" ".join(w[2] for w in words))
        if tails and (m := _NEXT_WORD.match(text, end)) and m.group(1).rstrip("s") in tails:
            return False
        if len(words) == 1 and last.title() in self.ambiguous:
            return not after_cue and not last.isupper() and not _sentence_start(text, start)
        return True

    def _spoken(self, text: str, start: int, last: _Word) -> bool:
        """Whether a one-word form names a language, by itself and the words around it."""
        if last[0] != start or last[2] not in self._speakable:
            return False
        before = text[max(0, start - 20) : start].split()
        if before and before[-1].lower() in _LANGUAGE_BEFORE:
            return True
        after = text[last[1] : last[1] + 20].split(maxsplit=1)
        return bool(after) and after[0].lower().strip(".,;:!?") in _LANGUAGE_AFTER


def _sentence_start(text: str, start: int) -> bool:
    j = start - 1
    while j >= 0 and text[j] in _OPENERS:
        j -= 1
    return j < 0 or text[j] in _SENTENCE_ENDS


_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|"
    "NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|AS|MP|AA|AE|AP"
)
_US_ZIP = r"(?:-\d{4})?(?![\w-])"  # after the five digits: ZIP+4
POSTAL_CODE = PatternRecognizer(
    "postal_code",
    "POSTAL_CODE",
    # Each pattern starts with what it matches and looks behind after (a digit or a capital
    # first): Python's regex engine then skips ahead to candidates instead of trying the
    # look-behind at every position.
    [
        # A US ZIP (or ZIP+4) after a state's abbreviation: "Springfield, IL 62704".
        Pattern(
            rf"\d{{5}}(?:(?<=\b(?:{_US_STATES}) \d{{5}})|(?<=\b(?:{_US_STATES}), \d{{5}}))"
            + _US_ZIP,
            0.6,
            min_digits=5,
            min_run=5,
        ),
        # Five digits are a ZIP (or a German, French, Spanish, Italian postal code) only
        # next to a word that says so.
        Pattern(
            rf"\d{{5}}(?<![\w.,-]\d{{5}}){_US_ZIP}",
            0.3,
            min_digits=5,
            min_run=5,
            needs_context=True,
        ),
        # British and Canadian postcodes ("SW1A 1AA", "K1A 0B6") and Dutch ones ("1012
        # AB") need a word too: product names take the same shapes ("PS5 1TB").
        Pattern(
            r"[A-Z](?<!\w.)(?:(?:[A-Z]?\d[A-Z\d]?|IR) \d[ABD-HJLNP-UW-Z]{2}"
            r"|\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d)\b",
            0.4,
            min_digits=1,
            needs_context=True,
        ),
        Pattern(
            r"[1-9](?<!\w.)\d{3} ?[A-Z]{2}\b", 0.2, min_digits=4, min_run=4, needs_context=True
        ),
    ],
    context=("zip", "postal", "postcode", "post code", "plz", "postleitzahl"),
    yields=True,
)
