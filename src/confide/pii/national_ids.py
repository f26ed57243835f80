"""More national identity numbers: the shapes each country writes them in, their check digits
from python-stdnum, and the words that name them.

The older recognizers (US SSN, UK NHS, German tax id, French NIR, Spanish DNI/NIE, Italian
codice fiscale, Dutch BSN) live in ``confide.pii.recognizers``; these follow the same rules.
A number whose shape is its own (a Finnish HETU's century sign and check letter, a Swiss AHV
number's "756", a Swedish personnummer's hyphen, a Czech rodné číslo's slash before four
digits, an ITIN's 9XX-XX-XXXX) is reported on its checksum alone (score 0.78 or more). A plain
run of digits passes some country's checksum too often (one in ten for a single check digit,
and a phone number or an amount is a run of digits), so it is reported only next to a word
that names it: its base score, 0.45, is under the default threshold and the word (a whole
word: "itin", not "itinerary") raises it to 0.8, above a phone number read from the same
digits (0.75). So is a UK National Insurance number: no check digit, and part codes share its
shape. Such patterns are not even tried in a text without one of their words
(``needs_context``), which keeps them off the hot path.

Two US numbers with no check digit (a passport's, a bank account's) are reported only beside
their words, as Presidio's ``US_PASSPORT`` and ``US_BANK_NUMBER``.

Types follow Presidio's names where it has one (``PL_PESEL``, ``UK_NINO``, ``US_ITIN``,
``FI_PERSONAL_IDENTITY_CODE``).
"""

from __future__ import annotations

from stdnum.be import nn
from stdnum.ch import ssn as ch_ssn
from stdnum.cz import rc
from stdnum.dk import cpr
from stdnum.ee import ik
from stdnum.fi import hetu
from stdnum.hr import oib
from stdnum.ie import pps
from stdnum.no import fodselsnummer
from stdnum.pl import pesel
from stdnum.ro import cnp
from stdnum.se import personnummer
from stdnum.us import itin

from confide.pii.recognizers import Pattern, PatternRecognizer, Validator

__all__ = ["NATIONAL_IDS"]

# A digit that starts a number: "\b\d" written digit first, so that the regex engine skips
# quickly to a digit (see confide.pii.recognizers).
_START = r"\d(?<![\w.\-/]\d)"
# ... and one that ends it: no digit, letter, or separator and digit after it.
_END = r"(?![\w/])(?![.\-]\d)"


BESIDE_WORD = 0.45  # under the default threshold; 0.8 beside a word that names the number
# A shape of its own: above a phone number read from the same digits (0.75), under an id
# beside the word that names it (0.8: "CPR 120309-4121" is Danish, not Swedish).
SHAPE = 0.78


def _beside_word(regex: str, min_digits: int, min_run: int) -> Pattern:
    """A pattern tried only in a text that holds one of its recognizer's words, and reported
    only close to one."""
    return Pattern(regex, BESIDE_WORD, min_digits=min_digits, min_run=min_run, needs_context=True)


def _digit_run(length: int) -> Pattern:
    """Exactly ``length`` digits, not part of a longer number, beside a word."""
    return _beside_word(rf"{_START}\d{{{length - 1}}}{_END}", length, length)


def _national_id(
    name: str, entity: str, patterns: list[Pattern], words: tuple[str, ...], check: Validator
) -> PatternRecognizer:
    return PatternRecognizer(
        name, entity, patterns, context=words, validate=check, whole_words=True
    )


