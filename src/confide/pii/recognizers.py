"""Pattern recognizers: a regex, context words that raise the score, a validate hook."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, region_code_for_country_code
from stdnum import iban, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn

from confide.pii.findings import Finding

CONTEXT_BEFORE = 40  # characters around a match searched for context words
CONTEXT_AFTER = 12
CONTEXT_BOOST = 0.35
DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR", "NL", "ES", "IT")
MAX_PHONE_DIGITS = 15  # E.164
DEFAULT_ORDER_PATTERNS = (r"\bNW-\d{5}\b",)

Validator = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regex and its base score, with what every match needs from the text.

    ``min_digits``, ``min_run`` (consecutive digits), ``contains`` (a substring, at least
    ``contains_times`` times) and
    ``any_of`` (lower-case ASCII words, one of which every match holds or follows, looked
    for in the lower-cased text) are necessary conditions checked before the regex runs:
    most chat messages hold no ``@``, no long digit run and no "years old", so most patterns
    are skipped without scanning the text. ``any_of`` is checked only in text that
    ``lowers_faithfully``. With
    ``needs_context`` the pattern is not even tried in a text without one of the
    recognizer's context words: its matches are personal data only next to one. ``gate``
    is a regular expression (compiled with the pattern's flags) that every text holding a
    match holds too, and that the regex engine finds quickly: one that starts with a
    digit, say, where the pattern starts with a word boundary or a lookahead, which make
    the engine try the pattern at every position of the text.
    """

    regex: str
    score: float
    flags: int = 0
    min_digits: int = 0
    min_run: int = 0
    contains: str = ""
    contains_times: int = 1  # how often ``contains`` must occur ("-" five times in a MAC)
    needs_context: bool = False
    any_of: tuple[str, ...] = ()
    gate: str = ""


_DIGIT_RUN = re.compile(r"\d+")

# The only characters a case-insensitive regex matches to an ASCII letter that str.lower()
# does not turn into that letter: the dotted capital and the dotless small i of Turkish, and
# the long s (a test checks this over all of Unicode).
LOWER_CASE_TRAPS = ("\u0130", "\u0131", "\u017f")


def lowers_faithfully(text: str) -> bool:
    """Whether ``text.lower()`` holds, at the same places, every run of ASCII letters that a
    case-insensitive regex matches in ``text``: then a word looked for in the lower-cased
    text is a sound gate for such a regex. True of any text without ``LOWER_CASE_TRAPS``
    (``str.lower`` keeps every other character one character, and a word character one)."""
    return text.isascii() or not any(trap in text for trap in LOWER_CASE_TRAPS)


# The last text asked of ``lower_case``, its lower case and whether it lowers faithfully:
# the analyzer's recognizers ask it of one text after another (one slot, read and replaced
# as one tuple, so threads asking of different texts each get their own text's).
_LAST_LOWER: tuple[str, str, bool] = ("", "", True)


def lower_case(text: str) -> tuple[str, bool]:
    """``text.lower()`` and ``lowers_faithfully(text)``, computed once for the last text."""
    global _LAST_LOWER
    last = _LAST_LOWER
    if last[0] is text:
        return last[1], last[2]
    lower, faithful = text.lower(), lowers_faithfully(text)
    _LAST_LOWER = (text, lower, faithful)
    return lower, faithful


def forget_lower_case() -> None:
    """Empty ``lower_case``'s slot: the analyzer does at the end of each text, so that no
    message stays in memory after its analysis."""
    global _LAST_LOWER
    _LAST_LOWER = ("", "", True)


class DigitStats(NamedTuple):
    """How many digits a text holds and its longest run of them: one scan per text (a
    tuple, so that the C scan, ``confide.pii._crf.digit_stats``, builds one directly)."""

    digits: int
    run: int

    @classmethod
    def of(cls, text: str) -> DigitStats:
        runs = _DIGIT_RUN.findall(text)
        if not runs:
            return _NO_DIGITS
        lengths = [len(r) for r in runs]
        return cls(sum(lengths), max(lengths))


_NO_DIGITS = DigitStats(0, 0)


