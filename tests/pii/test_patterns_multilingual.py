"""German, French, Spanish, Dutch and Italian messages: national formats and exact offsets.

All data is fictional. Phone numbers come from the ranges reserved for drama where one
exists (UK 020 7946 0xxx and 0161 496 0xxx, French 01 99 00 xx xx);
Germany, Spain, the Netherlands and Italy reserve none, so those are obviously made-up
numbers of a valid format. National ids get their check digits from python-stdnum here;
the IBANs are the published specimen numbers.
"""

from __future__ import annotations

import pytest
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.iso7064 import mod_11_10
from stdnum.it import codicefiscale

from confide.pii import AnalyzerOptions, PiiAnalyzer

ANALYZER = PiiAnalyzer(options=AnalyzerOptions(statistical=False))

STEUER_ID = "8675309128" + mod_11_10.calc_check_digit("8675309128")  # one repeated digit
NIR = "1850578006084" + nir.calc_check_digits("1850578006084")
DNI = "87654321" + dni.calc_check_digit("87654321")
NIE = "Y7654321" + nie.calc_check_digit("Y7654321")
BSN = "123456782"  # passes the 11-test
CODICE_FISCALE = "BNCGPP80A01H501" + codicefiscale.calc_check_digit("BNCGPP80A01H501")  # E


def spans(text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in ANALYZER.analyze(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Guten Tag, ich bin Jürgen Müller. Rufen Sie mich unter +49 30 12345678 "
            "oder 030 12345678 an.",
            [("PHONE_NUMBER", "+49 30 12345678"), ("PHONE_NUMBER", "030 12345678")],
        ),
        (
            "Bonjour, c'est Hélène Dupré : joignable au 01 99 00 12 34 ou au +33 1 99 00 56 78.",
            [("PHONE_NUMBER", "01 99 00 12 34"), ("PHONE_NUMBER", "+33 1 99 00 56 78")],
        ),
        ("Hola, soy José Núñez. Mi teléfono es 912 345 678.", [("PHONE_NUMBER", "912 345 678")]),
        (
            "Hallo, ik ben Daan de Vries, bel 020 123 4567 of +31 20 123 4567.",
            [("PHONE_NUMBER", "020 123 4567"), ("PHONE_NUMBER", "+31 20 123 4567")],
        ),
        (
            "Buongiorno, sono Niccolò Bianchi, telefono 06 1234 5678 o +39 06 1234 5678.",
            [("PHONE_NUMBER", "06 1234 5678"), ("PHONE_NUMBER", "+39 06 1234 5678")],
        ),
        (
            "Ring 020 7946 0123 or 0161 496 0123, ta.",
            [("PHONE_NUMBER", "020 7946 0123"), ("PHONE_NUMBER", "0161 496 0123")],
        ),
    ],
)
def test_phone_numbers_in_national_formats(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Meine Steuer-ID lautet {STEUER_ID}.", [("DE_TAX_ID", STEUER_ID)]),
        (
            f"Mon numéro de sécurité sociale : {NIR}, merci.",
            [("FR_NIR", NIR)],
        ),
        (f"Mi DNI es {DNI} y el NIE de mi esposa {NIE}.", [("ES_NIF", DNI), ("ES_NIF", NIE)]),
        (f"Mijn burgerservicenummer (BSN) is {BSN}.", [("NL_BSN", BSN)]),
        (f"Il mio codice fiscale è {CODICE_FISCALE}.", [("IT_FISCAL_CODE", CODICE_FISCALE)]),
    ],
)
def test_national_ids_with_valid_check_digits(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"Meine Steuer-ID lautet {STEUER_ID[:-1]}{(int(STEUER_ID[-1]) + 1) % 10}.",
        f"Mon numéro de sécurité sociale : {NIR[:-2]}00, merci.",
        "Mi DNI es 87654321A.",  # wrong control letter
        "Mijn burgerservicenummer (BSN) is 123456781.",
        "Il mio codice fiscale è BNCGPP80A01H501A.",  # the check letter is E
    ],
)
def test_national_ids_with_a_wrong_check_digit_are_not_reported(text: str) -> None:
    assert spans(text) == []


@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "ES91 2100 0418 4502 0005 1332",
        "NL91 ABNA 0417 1643 00",
        "IT60 X054 2811 1010 0000 0123 456",
        "DE89370400440532013000",
    ],
)
def test_european_ibans(iban: str) -> None:
    assert spans(f"Überweisung auf {iban}, grazie") == [("IBAN_CODE", iban)]


@pytest.mark.parametrize(
    "iban",
    ["DE88 3704 0044 0532 0130 00", "FR15 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 01"],
)
def test_iban_with_a_bad_check_digit_is_not_an_iban(iban: str) -> None:
    assert "IBAN_CODE" not in [entity for entity, _ in spans(f"IBAN {iban}")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Geburtsdatum: 12.03.2024", [("DATE_TIME", "12.03.2024")]),
        ("nacido el 03/12/1990", [("DATE_TIME", "03/12/1990")]),
        ("geboren op 1990-12-03", [("DATE_TIME", "1990-12-03")]),
        ("Écrivez à hélène.dupré@example.com", [("EMAIL_ADDRESS", "hélène.dupré@example.com")]),
        ("Scrivi a niccolò@example.com", [("EMAIL_ADDRESS", "niccolò@example.com")]),
    ],
)
def test_dates_and_emails_in_non_english_text(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


def test_offsets_stay_exact_after_accented_and_wide_characters() -> None:
    prefix = "Grüße aus Köln — Ångström, Øre, Żółć, 東京 und İstanbul: "
    text = prefix + "ruf +49 30 12345678 an oder schreib an jürgen@example.com"
    found = ANALYZER.analyze(text)
    assert [(f.start, f.end) for f in found] == [
        (len(prefix) + 4, len(prefix) + 19),
        (text.index("jürgen"), len(text)),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Sehr geehrte Frau Schröder, mein Sohn Björn wohnt in Düsseldorf.",
        "Je m'appelle François Lefèvre et j'habite à Besançon.",
        "Me llamo Íñigo Peña y vivo en A Coruña.",
        "Ik heet Eline IJzerman en woon in Den Haag.",
        "Mi chiamo Niccolò Forlì e abito a Cantù.",
        "İstanbul'da yaşayan Ayşe Çelik: 東京 — ﬁnancial ẞtraße",
    ],
)
def test_default_analyzer_keeps_exact_offsets_in_accented_text(text: str) -> None:
    for finding in PiiAnalyzer().analyze(text):
        value = text[finding.start : finding.end]
        assert value and value == value.strip()
        assert 0 <= finding.start < finding.end <= len(text)
