"""National identity numbers beyond the first seven: exact spans, check digits, the words that
name them, and numbers of the same shape that are something else.

Every number here is made up; its check digits come from python-stdnum (the helper below tries
each ending until stdnum accepts one), and the birth date inside it is 9 July 1985.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from stdnum.be import nn
from stdnum.ch import ssn as ch_ssn
from stdnum.cz import rc
from stdnum.ee import ik
from stdnum.fi import hetu
from stdnum.hr import oib
from stdnum.ie import pps
from stdnum.no import fodselsnummer
from stdnum.pl import pesel
from stdnum.ro import cnp
from stdnum.se import personnummer

from confide.pii import AnalyzerOptions, PiiAnalyzer
from confide.pii.national_ids import NATIONAL_IDS

DIGITS = "0123456789"


def complete(
    prefix: str, is_valid: Callable[[str], bool], width: int = 1, alphabet: str = DIGITS
) -> str:
    """``prefix`` and the first ending of ``width`` characters that stdnum accepts."""
    for tail in itertools.product(alphabet, repeat=width):
        if is_valid(value := prefix + "".join(tail)):
            return value
    raise AssertionError(f"no valid ending for {prefix}")


def broken(value: str, is_valid: Callable[[str], bool], alphabet: str = DIGITS) -> str:
    """``value`` with its last character changed so that the check fails."""
    for c in alphabet:
        if c != value[-1] and not is_valid(value[:-1] + c):
            return value[:-1] + c
    raise AssertionError("every ending passes")


HETU_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
PESEL = complete("8507091234", pesel.is_valid)
SE_PNR = complete("850709-980", personnummer.is_valid)
HETU = complete("090785-123", hetu.is_valid, alphabet=HETU_CHARS)
FNR = complete("09078549", fodselsnummer.is_valid, width=3)
BE_NN = complete("85.07.09-123.", nn.is_valid, width=2)
AHV = complete("756.1234.5678.9", ch_ssn.is_valid)
PPS = complete("1234567", pps.is_valid, alphabet="ABCDEFGHIJKLMNOPQRSTUVW")
CNP = complete("185070912345", cnp.is_valid)
RC = complete("850709/123", rc.is_valid)
OIB = complete("1234567890", oib.is_valid)
IK = complete("3850709123", ik.is_valid)

ID_TYPES = frozenset(r.entity for r in NATIONAL_IDS)
PATTERNS = PiiAnalyzer(options=AnalyzerOptions(statistical=False))
DEFAULT = PiiAnalyzer()


def spans(text: str, analyzer: PiiAnalyzer = PATTERNS) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in analyzer.analyze(text)]


def ids(text: str) -> list[tuple[str, str]]:
    return [(entity, value) for entity, value in spans(text) if entity in ID_TYPES]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Mój numer PESEL to {PESEL}.", [("PL_PESEL", PESEL)]),
        (f"Mitt personnummer är {SE_PNR}, tack.", [("SE_PERSONNUMMER", SE_PNR)]),
        # Sweden's long form, YYYYMMDD-NNNC
        (f"personnummer 19{SE_PNR}", [("SE_PERSONNUMMER", f"19{SE_PNR}")]),
        ("Mit CPR-nummer er 090785-1234.", [("DK_CPR", "090785-1234")]),
        (f"Henkilötunnukseni on {HETU}.", [("FI_PERSONAL_IDENTITY_CODE", HETU)]),
        (f"Fødselsnummeret mitt er {FNR}.", [("NO_FODSELSNUMMER", FNR)]),
        (f"Mijn rijksregisternummer: {BE_NN}", [("BE_NATIONAL_NUMBER", BE_NN)]),
        (f"Meine AHV-Nummer ist {AHV}.", [("CH_AHV", AHV)]),
        (f"My PPS number is {PPS}.", [("IE_PPS", PPS)]),
        ("ITIN 912-70-1234 on the form", [("US_ITIN", "912-70-1234")]),
        (f"CNP-ul meu este {CNP}.", [("RO_CNP", CNP)]),
        (f"Moje rodné číslo je {RC}.", [("CZ_BIRTH_NUMBER", RC)]),
        (f"Moj OIB je {OIB}.", [("HR_OIB", OIB)]),
        (f"Minu isikukood on {IK}.", [("EE_ISIKUKOOD", IK)]),
        ("National Insurance number: AB 12 34 56 C", [("UK_NINO", "AB 12 34 56 C")]),
    ],
)
def test_each_national_id_with_the_word_that_names_it(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(text) == expected
    # With the CRF as well (which may read a foreign word as a name): the same id.
    assert expected[0] in spans(text, DEFAULT)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # shapes of their own: the checksum is enough
        (f"it is {HETU}", [("FI_PERSONAL_IDENTITY_CODE", HETU)]),
        (f"it is {SE_PNR}", [("SE_PERSONNUMMER", SE_PNR)]),
        (f"it is {BE_NN}", []),  # the dots alone are no proof
        (f"it is {AHV}", [("CH_AHV", AHV)]),
        (f"it is {RC}", [("CZ_BIRTH_NUMBER", RC)]),
        ("it is 912-70-1234", [("US_ITIN", "912-70-1234")]),
        ("it is AB123456C", []),  # a part code may have a NINO's shape
        # plain runs of digits need their word: a valid checksum alone is too common
        (f"it is {PESEL}", []),
        (f"it is {FNR}", []),
        (f"it is {CNP}", []),
        (f"it is {OIB}", []),
        (f"it is {IK}", []),
        (f"it is {PPS}", []),
        ("it is 090785-1234", []),  # a CPR number is a date and a serial
        # ... near the number, not anywhere in the text
        (f"PESEL below.{' Some other words here.' * 3} The number {PESEL}", []),
    ],
)
def test_a_shape_of_its_own_needs_no_word_a_run_of_digits_does(
    text: str, expected: list[tuple[str, str]]
) -> None:
    # (The phone recognizer may still read a bare run of digits as a phone number.)
    assert ids(text) == expected


@pytest.mark.parametrize(
    ("word", "value", "is_valid", "alphabet"),
    [
        ("PESEL", PESEL, pesel.is_valid, DIGITS),
        ("personnummer", SE_PNR, personnummer.is_valid, DIGITS),
        ("henkilötunnus", HETU, hetu.is_valid, HETU_CHARS),
        ("fødselsnummer", FNR, fodselsnummer.is_valid, DIGITS),
        ("rijksregisternummer", BE_NN, nn.is_valid, DIGITS),
        ("AHV", AHV, ch_ssn.is_valid, DIGITS),
        ("PPS", PPS, pps.is_valid, "ABCDEFGHIJKLMNOPQRSTUVW"),
        ("CNP", CNP, cnp.is_valid, DIGITS),
        ("rodné číslo", RC, rc.is_valid, DIGITS),
        ("OIB", OIB, oib.is_valid, DIGITS),
        ("isikukood", IK, ik.is_valid, DIGITS),
    ],
)
def test_a_wrong_check_digit_is_no_id_even_next_to_its_word(
    word: str, value: str, is_valid: Callable[[str], bool], alphabet: str
) -> None:
    wrong = broken(value, is_valid, alphabet)
    assert ids(f"my {word}: {value}") != []
    assert ids(f"my {word}: {wrong}") == []


@pytest.mark.parametrize(
    "text",
    [
        # never-issued NINO prefixes (QQ is HMRC's specimen), and D, F, I, Q, U, V letters
        "NI number QQ 12 34 56 C",
        "NI number GB 12 34 56 A",
        "NI number AB 12 34 56 E",  # the suffix is A to D
        # ITIN groups run 50-65, 70-88, 90-92 and 94-99
        "ITIN 912-93-1234",
        "ITIN 912-45-1234",
        # a CPR number is a date: no 31 June
        "CPR 310685-1234",
        # glued to letters or to more digits
        f"ref X{HETU}",
        f"ref {AHV}1",
        f"ref 1{SE_PNR}",
        # a reference number shaped like an old nine-digit rodné číslo (a date, no check)
        "Ticket 240115/001 closed",
        # words are whole words: "itinerary" does not name an ITIN, nor "Nissan" a NISS
        "itinerary ref 912701234",
        "Nissan order 85073003328",
    ],
)
def test_near_misses_are_not_ids(text: str) -> None:
    assert ids(text) == []


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Ring mig på 070-123 45 67", "070-123 45 67"),
        ("Soita 040 123 4567 kiitos", "040 123 4567"),
        ("ring +47 912 34 567", "+47 912 34 567"),
    ],
)
def test_a_phone_number_is_not_an_id(text: str, phone: str) -> None:
    assert spans(text) == [("PHONE_NUMBER", phone)]


def test_an_ssn_stays_an_ssn() -> None:
    assert spans("my ssn is 123-45-6789") == [("US_SSN", "123-45-6789")]


def test_a_deployment_can_ask_for_one_id_alone() -> None:
    only = PiiAnalyzer(options=AnalyzerOptions(entities=frozenset({"PL_PESEL"})))
    text = f"PESEL {PESEL}, henkilötunnus {HETU}, jo.doe@example.com"
    assert spans(text, only) == [("PL_PESEL", PESEL)]


def test_every_id_has_its_own_type_and_name() -> None:
    assert len({r.entity for r in NATIONAL_IDS}) == len(NATIONAL_IDS)
    assert len({r.name for r in NATIONAL_IDS}) == len(NATIONAL_IDS)


def test_a_cpr_number_beside_its_word_is_danish_though_shaped_as_swedish() -> None:
    assert ids("CPR 120309-4121") == [("DK_CPR", "120309-4121")]
    assert ids("it is 120309-4121") == [("SE_PERSONNUMMER", "120309-4121")]


def test_an_old_nine_digit_birth_number_needs_its_word() -> None:
    assert ids("rodné číslo 850709/123") == [("CZ_BIRTH_NUMBER", "850709/123")]
    assert ids("it is 850709/123") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My passport number is 555123456.", [("US_PASSPORT", "555123456")]),
        ("Passport: A55512345, expires in May", [("US_PASSPORT", "A55512345")]),
        ("Please pay into my bank account 5550001234567.", [("US_BANK_NUMBER", "5550001234567")]),
        ("savings acct 55501234", [("US_BANK_NUMBER", "55501234")]),
        ("passport no. a55512345", [("US_PASSPORT", "a55512345")]),
    ],
)
def test_a_passport_or_bank_account_number_beside_its_word(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ticket 555123456 is still open",  # nine digits, no word
        "passport 5551234567 is ten digits",  # too long for a passport
        "passport AB55512345",  # two letters
        "Passport fee 555123456.50 paid",  # part of an amount
        "my account 55501234 at the store",  # an account, but not said to be a bank's
        "bank account 5550123",  # seven digits: too short
    ],
)
def test_without_its_word_or_shape_no_passport_or_bank_number(text: str) -> None:
    assert not [t for t, _ in spans(text) if t in {"US_PASSPORT", "US_BANK_NUMBER"}]