@dataclass(slots=True)
class PatternRecognizer:
    """A Presidio-style recognizer: patterns, optional context words and a validate hook.

    A match the validator rejects is dropped, and so is one with an ``unless_after`` word
    just before it; context words found just before a match raise its score by
    ``CONTEXT_BOOST`` (capped at 1.0). With ``yields``, a finding gives
    way to any other finding it overlaps (see ``resolve_overlaps``).
    """

    name: str
    entity: str
    patterns: Sequence[Pattern]
    context: tuple[str, ...] = ()
    validate: Validator | None = None
    yields: bool = False
    unless_after: tuple[str, ...] = ()
    # Context words as whole words ("itin" not in "itinerary"); else a word's start is enough.
    whole_words: bool = False
    entities: tuple[str, ...] = field(init=False)
    # Each pattern's regex, its gate's and (for more than two words) its any_of words' in one.
    _compiled: list[
        tuple[re.Pattern[str], Pattern, re.Pattern[str] | None, re.Pattern[str] | None]
    ] = field(init=False, repr=False)
    _context: re.Pattern[str] | None = field(init=False, repr=False)
    _veto: re.Pattern[str] | None = field(init=False, repr=False)
    _min_digits: int = field(init=False, repr=False)
    _min_run: int = field(init=False, repr=False)
    _needs: tuple[tuple[str, ...], bool] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.entities = (self.entity,)
        self._compiled = [
            (
                re.compile(p.regex, p.flags),
                p,
                re.compile(p.gate, p.flags) if p.gate else None,
                re.compile("|".join(map(re.escape, p.any_of))) if len(p.any_of) > 2 else None,
            )
            for p in self.patterns
        ]
        # Whole words at the start, so "tel" does not fire inside "hotel".
        words = "|".join(re.escape(w) for w in self.context)
        end = r"\b" if self.whole_words else ""
        self._context = re.compile(rf"\b(?:{words}){end}") if self.context else None
        vetoes = "|".join(re.escape(w) for w in self.unless_after)
        self._veto = re.compile(rf"\b(?:{vetoes})\b") if self.unless_after else None
        self._min_digits = min((p.min_digits for p in self.patterns), default=0)
        self._min_run = min((p.min_run for p in self.patterns), default=0)
        if self.patterns and all(p.contains and p.contains_times >= 1 for p in self.patterns):
            self._needs = (tuple(dict.fromkeys(p.contains for p in self.patterns)), False)
        elif self.patterns and self.context and all(p.needs_context for p in self.patterns):
            self._needs = (self.context, True)
        else:
            self._needs = ((), False)

    @property
    def min_digits(self) -> int:
        """Digits any finding needs: a text with fewer need not be scanned."""
        return self._min_digits

    @property
    def min_run(self) -> int:
        """The run of digits any finding needs: a text without one need not be scanned."""
        return self._min_run

    @property
    def needs(self) -> tuple[tuple[str, ...], bool]:
        """Strings one of which the text (its lower case, with True) holds wherever there is
        a finding (every pattern's ``contains``, or the context words where every pattern
        needs them); without one the analyzer skips the call. Empty: no such strings."""
        return self._needs

    def find(self, text: str, stats: DigitStats | None = None) -> list[Finding]:
        """Findings in ``text``; ``stats`` saves a scan when the caller already has them."""
        if self._min_digits:
            stats = stats or DigitStats.of(text)
            if stats.digits < self._min_digits:
                return []
        found: list[Finding] = []
        lower, faithful = lower_case(text)
        for regex, pattern, gate, words in self._compiled:
            if pattern.min_digits or pattern.min_run:
                stats = stats or DigitStats.of(text)
                if stats.digits < pattern.min_digits or stats.run < pattern.min_run:
                    continue
            if pattern.contains and (
                pattern.contains not in text
                if pattern.contains_times == 1
                else text.count(pattern.contains) < pattern.contains_times
            ):
                continue
            if pattern.any_of and faithful:
                if words is None:
                    if not any(word in lower for word in pattern.any_of):
                        continue
                elif words.search(lower) is None:
                    continue
            if pattern.needs_context:
                if not any(word in lower for word in self.context):
                    continue
                # Whole words: "machine" holds "mac", but names no MAC address.
                if self.whole_words and self._context and not self._context.search(lower):
                    continue
            if gate is not None and gate.search(text) is None:
                continue
            self._scan(text, regex, pattern.score, found)
        return found

    def _scan(self, text: str, regex: re.Pattern[str], score: float, out: list[Finding]) -> None:
        validate = self.validate
        value = "value" in regex.groupindex  # the finding is that group, not the match
        for match in regex.finditer(text):
            if validate is not None and not validate(match.group("value" if value else 0)):
                continue
            start, end = match.span("value") if value else match.span()
            if self._veto and self._veto.search(
                text[max(0, start - CONTEXT_BEFORE) : start].lower()
            ):
                continue
            final = self._with_context(text, start, end, score)
            out.append(Finding(self.entity, start, end, final, self.name))

    def _with_context(self, text: str, start: int, end: int, score: float) -> float:
        if self._context is None:
            return score
        window = text[max(0, start - CONTEXT_BEFORE) : end + CONTEXT_AFTER].lower()
        if self._context.search(window):
            return min(1.0, score + CONTEXT_BOOST)
        return score


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _is_card(value: str) -> bool:
    """13 to 19 digits passing Luhn: Visa, Mastercard, Amex and the other long cards. No
    card number starts with 0 (ISO/IEC 7812 gives that industry digit to no card scheme):
    "001-335-504-9258" is a phone number dialled from abroad."""
    digits = _digits(value)
    return 13 <= len(digits) <= 19 and digits[0] != "0" and luhn.is_valid(digits)


# Maestro issues cards of 12 digits too (IIN 50, 56-69); one twelve-digit number in ten
# passes Luhn, so these are reported only next to a card word (base score below the
# default threshold, raised by the context).
_MAESTRO_12 = re.compile(r"(?:5[06-9]|6\d)\d{10}")


def _is_card_or_maestro(value: str) -> bool:
    if _is_card(value):
        return True
    digits = _digits(value)
    return _MAESTRO_12.fullmatch(digits) is not None and luhn.is_valid(digits)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _stdnum(*modules: Callable[[str], bool]) -> Validator:
    return lambda value: any(check(value) for check in modules)