PL_PESEL = _national_id("pl_pesel", "PL_PESEL", [_digit_run(11)], ("pesel",), pesel.is_valid)
SE_PERSONNUMMER = _national_id(
    "se_personnummer",
    "SE_PERSONNUMMER",
    [
        # YYMMDD-NNNC (a "+" for those over a hundred) or YYYYMMDD-NNNC: Luhn and a date.
        Pattern(rf"{_START}\d{{5}}(?:\d{{2}})?[-+]\d{{4}}{_END}", SHAPE, min_digits=10, min_run=6),
        _beside_word(rf"{_START}\d{{9}}(?:\d{{2}})?{_END}", 10, 10),
    ],
    ("personnummer", "personnumret", "personnr", "person-nr"),
    personnummer.is_valid,
)
DK_CPR = _national_id(
    "dk_cpr",
    "DK_CPR",
    # DDMMYY-SSSS: since 2007 no check digit, only a date, so a word must name it.
    [_beside_word(rf"{_START}\d{{5}}-?\d{{4}}{_END}", 10, 6)],
    ("cpr", "personnummer"),
    cpr.is_valid,
)
FI_HETU = _national_id(
    "fi_hetu",
    "FI_PERSONAL_IDENTITY_CODE",
    # DDMMYY, the century sign, three digits and a check character (mod 31).
    [Pattern(rf"{_START}\d{{5}}[-+A-FU-Y]\d{{3}}[0-9A-Y](?!\w)", 0.85, min_digits=9, min_run=6)],
    ("henkilötunnus", "hetu", "personbeteckning"),
    hetu.is_valid,
)
NO_FODSELSNUMMER = _national_id(
    "no_fodselsnummer",
    "NO_FODSELSNUMMER",
    # DDMMYY and five digits, two of them mod-11 check digits.
    [_beside_word(rf"{_START}\d{{5}} ?\d{{5}}{_END}", 11, 5)],
    ("fødselsnummer", "fødselsnummeret", "fodselsnummer", "fodselsnummeret", "personnummer"),
    fodselsnummer.is_valid,
)
BE_NATIONAL_NUMBER = _national_id(
    "be_national_number",
    "BE_NATIONAL_NUMBER",
    [
        # YY.MM.DD-SSS.CC, the way the identity card prints it (mod 97 and a date); the
        # dots alone are no proof.
        _beside_word(rf"{_START}\d\.\d{{2}}\.\d{{2}}-\d{{3}}\.\d{{2}}{_END}", 11, 2),
        _digit_run(11),
    ],
    (
        "rijksregisternummer",
        "rijksregister",
        "numéro national",
        "numero national",
        "registre national",
        "national number",
        "niss",  # a whole word: not "Nissan"
    ),
    nn.is_valid,
)
CH_AHV = _national_id(
    "ch_ahv",
    "CH_AHV",
    # 756.XXXX.XXXX.XC, an EAN-13 with Switzerland's prefix.
    [Pattern(rf"756(?<![\w.\-/]756)\.?\d{{4}}\.?\d{{4}}\.?\d{{2}}{_END}", 0.85, min_digits=13)],
    ("ahv", "avs", "sozialversicherung"),
    ch_ssn.is_valid,
)
IE_PPS = _national_id(
    "ie_pps",
    "IE_PPS",
    # Seven digits and a check letter (mod 23), sometimes a second letter.
    [_beside_word(rf"{_START}\d{{6}}[A-Wa-w][A-IWa-iw]?(?!\w)", 7, 7)],
    ("pps", "personal public service"),
    pps.is_valid,
)
US_ITIN = _national_id(
    "us_itin",
    "US_ITIN",
    # 9XX-XX-XXXX with a group of 50-65, 70-88, 90-92 or 94-99: the SSN's shape, never an
    # SSN (no SSN starts with 9).
    [
        Pattern(r"9(?<![\w\-]9)\d{2}-\d{2}-\d{4}(?![\w\-])", 0.85, min_digits=9, min_run=4),
        _beside_word(r"9(?<![\w\-]9)\d{8}(?![\w\-])", 9, 9),
    ],
    ("itin", "taxpayer identification"),
    itin.is_valid,
)
RO_CNP = _national_id(
    "ro_cnp",
    "RO_CNP",
    [_digit_run(13)],  # sex and century, YYMMDD, county, serial and a check digit
    ("cnp", "cod numeric personal", "codul numeric personal"),
    cnp.is_valid,
)
CZ_BIRTH_NUMBER = _national_id(
    "cz_birth_number",
    "CZ_BIRTH_NUMBER",
    # YYMMDD/SSSC (Czech and Slovak rodné číslo, divisible by 11 since 1954); the nine
    # digits of those born before have no check digit, only a date, so need the word.
    [
        Pattern(rf"{_START}\d{{5}}/\d{{4}}{_END}", SHAPE, min_digits=10, min_run=6, contains="/"),
        _beside_word(rf"{_START}\d{{5}}/\d{{3}}{_END}", 9, 6),
        _digit_run(10),
    ],
    ("rodné číslo", "rodne cislo", "rodného čísla", "rodné čísl", "r.č."),
    rc.is_valid,
)
HR_OIB = _national_id(
    "hr_oib", "HR_OIB", [_digit_run(11)], ("oib", "osobni identifikacijski"), oib.is_valid
)
EE_ISIKUKOOD = _national_id(
    "ee_isikukood", "EE_ISIKUKOOD", [_digit_run(11)], ("isikukood", "isikukoodi"), ik.is_valid
)
# The National Insurance number: two letters (not D, F, I, Q, U or V; no O second; not
# BG, GB, KN, NK, NT, TN or ZZ, never issued), six digits and A to D. No check digit: the
# shape is its own. The first letter comes first in the pattern, so that the regex engine
# skips to one quickly; the lookbehinds then look at the letter before it and at the pair.
_NINO_PREFIX = r"[A-CEGHJ-PR-TW-Z](?<![\w\-][A-Z])[A-CEGHJ-NPR-TW-Z](?<!BG|GB|KN|NK|NT|TN|ZZ)"
UK_NINO = PatternRecognizer(
    "uk_nino",
    "UK_NINO",
    # A part or product code may have the same shape ("AB123456C"): the word is needed.
    [_beside_word(rf"{_NINO_PREFIX} ?\d{{2}} ?\d{{2}} ?\d{{2}} ?[A-D](?![\w\-])", 6, 2)],
    context=("national insurance", "nino", "ni number", "ni no"),
    whole_words=True,
)

# Two US numbers with no check digit at all, Presidio's types: reported only beside a word
# that names them (Presidio scores the bare digits 0.05-0.1).
US_PASSPORT = PatternRecognizer(
    "us_passport",
    "US_PASSPORT",
    # Nine digits, or (the next-generation book) a letter and eight digits.
    [_beside_word(rf"(?<![\w\-./])(?:[A-Za-z]\d{{8}}|\d{{9}}){_END}", 8, 8)],
    context=("passport",),
    whole_words=False,  # "passports", "passport's"
)
US_BANK_NUMBER = PatternRecognizer(
    "us_bank_number",
    "US_BANK_NUMBER",
    # A US bank account number: 8 to 17 digits, no check digit.
    [_beside_word(rf"{_START}\d{{7,16}}{_END}", 8, 8)],
    context=(
        "bank account",
        "checking account",
        "savings account",
        "bank acct",
        "checking acct",
        "savings acct",
    ),
    whole_words=True,
)

NATIONAL_IDS: tuple[PatternRecognizer, ...] = (
    PL_PESEL,
    SE_PERSONNUMMER,
    DK_CPR,
    FI_HETU,
    NO_FODSELSNUMMER,
    BE_NATIONAL_NUMBER,
    CH_AHV,
    IE_PPS,
    US_ITIN,
    RO_CNP,
    CZ_BIRTH_NUMBER,
    HR_OIB,
    EE_ISIKUKOOD,
    UK_NINO,
    US_PASSPORT,
    US_BANK_NUMBER,
)