EMAIL = PatternRecognizer(
    "email",
    "EMAIL_ADDRESS",
    # The local part is taken possessively ("++"): "@" is not one of its characters, so
    # giving any back never lets "@" match, and the engine does not try.
    [Pattern(r"\b[\w.+%-]++@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", 1.0, contains="@")],
)
CREDIT_CARD = PatternRecognizer(
    "credit_card",
    "CREDIT_CARD",
    [
        Pattern(r"\d(?<![\w-]\d)(?:[ -]?\d){12,18}(?![\w-])", 0.9, min_digits=13),
        # Twelve digits that are not the start or end of a longer grouped number.
        Pattern(
            r"\d(?<![\w-]\d)(?<!\d[ -]\d)\d{3}([ -]?)\d{4}\1\d{4}(?![\w-])(?![ -]\d)",
            0.3,
            min_digits=12,
            min_run=4,
        ),
    ],
    # "cc " with its space: the abbreviation, not "CCTV".
    context=("card", "visa", "mastercard", "maestro", "amex", "credit", "debit", "cc "),
    validate=_is_card_or_maestro,
)
IBAN = PatternRecognizer(
    "iban",
    "IBAN_CODE",
    [
        Pattern(
            r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?\b",
            1.0,
            min_digits=2,
            min_run=2,
            gate=r"\d(?<=[A-Za-z]{2}\d)\d",  # two letters, two digits
        )
    ],
    validate=iban.is_valid,
)
US_SSN = PatternRecognizer(
    "us_ssn",
    "US_SSN",
    # SSNs carry no checksum: python-stdnum rejects the reserved areas and famous examples.
    [
        Pattern(r"\d(?<![\d-]\d)\d{2}-\d{2}-\d{4}(?![\d-])", 0.85, min_digits=9, min_run=4),
        Pattern(r"\d(?<!\w\d)\d{8}\b", 0.3, min_digits=9, min_run=9),
    ],
    context=("ssn", "social security", "social sec"),
    validate=ssn.is_valid,
)
UK_NHS = PatternRecognizer(
    "uk_nhs",
    "UK_NHS",
    # Ten digits: a phone number usually fails the mod-11 check, and context is required
    # to score above the default threshold.
    [Pattern(r"\d(?<![\d-]\d)\d{2}[ -]?\d{3}[ -]?\d{4}(?![\d-])", 0.45, min_digits=10, min_run=4)],
    context=("nhs", "health service", "nhs number"),
    validate=nhs.is_valid,
)
DE_TAX_ID = PatternRecognizer(
    "de_idnr",
    "DE_TAX_ID",
    [Pattern(r"\d(?<!\w\d)\d ?\d{3} ?\d{3} ?\d{3}\b", 0.5, min_digits=11, min_run=3)],
    context=("steuer", "idnr", "identifikationsnummer", "tax id"),
    validate=idnr.is_valid,
)
FR_NIR = PatternRecognizer(
    "fr_nir",
    "FR_NIR",
    [
        Pattern(
            r"[12](?<!\w[12]) ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b",
            0.85,
            min_digits=14,
            min_run=3,
        )
    ],
    context=("sécurité sociale", "securite sociale", "nir", "insee"),
    validate=nir.is_valid,
)
ES_DNI_NIE = PatternRecognizer(
    "es_dni_nie",
    "ES_NIF",
    [Pattern(r"\b[XYZxyz]?-?\d{7,8}-?[A-Za-z]\b", 0.85, min_digits=7, min_run=7)],
    context=("dni", "nie", "nif"),
    validate=_stdnum(dni.is_valid, nie.is_valid),
)
IT_FISCAL_CODE = PatternRecognizer(
    "it_codice_fiscale",
    "IT_FISCAL_CODE",
    [
        Pattern(
            # (The lookahead lets the regex engine skip to letters before six letters and a
            # digit.)
            r"(?=[A-Za-z]{6}\d)\b[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]\b",
            0.95,
            min_digits=7,
            min_run=3,
            gate=r"\d(?<=[A-Za-z]{6}\d)",
        )
    ],
    validate=codicefiscale.is_valid,
)
NL_BSN = PatternRecognizer(
    "nl_bsn",
    "NL_BSN",
    # Nine digits pass the 11-test one time in eleven: only report with context.
    [Pattern(r"\d(?<!\w\d)\d{3}\.?\d{2}\.?\d{3}\b", 0.3, min_digits=9, min_run=4)],
    context=("bsn", "burgerservicenummer", "sofinummer"),
    validate=bsn.is_valid,
)
IP_ADDRESS = PatternRecognizer(
    "ip_address",
    "IP_ADDRESS",
    [
        Pattern(r"\d(?<!\w\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}\b", 0.95, min_digits=4, contains="."),
        Pattern(
            r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])",
            0.95,
            contains=":",
            gate=":[0-9A-Fa-f]{0,4}:",
        ),
    ],
    validate=_is_ip,
)
URL = PatternRecognizer(
    "url",
    "URL",
    [
        Pattern(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)]", 0.9, contains="://"),
        Pattern(
            r"\bwww\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?",
            0.8,
            contains="www.",
        ),
    ],
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_WORDS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_INITIALS = "".join(dict.fromkeys(word[0] for word in _MONTH_WORDS))
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
# A year alone is a date only after a word that makes it one ("in 1983", "since 2017",
# "summer 2019", "class of 1999"), or after another year and a word that makes a range
# ("from 2001 to 2005", "between 1999 and 2003").
# Not "around", "between" or "through" (amounts: "around 2000 with delivery"), nor "early"
# or "late" (models: "MacBook Pro (Early 2015)").
_YEAR_WORDS = (
    "in|during|since|until|till|from|by|year|before|after|circa|born|throughout|spring|"
    "summer|autumn|fall|winter|class of|summer of|as of|"
    r"b\.|ca\."  # "(b. 1972, Leeds)", "ca. 1850"
)
# Each looks behind the century's two digits, which the pattern matches first: a
# pattern that starts with a literal lets the regex engine skip quickly to where it may match.
_YEAR_AFTER = "|".join(f"(?<=\\b{word} ..)" for word in _YEAR_WORDS.split("|"))
# A range after such a word, or after "between", is one date: "from 2001 to 2005".
_RANGE_AFTER = "|".join([_YEAR_AFTER, "(?<=\\bbetween ..)"])
_CENTURY = "(?:19|20)"
_YEAR = rf"{_CENTURY}\d{{2}}\b"
# ... and only before the end, punctuation or a word that starts a clause: "in 1983 while",
# "since 2017." but not "in 2020 Maple Drive" (an address) or "in 2000 euros" (an amount).
_CLAUSE_WORDS = (
    "while|when|and|but|so|as|at|for|to|with|after|before|because|i|we|he|she|they|you|"
    "the|my|our|his|her|their|it|which|that|where|or|on|in"
)
_YEAR_BEFORE = rf"(?=\s*(?:$|[.,;:!?()\]\"'\u2019]|\s(?:{_CLAUSE_WORDS})\b))(?![.:]\d)"
DATE_TIME = PatternRecognizer(
    "date_time",
    "DATE_TIME",
    [
        # "\d(?<!\w\d)" is "\b\d" with the digit first: a pattern that starts with what it
        # matches lets the regex engine skip quickly to where it may match.
        Pattern(rf"\d(?<!\w\d)\d{{3}}-\d{{2}}-\d{{2}}{_TIME}\b", 0.85, min_digits=8, min_run=4),
        Pattern(
            rf"(?=\d)\b(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-]"
            rf"(?:\d{{4}}|\d{{2}}){_TIME}\b",
            0.6,
            min_digits=4,
            min_run=2,
            gate=r"\d(?<!\w\d)\d?[/.-]\d",
        ),
        Pattern(
            rf"\b{_DAY} (?:of )?{_MONTH},? \d{{4}}\b",
            0.85,
            re.I,
            5,
            4,
            any_of=_MONTH_WORDS,
            gate=rf"\d(?:st|nd|rd|th)? (?:of )?[{_MONTH_INITIALS}]",
        ),
        # The lookahead only lets the regex engine skip to a month's first letter quickly.
        Pattern(
            rf"(?=[{_MONTH_INITIALS}])\b{_MONTH} {_DAY},? \d{{4}}\b",
            0.85,
            re.I,
            5,
            4,
            any_of=_MONTH_WORDS,
            gate=r"\d(?<=[a-z.] \d)",  # a month's last letter (or a dot), a space, a digit
        ),
        Pattern(
            rf"(?=[{_MONTH_INITIALS}])\b{_MONTH} \d{{4}}\b",
            0.6,
            re.I,
            4,
            4,
            any_of=_MONTH_WORDS,
            gate=r"\d(?<=[a-z.] \d)",
        ),
        Pattern(rf"{_CENTURY}(?:{_YEAR_AFTER})\d{{2}}\b{_YEAR_BEFORE}", 0.6, re.I, 4, 4),
        Pattern(
            rf"{_CENTURY}(?:{_RANGE_AFTER})\d{{2}}\b(?: ?[-\u2013] ?| (?:to|and|or|till|until) )"
            rf"{_YEAR}{_YEAR_BEFORE}",
            0.65,
            re.I,
            8,
            4,
        ),
        Pattern(
            r"(?=[MTWFS])\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b",
            0.6,
            gate=r"day(?<=[nsir]day)\b",  # the letters before "day" in a weekday's name
        ),
    ],
    context=("born", "birth", "dob", "date"),
)
_PERSON_NOUNS = (
    "man|woman|male|female|boy|girl|patient|son|daughter|child|kid|baby|mother|father|mom|mum|"
    "dad|wife|husband|brother|sister|grandmother|grandfather|grandma|grandpa|person|lady|"
    "gentleman|customer|friend|nephew|niece|teenager|student"
)
# What may follow an age: not a span of time or a count of things ("I turned 2 cards off"),
# though "34 years old" is an age.
_NOT_AGE_AFTER = (
    r"(?![.,:]\d)(?!\s*(?:days?|weeks?|months?|hours?|minutes?|times?|%))"
    r"(?!\s+(?!years\b|yrs\b)[a-z]+s\b)"
)
# After a relative's "is N": nor more digits (a phone number: "my husband's phone is 555
# 0142"), a measure or a rank ("6 ft tall", "1 of many").
_NOT_RELATIVE_AGE_AFTER = (
    r"(?![ -]?\d)(?!\s*(?:ft|feet|foot|cm|m|kg|lbs?|pounds|inches|in|of|out|st|nd|rd|th)\b)"
)
_RELATIVES = (
    "son|daughter|child|kid|baby|boy|girl|wife|husband|partner|mother|father|mom|mum|dad|"
    "brother|sister|grandmother|grandfather|grandma|grandpa|nephew|niece|friend"
)
_AGE_SUBJECTS = (
    "i am|i'm|he is|he's|she is|she's|i was|he was|she was|we are|they are|who is|"
    "i turned|just turned|he turned|she turned|am turning|is turning|i'll turn|will turn|"
    "age of|aged|age:"
)
_AGE_SUBJECT_LIST = _AGE_SUBJECTS.split("|")
_AGE_VERBS = ("is", "was", "turned", "turns", "be", "turning")  # the last words before "N"
AGE = PatternRecognizer(
    "age",
    "AGE",
    # The number only, where the words around it make it a person's age: "a 67-year-old
    # man", "she is 52 years old", "at the age of 69", "I just turned 81". The age of a card
    # or an account ("my card is 3 years old") and spans of time ("aged 90 days") are not.
    [
        # "\d(?<!\w\d)" is "\b\d", and each lookbehind holds the digit, as below: a pattern
        # that starts with a digit lets the regex engine skip to the digits.
        Pattern(
            rf"\d(?<!\w\d)\d{{0,2}}(?=[- ](?:years?|yrs?)[- ]old[- ](?:{_PERSON_NOUNS})s?\b)",
            0.8,
            re.I,
            min_digits=1,
            any_of=("old",),
        ),
        Pattern(
            "\\d(?<= \\d)(?:"
            + "|".join(f"(?<=\\b{subject} \\d)" for subject in _AGE_SUBJECT_LIST)
            + r")\d{0,2}\b"
            + _NOT_AGE_AFTER,
            0.7,
            re.I,
            min_digits=1,
        ),
        # A relative, named or not, before "is N": "my son Tom is 12", "our daughter is 9"
        # (the name capitalised, whatever the case of the rest). Tried only where a number
        # follows one of the verbs.
        Pattern(
            rf"\b(?:my|our|his|her|their) (?:{_RELATIVES})(?:,? (?-i:[A-Z])[\w'-]*,?)?"
            r" (?:is|was|turned|turns|will be|is turning) (?P<value>\d{1,3})\b"
            + _NOT_AGE_AFTER
            + _NOT_RELATIVE_AGE_AFTER,
            0.7,
            re.I,
            min_digits=1,
            gate="\\d(?<= \\d)(?:" + "|".join(f"(?<=\\b{verb} \\d)" for verb in _AGE_VERBS) + ")",
        ),
    ],
)


# Letters, digits, "_" and "-" at the start of a regular expression (after "\b"), none of
# them made optional or repeated by what follows.
_LEADING_LITERAL = re.compile(r"(?:\\b)?([A-Za-z0-9_-]{2,})(?![?*+{])")


def configured_pattern(regex: str, score: float) -> Pattern:
    """A deployment's pattern, tried only in a text that holds the literal it starts with
    ("NW-" of "\\bNW-\\d{5}\\b"), if it starts with one: the regex engine tries a pattern
    that starts with "\\b" at every position of the text, and is several times slower at
    that than a substring search."""
    # Not with "|" (either of two) nor a comment ("(?#...)", after which a quantifier still
    # applies to the literal's last character).
    lead = _LEADING_LITERAL.match(regex) if "|" not in regex and "(?#" not in regex else None
    return Pattern(regex, score, contains=lead.group(1) if lead else "")


def order_number_recognizer(patterns: Iterable[str] = DEFAULT_ORDER_PATTERNS) -> PatternRecognizer:
    """Order and account numbers from deployment-specific regular expressions."""
    return PatternRecognizer(
        "order_number", "ORDER_NUMBER", [configured_pattern(p, 0.9) for p in patterns]
    )


# A date written with dots, slashes or hyphens ("12.03.2024") is no phone number.
_DATE_SHAPE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})")


def _phone_length(value: str) -> bool:
    return 7 <= len(_digits(value.split("x")[0])) <= 15 and not _DATE_SHAPE.fullmatch(value)


PHONE_BY_CONTEXT = PatternRecognizer(
    "phone_context",
    "PHONE_NUMBER",
    # Numbers libphonenumber rejects (unknown area codes, no country code) are still
    # phone numbers when the text says so; alone they score below the threshold.
    [
        Pattern(
            r"(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\) ?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}"
            # (a full stop may end the sentence, not the digits: "call me on 438 4987.")
            r"(?:x\d{1,6})?(?!\w|[.-]\d)",
            0.3,
            min_digits=7,  # see _phone_length
            min_run=2,
            gate=r"\d\d[ .-]\d\d",
        ),
        # Ten or eleven digits written together ("Desk: 5691061671").
        Pattern(r"(?<![\w+.-])\d{10,11}(?!\w|[.-]\d)", 0.3, min_digits=10, min_run=10),
    ],
    context=(
        "phone",
        "call",
        "office",
        "fax",
        "mobile",
        "cell",
        "tel",
        "reach",
        "answering",
        "desk",
        "landline",
        "contact ",  # not "contacted", "contactless"
        "contact:",
        "whatsapp",
        "sms",
    ),
    validate=_phone_length,
)


# The North American way of writing a number, "(597)542-5401", "923-594-9143",
# "966.252.9343" (the same separator twice), perhaps with "+1", "1-" or "001-" before and an
# extension after: a phone number by its shape alone, even where libphonenumber knows no
# such area code (mistyped and made-up numbers are still the customer's). Area codes and
# exchanges start with 2-9; SSNs (3-2-4), dates and cards (4-4-4-4) have other groupings.
# No context boost, so that libphonenumber's span (with a country code or a long
# extension) wins where both match; not after a word that makes the digits a reference.
PHONE_BY_SHAPE = PatternRecognizer(
    "phone_shape",
    "PHONE_NUMBER",
    [
        Pattern(
            # The lookahead (the characters a match can start with) lets the regex engine
            # skip to them instead of trying the five lookbehinds everywhere.
            r"(?=[+(\d])(?<![\w+.-])(?<!\+\d )(?<!\+\d\d )(?<!\+\d\d\d )(?<!\b00\d )(?<!\b00\d\d )"
            r"(?:(?:\+1|001|1)[ .-]?)?"
            r"(?:\([2-9]\d\d\) ?[2-9]\d\d-|[2-9]\d\d-[2-9]\d\d-|[2-9]\d\d\.[2-9]\d\d\.)\d{4}"
            r"(?:(?: ?x| ?ext\.? ?)\d{1,7})?(?!\w|[.-]\d| ?(?:x|ext)\b)",
            0.55,
            min_digits=10,
            min_run=3,
            gate=r"\d{3}[.-]\d{4}",
        )
    ],
    unless_after=(
        "order",
        "tracking",
        "account",
        "acct",
        "ref",
        "reference",
        "rma",
        "code",
        "version",
        "product",
        "part",
        "serial",
        "ticket",
        "invoice",
        "sku",
        "item",
        "model",
        "policy",
        "claim",
        "case",
        "booking",
        "confirmation",
        "id",
        "no",
        "nr",
        "#",
    ),
)
US_DRIVER_LICENSE = PatternRecognizer(
    "us_driver_license",
    "US_DRIVER_LICENSE",
    # Fifty states, fifty formats, no checksum: letters and digits of licence length are
    # reported only next to the words that name them ("driver's license", "DL").
    [
        Pattern(
            r"\b[A-Z]{0,2}\d{5,14}[A-Z]?\b",
            0.2,
            flags=re.IGNORECASE,
            min_digits=5,
            min_run=5,
            needs_context=True,
        )
    ],
    context=("driver", "driving", "license", "licence", "dl", "permit"),
)


# Digit runs that could hold a phone number; only these are handed to libphonenumber,
# which is far slower when it scans the whole text once per region.
# (The lookahead, the characters a candidate starts with, lets the regex engine skip to them.)
_UNSPLITTABLE = re.compile(r"\+?[0-9-]+")  # where libphonenumber's matcher finds no inner number
_PHONE_CANDIDATE = re.compile(
    r"(?=[+(\d])\+?\(?\d[\d \t().\-/]{5,}\d(?:\s?(?:x|ext\.?)\s?\d{1,6})?"
)


# A candidate that is wholly a date ("12/31/2019") or the date and hour of a time stamp
# ("2019-10-11 12" before ":34") is no phone number; libphonenumber's matcher rejects the
# same shapes, but only after parsing the digits in each region.
_SLASH_DATE = re.compile(r"(?:[0-3]?\d/[01]?\d|[01]?\d/[0-3]?\d)/(?:[12]\d)?\d{2}")
_TIME_STAMP = re.compile(r"[12]\d{3}[-/]?[01]\d[-/]?[0-3]\d +[0-2]\d")
_MINUTES = re.compile(r":[0-5]\d")

_NumberGate = tuple[re.Pattern[str], re.Pattern[str] | None]


def _matcher_checks() -> Any:
    """phonenumbers' matcher module, whose own helpers make the checks its matcher makes of
    a candidate at leniency VALID (brackets, page ranges, letters or currency glued on,
    extension characters, a national prefix where one is required), or None when this
    version of phonenumbers lacks one of them (the matcher then decides every time)."""
    from phonenumbers import phonenumbermatcher as pm

    names = (
        "_MATCHING_BRACKETS",
        "_PUB_PAGES",
        "_LEAD_PATTERN",
        "_SLASH_SEPARATED_DATES",
        "_TIME_STAMPS",
        "_contains_only_valid_x_chars",
        "_is_national_prefix_present_if_required",
    )
    methods = ("_is_latin_letter", "_is_invalid_punctuation_symbol")
    if all(hasattr(pm, n) for n in names) and all(
        hasattr(pm.PhoneNumberMatcher, m) for m in methods
    ):
        return pm
    return None


_MATCHER = _matcher_checks()
# How the matcher splits a candidate that fails whole (see _inner_pieces), or None when this
# version of phonenumbers lacks those names (the matcher then looks inside every such one).
_MATCHER_SPLITS = (
    (_MATCHER._INNER_MATCHES, _MATCHER._UNWANTED_END_CHAR_PATTERN)
    if _MATCHER is not None
    and hasattr(_MATCHER, "_INNER_MATCHES")
    and hasattr(_MATCHER, "_UNWANTED_END_CHAR_PATTERN")
    else None
)
# Characters that may open a candidate of the matcher (brackets and plus signs, also in
# full width): before ours, the matcher's candidate would start earlier.
_SEPARATOR_RUN = re.compile(r"\D{5}")
_MATCHER_LEADS = frozenset("([\uff08\uff3b+\uff0b")
# A piece of a candidate that our number gate can judge: digits and the separators of a
# candidate, no letter (an extension, a vanity number) and no "+".
_GATED_PIECE = re.compile(r"[\d \t().\-/]*")


def _inner_pieces(
    candidate: str, splits: Sequence[re.Pattern[str]], trailing: re.Pattern[str]
) -> Iterator[str]:
    """Every piece of ``candidate`` that libphonenumber's matcher parses when the whole
    candidate fails (its ``_extract_inner_match``, at most; it stops earlier after a number
    found or too many tries): for each way of splitting (``splits``: at slashes, brackets,
    spaced hyphens, wide dashes, full stops, white space), the part before the first split
    and the part after each, with ``trailing`` punctuation cut as it cuts it."""
    for inner in splits:
        split = inner.search(candidate)
        if split is not None:
            yield _cut_at(trailing, candidate[: split.start()])
        while split is not None:
            yield _cut_at(trailing, split.group(1))
            split = inner.search(candidate, split.start() + 1)


def _cut_at(pattern: re.Pattern[str], value: str) -> str:
    found = pattern.search(value)
    return value[: found.start()] if found else value


@functools.cache  # libphonenumber's metadata does not change while we run
def _number_gate(region: str) -> _NumberGate | None:
    """A cheap necessary condition for digits dialled in ``region`` to be a valid number.

    Without an international prefix (let through to the parser), parsing strips at most
    the country code and the national prefix (twice, by the rules of this region or the
    main one of its country code) and keeps the rest as the national number, which is valid
    only if, for a region sharing the country code, it has a possible length and matches the
    general pattern, and matches one number type's pattern with that type's lengths (as
    libphonenumber's ``_number_type_helper`` decides). None when a national prefix is
    rewritten rather than stripped.
    """
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    code = metadata.country_code
    shared = [PhoneMetadata.metadata_for_region(r) for r in COUNTRY_CODE_TO_REGION_CODE[code]]
    main = PhoneMetadata.metadata_for_region(region_code_for_country_code(code))
    prefixes: list[str] = []
    for dialled in (metadata, main):
        if dialled is None or dialled.national_prefix_transform_rule:
            return None
        if dialled.national_prefix_for_parsing:
            prefixes.append(f"(?:{dialled.national_prefix_for_parsing})")
    valid: list[str] = []
    for other in shared:
        if other is None or other.general_desc is None:
            return None
        general = _desc_pattern(other.general_desc)
        if general is None:
            return None
        types = [t for t in (_desc_pattern(getattr(other, n, None)) for n in _VALID_TYPES) if t]
        if types:
            valid.append(rf"(?=(?:{general})\Z)(?:{'|'.join(types)})")
    prefix = f"(?:{'|'.join(prefixes)})?" if prefixes else ""
    # (No type anywhere: nothing is valid without an international prefix.)
    national = re.compile(f"(?:{code})?{prefix}{prefix}(?:{'|'.join(valid) or '(?!)'})")
    idd = metadata.international_prefix
    return national, re.compile(idd) if idd else None


def _desc_pattern(desc: Any) -> str | None:
    """A number description's pattern with its possible lengths, for a full match; None
    for a description no number matches (no pattern, or no length but -1)."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = [n for n in desc.possible_length if n > 0]
    if desc.possible_length and not lengths:
        return None
    any_length = "|".join(rf"\d{{{n}}}" for n in lengths)
    length = rf"(?=(?:{any_length})\Z)" if lengths else ""
    return f"{length}(?:{desc.national_number_pattern})"


# The types libphonenumber's is_valid_number accepts (_number_type_helper's order).
_VALID_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)
_NUMBER_DESCS = (
    "general_desc",
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
    "no_international_dialling",
)


@functools.cache
def _compile_phone_patterns() -> int:
    """Compile libphonenumber's metadata patterns (every region's) once, at start-up: the
    library compiles each when a number first needs it, so a customer's first number from
    a region would pay for it (about 0.15 s for all, a few ms per region), and without its
    own cache (releases before 9.0.43 have none) the re module's 512 slots cannot hold them
    and they are compiled again and again. Returns how many patterns were compiled."""
    enable_cache = getattr(phonenumbers, "enable_pattern_cache", None)
    if enable_cache is None:
        return 0
    enable_cache()
    from phonenumbers.re_util import re_compile

    patterns: set[str] = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is None:
            continue
        for name in _NUMBER_DESCS:
            desc = getattr(metadata, name, None)
            if desc is not None and desc.national_number_pattern:
                patterns.add(desc.national_number_pattern)
        for fmt in (*metadata.number_format, *metadata.intl_number_format):
            if fmt.pattern:
                patterns.add(fmt.pattern)
            patterns.update(fmt.leading_digits_pattern)
        for extra in (
            metadata.national_prefix_for_parsing,
            metadata.international_prefix,
            metadata.leading_digits,
        ):
            if extra:
                patterns.add(extra)
    for pattern in patterns:
        re_compile(pattern)
    return len(patterns)


@dataclass(slots=True)
class PhoneRecognizer:
    """International phone numbers through Google's libphonenumber port.

    Numbers written without a country code are tried in each configured region.
    """

    regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    score: float = 0.75
    possible_score: float = 0.7
    name: str = "phone"
    entities: tuple[str, ...] = ("PHONE_NUMBER",)
    _gates: dict[str, _NumberGate | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._gates = {region: _number_gate(region) for region in self.regions}
        _compile_phone_patterns()

    @property
    def min_digits(self) -> int:
        return 2  # a candidate holds two digits at least

    def find(self, text: str, stats: DigitStats | None = None) -> list[Finding]:
        """Findings in ``text``; ``stats`` saves a scan when the caller already has them."""
        if stats is not None and stats.digits < self.min_digits:
            return []
        spans: list[tuple[int, int]] = []
        possible: list[tuple[int, int]] = []
        for candidate in _PHONE_CANDIDATE.finditer(text):
            value = candidate.group(0)
            if _is_card(value):
                continue  # the card recognizer reports it; no phone hides in a card number
            if _SLASH_DATE.fullmatch(value) or (
                _TIME_STAMP.fullmatch(value) and _MINUTES.match(text, candidate.end())
            ):
                continue
            start, end = candidate.span()
            # The first region where the whole candidate is a valid number decides (another
            # region's matcher finds the same digits); the next one is tried only if its
            # matcher rejects the context.
            tries = (
                self._match(text, start, end, (r,)) if verdict is None else verdict
                for r, number in self._valid_numbers(value)
                for verdict in (self._verified(text, start, end, number, r),)
            )
            matched = next(filter(None, tries), [])
            if not matched and len(_digits(value)) > MAX_PHONE_DIGITS:
                # Several numbers run together: let the matcher split them.
                matched = self._match(text, start, end, self.regions)
            if not matched and self._possible_international(text, start, end, value):
                possible.append((start, end))
            spans.extend(matched)
        found = [
            Finding("PHONE_NUMBER", s, e, self.score, self.name) for s, e in dict.fromkeys(spans)
        ]
        found.extend(
            Finding("PHONE_NUMBER", s, e, self.possible_score, self.name) for s, e in possible
        )
        return found

    @staticmethod
    def _possible_international(text: str, start: int, end: int, value: str) -> bool:
        """A number dialled with "+" and a country code whose length fits a full number of
        that country, though libphonenumber does not know its range ("+41 (0)64 900 40 03":
        a trunk "(0)" written in, a range opened after the metadata was made): reported
        with a lower score. Nothing may be glued to it, and glued digits ("+12345678") must
        be ten at least: a score or an amount is no phone number."""
        if not value.startswith("+") or "/" in value:
            return False
        if (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
            return False
        if value[1:].isdigit() and len(value) < 11:
            return False
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            return False
        reason = phonenumbers.is_possible_number_with_reason(number)
        return reason == phonenumbers.ValidationResult.IS_POSSIBLE

    def _valid_numbers(self, value: str) -> Iterator[tuple[str, phonenumbers.PhoneNumber]]:
        """Regions in which the whole candidate parses as a valid number, with the number
        (a cheap filter), in the configured order and found one at a time."""
        if value.startswith("+"):
            number = self._parse(value, None) if self.regions else None
            if number is not None:
                yield self.regions[0], number
            return
        # Plain ASCII digits and separators only: no extension, nothing to transliterate.
        digits = _digits(value) if value.isascii() and "x" not in value else None
        for region in self.regions:
            if self._may_parse(digits, region):
                number = self._parse(value, region)
                if number is not None:
                    yield region, number

    def _may_parse(self, digits: str | None, region: str) -> bool:
        gate = self._gates.get(region)
        if digits is None or gate is None:
            return True
        national, idd = gate
        return bool(national.fullmatch(digits) or (idd is not None and idd.match(digits)))

    @staticmethod
    def _parse(value: str, region: str | None) -> phonenumbers.PhoneNumber | None:
        """The valid number ``value`` dials from ``region``, or None. The raw input is kept,
        as the matcher keeps it: its check for a national prefix reads it."""
        try:
            number = phonenumbers.parse(value, region, keep_raw_input=True)
        except phonenumbers.NumberParseException:
            return None
        return number if phonenumbers.is_valid_number(number) else None

    def _verified(
        self, text: str, start: int, end: int, number: phonenumbers.PhoneNumber, region: str
    ) -> list[tuple[int, int]] | None:
        """``[(start, end)]`` when the whole candidate, already parsed as the valid
        ``number``, passes the other checks libphonenumber's matcher makes of a candidate at
        leniency VALID, made with its own helpers on the same text around it; [] when the
        matcher would find nothing in it either; None leaves the decision to the matcher
        (which may still find a number inside the candidate). The matcher would search the
        text again with its pattern and parse and validate the number again; it finds the
        same (a test compares the two on thousands of numbers in twenty locales)."""
        pm = _MATCHER
        if pm is None:
            return None
        if start > 0 and (text[start - 1] in _MATCHER_LEADS or text[start - 1].isdigit()):
            return None  # the matcher's candidate would start there ("(+1 201…", "[201…")
        if end < len(text) and text[end].isdigit():
            return None  # the matcher's would go on (a seventh extension digit)
        candidate = text[start:end]
        # Shapes the matcher splits or rejects with checks of its own (a slash date or a time
        # stamp inside the number, more than four separators in a row) go to the matcher.
        if (
            pm._SLASH_SEPARATED_DATES.search(candidate)
            or pm._TIME_STAMPS.search(candidate)
            or _SEPARATOR_RUN.search(candidate)
        ):
            return None
        if not pm._MATCHING_BRACKETS.fullmatch(candidate) or pm._PUB_PAGES.search(candidate):
            return None
        glued = pm.PhoneNumberMatcher
        if start > 0 and not pm._LEAD_PATTERN.match(candidate):
            before = text[start - 1]
            if glued._is_invalid_punctuation_symbol(before) or glued._is_latin_letter(before):
                return None
        if end < len(text):
            after = text[end]
            if glued._is_invalid_punctuation_symbol(after) or glued._is_latin_letter(after):
                return None
        # What the matcher's _verify adds at leniency VALID to a valid number.
        if pm._contains_only_valid_x_chars(number, candidate) and (
            pm._is_national_prefix_present_if_required(number)
        ):
            return [(start, end)]
        # The matcher's candidate is this one and fails the same way. It then looks for a
        # number inside, split at a slash, a bracket, a dot, white space or a wide dash: in
        # digits and hyphens ("308-63-0237" in Germany, no trunk 0) there is none, nor
        # where no piece it would try passes the gate of a valid number of this region
        # ("30 901820" in Germany: neither "30" nor "901820" is one).
        # (A piece that is the whole candidate again fails again.)
        if _UNSPLITTABLE.fullmatch(candidate):
            return []
        if _MATCHER_SPLITS is not None and not any(
            piece != candidate and self._may_hold_number(piece, region)
            for piece in _inner_pieces(candidate, *_MATCHER_SPLITS)
        ):
            return []
        return None

    def _may_hold_number(self, piece: str, region: str) -> bool:
        """Whether ``piece``, parsed in ``region``, may be a valid number: False only where
        the gate says it cannot (a piece with a letter or "+" may always be one)."""
        gated = "+" not in piece and piece.isascii() and _GATED_PIECE.fullmatch(piece)
        return self._may_parse(_digits(piece) if gated else None, region)

    @staticmethod
    def _match(text: str, start: int, end: int, regions: Sequence[str]) -> list[tuple[int, int]]:
        # The matcher's checks (dates, grouping, letters around) decide; one character of
        # margin lets it see a letter glued to the number.
        offset = max(0, start - 1)
        window = text[offset : end + 1]
        return [
            (offset + m.start, offset + m.end)
            for region in regions
            for m in phonenumbers.PhoneNumberMatcher(window, region)
        ]


def default_recognizers(
    order_patterns: Iterable[str] = DEFAULT_ORDER_PATTERNS,
    phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
) -> list[PatternRecognizer | PhoneRecognizer]:
    """The pattern recognizers a deployment starts with."""
    from confide.pii.national_ids import NATIONAL_IDS  # they build on this module
    from confide.pii.online_ids import ONLINE_IDS

    return [
        EMAIL,
        PhoneRecognizer(tuple(phone_regions)),
        PHONE_BY_CONTEXT,
        PHONE_BY_SHAPE,
        CREDIT_CARD,
        IBAN,
        US_SSN,
        UK_NHS,
        DE_TAX_ID,
        FR_NIR,
        ES_DNI_NIE,
        IT_FISCAL_CODE,
        NL_BSN,
        *NATIONAL_IDS,
        US_DRIVER_LICENSE,
        IP_ADDRESS,
        *ONLINE_IDS,
        URL,
        DATE_TIME,
        AGE,
        order_number_recognizer(order_patterns),
    ]
