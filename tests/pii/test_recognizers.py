"""Each recognizer finds its entity with the exact span and rejects near-misses."""

from __future__ import annotations

import random
import re
import string
import sys
from collections.abc import Sequence

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat

from confide.pii import AnalyzerOptions, PiiAnalyzer
from confide.pii.recognizers import (
    DEFAULT_PHONE_REGIONS,
    LOWER_CASE_TRAPS,
    Pattern,
    PatternRecognizer,
    PhoneRecognizer,
    configured_pattern,
    default_recognizers,
    lowers_faithfully,
)

# The pattern recognizers alone (the CRF name recognizer has its own tests).
PATTERNS_ONLY = AnalyzerOptions(statistical=False)

ANALYZER = PiiAnalyzer(options=PATTERNS_ONLY)


def spans(text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in ANALYZER.analyze(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jo.doe+cs@example.com today", [("EMAIL_ADDRESS", "jo.doe+cs@example.com")]),
        ("card 4111 1111 1111 1111 please", [("CREDIT_CARD", "4111 1111 1111 1111")]),
        ("card 4111-1111-1111-1111", [("CREDIT_CARD", "4111-1111-1111-1111")]),
        ("pay to GB82 WEST 1234 5698 7654 32.", [("IBAN_CODE", "GB82 WEST 1234 5698 7654 32")]),
        ("iban GB82WEST12345698765432", [("IBAN_CODE", "GB82WEST12345698765432")]),
        ("my ssn is 123-45-6789", [("US_SSN", "123-45-6789")]),
        ("NHS number 943 476 5919", [("UK_NHS", "943 476 5919")]),
        ("Steuer-ID 36574261809", [("DE_TAX_ID", "36574261809")]),
        ("NIR 2 82 08 19 398 814 09", [("FR_NIR", "2 82 08 19 398 814 09")]),
        ("DNI 12345678Z y NIE X1234567L", [("ES_NIF", "12345678Z"), ("ES_NIF", "X1234567L")]),
        ("codice fiscale RSSMRA85T10A562S", [("IT_FISCAL_CODE", "RSSMRA85T10A562S")]),
        ("mijn BSN is 111222333", [("NL_BSN", "111222333")]),
        (
            "from 192.0.2.15 and 2001:db8::1",
            [("IP_ADDRESS", "192.0.2.15"), ("IP_ADDRESS", "2001:db8::1")],
        ),
        ("see https://example.com/help?q=1.", [("URL", "https://example.com/help?q=1")]),
        ("born 3/23/1940", [("DATE_TIME", "3/23/1940")]),
        ("on 1993-01-04 14:56:41", [("DATE_TIME", "1993-01-04 14:56:41")]),
        ("born on 4 July 1976", [("DATE_TIME", "4 July 1976")]),
        ("date of birth: March 5th, 1980", [("DATE_TIME", "March 5th, 1980")]),
        ("at 2019-12-04 19:04:31.380736 UTC", [("DATE_TIME", "2019-12-04 19:04:31.380736")]),
        ("I moved here in 1983 for work", [("DATE_TIME", "1983")]),
        ("a customer since 2017.", [("DATE_TIME", "2017")]),
        # a range after such a word is one date; a season and "b." make a year one too
        ("from 2001 to 2005 I lived there", [("DATE_TIME", "2001 to 2005")]),
        ("between 1999 and 2003, we", [("DATE_TIME", "1999 and 2003")]),
        ("married by 2000-2001.", [("DATE_TIME", "2000-2001")]),
        ("It was summer 2019.", [("DATE_TIME", "2019")]),
        ("Ann Lee (b. 1972, Leeds)", [("DATE_TIME", "1972")]),
        ("see you on Friday", [("DATE_TIME", "Friday")]),
        ("Patient is a 67-year-old male", [("AGE", "67")]),
        ("he is a 52 year old man", [("AGE", "52")]),
        ("I just turned 81", [("AGE", "81")]),
        ("retired at the age of 69.", [("AGE", "69")]),
        ("she is 52 years old", [("AGE", "52")]),
        ("my 19 year old daughter", [("AGE", "19")]),
        ("the company became Quertle in 1994.", [("DATE_TIME", "1994")]),
        ("order NW-12345 is late", [("ORDER_NUMBER", "NW-12345")]),
        ("Call +44 20 7946 0958 now", [("PHONE_NUMBER", "+44 20 7946 0958")]),
        ("ring (201) 555-0123 today", [("PHONE_NUMBER", "(201) 555-0123")]),
        ("Ruf mich an: +49 30 12345678", [("PHONE_NUMBER", "+49 30 12345678")]),
        ("driver's license D1234567 expired", [("US_DRIVER_LICENSE", "D1234567")]),
        ("my DL is ab1234567 (Ohio)", [("US_DRIVER_LICENSE", "ab1234567")]),
    ],
)
def test_recognizer_finds_exact_span(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "pay to GB83 WEST 1234 5698 7654 32",  # bad IBAN checksum
        "ssn 000-12-3456",  # area 000 is never issued
        "ip 999.1.1.1",
        "order NW-1234 and NW-123456",
        "mijn BSN is 111222334",  # fails the 11-test
        "codice fiscale RSSMRA85T10A562X",  # wrong check letter
        "nothing personal here, just a question about shipping",
        "I ordered 1983 units",  # a number that could be a year, with nothing making it one
        "in 2019-05 we shipped version 1.2",
        "aged 34.5 hours",  # not a whole age
        "my friday plans",  # a weekday in lower case is an ordinary word here
        "I paid in 2000 euros",  # an amount, not a year
        "until 2000 hours",
        "My card is 3 years old",  # the age of a thing
        "The account is 10 years old",
        "invoice aged 90 days",  # a span of time
        "I turned 2 cards off",  # a count
        # numbers that could be years, with no word that makes them dates
        "We booked Room 2001 and 2002.",
        "Part numbers 1999-2003, 2004-2008.",
        "The score was 2001 to 1999.",
        "Buy 2000 or 2001.",
        "a total of 2000.",
        "It costs around 2000 with delivery.",  # amounts
        "Stock is between 1900 and 2100 at the moment.",
        "My points went through 2000 and I got nothing.",
        "The iMac (Late 2013) is slow",  # a model's year
        "I'm 5 minutes away",
    ],
)
def test_near_misses_are_not_reported(text: str) -> None:
    assert spans(text) == []


def test_ssn_in_an_unissued_area_is_not_an_ssn() -> None:
    assert "US_SSN" not in [f.entity_type for f in ANALYZER.analyze("ssn 987-65-4320")]


def test_ten_digit_phone_number_is_not_a_health_number() -> None:
    text = "call me on 0612345678"
    assert [f.entity_type for f in ANALYZER.analyze(text)] == ["PHONE_NUMBER"]


def test_nine_digits_without_context_are_not_a_bsn() -> None:
    assert spans("reference 111222333 attached") == []


def test_context_word_raises_the_score() -> None:
    ssn = next(r for r in default_recognizers() if r.name == "us_ssn")
    plain = ssn.find("ref 123456789")
    with_context = ssn.find("my social security number 123456789")
    assert [f.score for f in plain] == [0.3]
    assert [round(f.score, 2) for f in with_context] == [0.65]


def test_phone_regions_are_configurable() -> None:
    text = "bel 020 123 4567"
    assert PhoneRecognizer(("US",)).find(text) == []
    assert [(f.start, f.end) for f in PhoneRecognizer(("NL",)).find(text)] == [(4, 16)]


def test_non_english_text_keeps_character_offsets() -> None:
    text = "Grüße, Jürgen — schreib an jürgen@example.com"
    assert spans(text) == [("EMAIL_ADDRESS", "jürgen@example.com")]


def test_local_number_is_a_phone_only_when_the_text_says_so() -> None:
    assert spans("They are not answering at 555 0142") == [("PHONE_NUMBER", "555 0142")]
    assert spans("reference 555 0142 attached") == []


def test_two_phone_numbers_run_together_are_split() -> None:
    text = "call 020 123 4567 / 020 123 4568 today"
    assert spans(text) == [("PHONE_NUMBER", "020 123 4567"), ("PHONE_NUMBER", "020 123 4568")]


def test_slash_date_is_a_date_not_a_phone_number() -> None:
    assert spans("born 2/22/1974") == [("DATE_TIME", "2/22/1974")]


@pytest.mark.parametrize(
    "text",
    ["born 2/22/1974", "due 12/31/2019 please", "logged 2019-10-11 12:34 by the agent"],
)
def test_dates_and_time_stamps_are_never_phone_numbers(text: str) -> None:
    # The phone recognizer itself, not overlap resolution, turns them down.
    assert PhoneRecognizer().find(text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("ruf mich an: 030 12345678", "030 12345678"),  # valid in GB, DE and IT
        ("bel me op 020 555 0142", "020 555 0142"),  # not valid in US or GB
        ("appelez le 01 42 68 53 00", "01 42 68 53 00"),  # only FR and IT
    ],
)
def test_a_number_is_reported_once_whichever_regions_accept_it(text: str, number: str) -> None:
    found = PhoneRecognizer().find(text)
    assert [text[f.start : f.end] for f in found] == [number]


def test_context_words_must_start_a_word() -> None:
    assert spans("hotel room 555 0142") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Ten digits: a phone number, neither a health number nor an SSN nor a tax id.
        ("call me on 201 555 0123", [("PHONE_NUMBER", "201 555 0123")]),
        ("call me on 2015550123", [("PHONE_NUMBER", "2015550123")]),
        ("my nhs number? no, my phone: 020 7946 0123", [("PHONE_NUMBER", "020 7946 0123")]),
        ("ssn? no, phone 201-555-0123", [("PHONE_NUMBER", "201-555-0123")]),
        # Sixteen digits failing Luhn: not a card, and no phone number hides in them.
        ("card 4111111111111112", []),
        ("card 5500-0000-0000-0005", []),
        # Nine digits failing the 11-test, with context: not a BSN.
        ("BSN 123456781", []),
        # Twelve digits: a Maestro card only with a Maestro prefix, Luhn and a card word.
        ("reference 501800000009 attached", []),
        ("card 501800000008", []),  # fails Luhn
        ("card 401800000002", []),  # Luhn-valid, not a Maestro prefix
        # The first twelve digits of a longer grouped number (failing Luhn as a whole) are
        # no Maestro card: reporting them would leave the last group in the clear.
        ("card 5018 0000 0009 1234 please", []),
        ("CCTV footage 6759 0000 0000", []),  # "cc" is a card word only on its own
    ],
)
def test_checksum_negatives(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111111111111111", [("CREDIT_CARD", "4111111111111111")]),
        ("card 5500-0000-0000-0004", [("CREDIT_CARD", "5500-0000-0000-0004")]),
        ("amex 3782 822463 10005", [("CREDIT_CARD", "3782 822463 10005")]),
        ("IBAN DE89370400440532013000", [("IBAN_CODE", "DE89370400440532013000")]),
        # Twelve-digit Maestro (IIN 50, 56-69), Luhn-valid, next to a card word.
        ("my maestro card 501800000009 expired", [("CREDIT_CARD", "501800000009")]),
        ("lost card 6759 0000 0000?", [("CREDIT_CARD", "6759 0000 0000")]),
        ("cc 501800000017 please", [("CREDIT_CARD", "501800000017")]),
    ],
)
def test_checksum_positives_and_known_specimens(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


def test_famous_specimen_ssn_is_not_an_ssn() -> None:
    # The number printed on the Woolworth wallet insert: python-stdnum rejects it.
    assert "US_SSN" not in [f.entity_type for f in ANALYZER.analyze("ssn 078-05-1120")]


def _phone_candidates(count: int) -> list[str]:
    rng = random.Random(4)  # fixed: the same candidates on every run
    prefixes = ["", "0", "00", "011", "1", "44", "49", "33", "39", "0049", "06", "0800", "9"]
    candidates = []
    for _ in range(count):
        digits = rng.choice(prefixes) + "".join(rng.choices("0123456789", k=rng.randint(4, 12)))
        candidates.append("".join(d + (" " if rng.random() < 0.25 else "") for d in digits).strip())
    return candidates


@pytest.mark.parametrize("regions", [DEFAULT_PHONE_REGIONS, ("CA", "GG", "VA", "AR", "BR", "CH")])
def test_phone_prefilter_never_rejects_a_number_the_parser_accepts(
    regions: tuple[str, ...],
) -> None:
    recognizer = PhoneRecognizer(regions)
    for value in _phone_candidates(400):
        parsed = tuple(r for r in regions if recognizer._parse(value, r) is not None)
        assert tuple(r for r, _ in recognizer._valid_numbers(value)) == parsed, value


@pytest.mark.parametrize(
    "text",
    ["please refund 1234567 points", "my reference is D1234567", "tracking 12345678901"],
)
def test_licence_shaped_numbers_need_the_words_that_name_them(text: str) -> None:
    assert [e for e, _ in spans(text) if e == "US_DRIVER_LICENSE"] == []


def test_a_luhn_valid_run_glued_to_letters_is_not_a_card() -> None:
    # "62928788557186" passes Luhn, but inside a licence number it is no card.
    text = "My driver's license number is U62928788557186"
    assert spans(text) == [("US_DRIVER_LICENSE", "U62928788557186")]
    assert spans("card 6292 8788 5571 86 please") == [("CREDIT_CARD", "6292 8788 5571 86")]


def _example_number_texts() -> list[str]:
    """libphonenumber's own example numbers (fictional by design) of every region and
    number type, in four formats, in contexts that the matcher's checks care about."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    types = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE]
    formats = [
        PhoneNumberFormat.NATIONAL,
        PhoneNumberFormat.INTERNATIONAL,
        PhoneNumberFormat.E164,
        PhoneNumberFormat.RFC3966,
    ]
    contexts = [
        "Call me on {}.",
        "{}",
        "ab{}",
        "{}cd",
        "${}",
        "{}%",
        "({})",
        "[{}]",
        "phone: {} ext. 12",
        "on 12/10/2020 call {}",
        "pages 211-227 (2003) or {}",
        "{} / {}",
    ]
    rng = random.Random(9)  # fixed: the same texts on every run
    # Shapes the matcher treats with checks of its own (dates and time stamps inside the
    # number, runs of separators, a seventh extension digit, digits glued on).
    texts = [
        "Tel. 089/12/34/567",
        "Ruf an: 0228/12/31/99",
        "call 2/12/555-0123",
        "call +44 20     7946 0018",
        "call 212 - - - - - 555 0123",
        "+44 20 7946 0018 x1234567",
        "call 5 2019-05-12 12:30",
        "ref 12-15 (2003) 555 0123",
        "call ((212)) 555-0123",
        "call 020 7946 0018 ext. 12",
    ]
    texts += ["SSN: 308-63-0237", "call 455-99-6622", "+49-30-901820", "+4930-901820"]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in types:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for fmt in formats:
                written = phonenumbers.format_number(number, fmt)
                texts.append(rng.choice(contexts).format(written, written))
            # The national digits without a trunk prefix, in hyphens (valid where no prefix
            # is needed, else refused by the matcher) and in dots (split by it).
            digits = phonenumbers.national_significant_number(number)
            for joint in "-.":
                written = joint.join((digits[:3], digits[3:5], digits[5:]))
                texts.append(rng.choice(contexts).format(written, written))
            # And split by a space or a slash, where the matcher looks for a number in the
            # pieces ("30 901820" in Germany: neither piece is one).
            for cut in (2, 3):
                for joint in (" ", " / "):
                    written = joint.join((digits[:cut], digits[cut:]))
                    texts.append(rng.choice(contexts).format(written, written))
    return texts


def test_phone_findings_are_the_matchers_where_the_candidate_is_verified_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import confide.pii.recognizers as recognizers

    assert recognizers._MATCHER is not None  # the installed phonenumbers has the helpers
    recognizer = PhoneRecognizer(("US", "GB", "DE", "FR", "IN", "BR", "JP", "AU"))
    texts = _example_number_texts()
    assert len(texts) > 1500
    fast = [[(f.start, f.end) for f in recognizer.find(t)] for t in texts]
    monkeypatch.setattr(recognizers, "_MATCHER", None)  # the matcher decides every candidate
    slow = [[(f.start, f.end) for f in recognizer.find(t)] for t in texts]
    assert sum(map(len, slow)) > 1000  # most example numbers are found
    assert [t for t, a, b in zip(texts, fast, slow, strict=True) if a != b] == []


@pytest.mark.parametrize(
    ("text", "asks_matcher", "found"),
    [
        # Valid whole but for the trunk prefix Germany requires, and no piece the matcher
        # would try is a number: it is not asked.
        ("Tel 30 901820", False, []),
        ("Nr. (30) 901820", False, []),
        ("Ruf 89 1234567 an", False, []),
        # A piece may be a number: the matcher looks, and finds what it finds (the piece
        # after a slash keeps its leading space: libphonenumber's span, either way).
        ("Ruf 221 / 0221 4710", True, [" 0221 4710"]),
        ("Tel. 30 / 0301234567", True, [" 0301234567"]),
    ],
)
def test_the_matcher_is_asked_only_where_a_piece_may_be_a_number(
    monkeypatch: pytest.MonkeyPatch, text: str, asks_matcher: bool, found: list[str]
) -> None:
    import confide.pii.recognizers as recognizers

    asked: list[str] = []
    verdicts: list[object] = []
    match, verified = recognizers.PhoneRecognizer._match, recognizers.PhoneRecognizer._verified

    def spy_match(text: str, start: int, end: int, regions: Sequence[str]) -> object:
        asked.append(text[start:end])
        return match(text, start, end, regions)

    def spy_verified(self: PhoneRecognizer, *args: object) -> object:
        verdicts.append(verdict := verified(self, *args))
        return verdict

    monkeypatch.setattr(recognizers.PhoneRecognizer, "_match", staticmethod(spy_match))
    monkeypatch.setattr(recognizers.PhoneRecognizer, "_verified", spy_verified)
    recognizer = PhoneRecognizer(("DE",))
    assert [text[f.start : f.end] for f in recognizer.find(text)] == found
    # The whole candidate was parsed as valid and failed only the national-prefix check.
    assert verdicts == [None if asks_matcher else []]
    assert bool(asked) is asks_matcher
    monkeypatch.setattr(recognizers, "_MATCHER", None)  # the matcher decides every candidate
    assert [text[f.start : f.end] for f in recognizer.find(text)] == found


def test_libphonenumbers_patterns_are_compiled_when_the_recognizer_is_built() -> None:
    import phonenumbers
    from phonenumbers import re_util

    if not hasattr(phonenumbers, "enable_pattern_cache"):
        pytest.skip("this phonenumbers has no pattern cache (before 9.0.43)")
    recognizer = PhoneRecognizer(("US", "GB", "DE", "FR", "IN", "BR", "JP", "AU"))
    compiled = set(re_util._COMPILED_PATTERNS or ())
    assert len(compiled) > 1000
    texts = _example_number_texts()
    assert sum(len(recognizer.find(t)) for t in texts) > 1000
    assert set(re_util._COMPILED_PATTERNS or ()) == compiled  # nothing compiled on the way


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "+" and a length that fits the country, a range libphonenumber lacks: score 0.7
        ("Desk: +41 (0)64 900 40 03", [("+41 (0)64 900 40 03", 0.7)]),
        ("Fax: +447700212113", [("+447700212113", 0.7)]),
        # ten or eleven glued digits count next to a phone word ("desk" is one)
        ("Desk: 5691061671", [("5691061671", 0.65)]),
        ("landline 03898752867", [("03898752867", 0.65)]),
        # a full stop ends the sentence, not the number; "contact" is a phone word
        ("contact Jo Bloggs on 438 4987.", [("438 4987", 0.65)]),
        ("whatsapp 555 0142 9876", [("555 0142 9876", 0.65)]),
        # the North American way of writing a number: a phone number by shape alone, though
        # libphonenumber knows no such area code (made-up or mistyped numbers)
        ("Meet 923-594-9143 tomorrow", [("923-594-9143", 0.55)]),
        ("it is (597)542-5401 is it not", [("(597)542-5401", 0.55)]),
        ("966.252.9343 or later", [("966.252.9343", 0.55)]),
        ("try 538-786-1781x716", [("538-786-1781x716", 0.55)]),
        # from abroad, "001" first: no card starts with 0, so this is no card number
        ("Meet 001-335-504-9258 tomorrow", [("001-335-504-9258", 0.55)]),
        # where libphonenumber reads more (a country code, a long extension), its span wins
        ("Call me on +91 987-654-3210 after six.", [("+91 987-654-3210", 0.75)]),
        ("Call 0044 555-201-0147 please.", [("0044 555-201-0147", 0.75)]),
        ("Call me at 212-555-0147 ext. 123456.", [("212-555-0147 ext. 123456", 0.75)]),
    ],
)
def test_phone_numbers_outside_libphonenumbers_ranges(
    text: str, expected: list[tuple[str, float]]
) -> None:
    found = ANALYZER.analyze(text)
    assert [(text[f.start : f.end], round(f.score, 2)) for f in found] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Score was +12345678 points",  # glued and short: a score, not a number
        "+1 555 0100",  # a local number's length after a country code
        "reference 5691061671 attached",  # glued digits without a phone word
        "call me back on 12.03.26",  # a date, not a six-digit number
        "They are not answering at 92 34 70",  # six digits are too few
        "I contacted you about order 4471 2290.",  # "contacted" is no phone word
        "my contactless card ending 1234 5678.",
        "Please contact us before 12.03.2024.",  # a date
        "ref 123-456-7890-12 attached",  # the North American shape inside a longer code
        "ISBN 978-316-148-4100",
        "version 923.594.9143.1",
        "mixed 923-594.9143 separators",
        # reference numbers in the same shape, after a word that says so
        "Your order number is 300-234-5678.",
        "Your RMA is 300-451-2077, print the label.",
        "Product code 300.250.1000 is out of stock.",
        "Tracking: 123-456-7890, arriving soon",  # area codes never start with 0 or 1
        "version 100.200.3000 of the firmware",
        "Acct 0012 345-678-9012 is overdrawn.",
    ],
)
def test_numbers_that_are_still_not_phone_numbers(text: str) -> None:
    assert "PHONE_NUMBER" not in [f.entity_type for f in ANALYZER.analyze(text)]


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("My son Tom is 12 and wants his own account.", "12"),
        ("our daughter is 9", "9"),
        ("My wife, Anna, turned 40", "40"),
    ],
)
def test_the_age_of_a_relative(text: str, age: str) -> None:
    assert [text[f.start : f.end] for f in ANALYZER.analyze(text) if f.entity_type == "AGE"] == [
        age
    ]


@pytest.mark.parametrize(
    "text",
    [
        "my son is 3 days late",
        "my son is 2 cards short",
        "my dad is 6 ft tall",
        "my friend was 1 of many",
        "my wife Anna is 555 0142",  # a phone number
    ],
)
def test_no_age_of_a_relative_in_spans_of_time_counts_or_numbers(text: str) -> None:
    assert "AGE" not in [f.entity_type for f in ANALYZER.analyze(text)]


def test_a_phone_number_after_a_relative_stays_whole() -> None:
    text = "my husband phone is 555 0142"
    assert [(f.entity_type, text[f.start : f.end]) for f in ANALYZER.analyze(text)] == [
        ("PHONE_NUMBER", "555 0142")
    ]


def test_a_pattern_with_any_of_runs_only_where_one_of_its_words_is() -> None:
    recognizer = PatternRecognizer(
        name="ticket",
        entity="TICKET",
        patterns=[Pattern(r"(?i)ticket\s+(?P<value>[A-Z]{2}\d{4})", 0.8, any_of=("ticket",))],
    )
    assert [(f.start, f.end) for f in recognizer.find("my Ticket AB1234 is late")] == [(10, 16)]
    # Upper case and characters whose case folding differs still pass the gate.
    assert [(f.start, f.end) for f in recognizer.find("TICKET AB1234")] == [(7, 13)]
    assert recognizer.find("the code AB1234 is late") == []


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("He is 40 YEARS OLD", "AGE", "40"),
        ("MY SON is 12", "AGE", "12"),
        ("born on MARCH 3, 1990", "DATE_TIME", "MARCH 3, 1990"),
        ("we met in Sept. 2019", "DATE_TIME", "Sept. 2019"),
        # A case-insensitive regex matches "i" to Turkish dotted and dotless i: the word
        # gate must not drop what the regex finds.
        ("my FRİEND is 40", "AGE", "40"),
        ("My fr\u0131end is 40", "AGE", "40"),
        ("MY \u017fON is 12", "AGE", "12"),  # the long s
        # Other letters beyond ASCII: the gate reads the lower-cased text.
        ("Grüße! MY SON is 12", "AGE", "12"),
        ("ÅSA: \u212aNOWN since Sept. 2019", "DATE_TIME", "Sept. 2019"),
    ],
)
def test_patterns_gated_by_words_find_them_in_any_case(text: str, entity: str, value: str) -> None:
    found = [text[f.start : f.end] for f in ANALYZER.analyze(text) if f.entity_type == entity]
    assert found == [value]


def test_the_lower_case_traps_are_all_the_letters_lower_misreads() -> None:
    """Every character a case-insensitive regex matches to an ASCII letter lower-cases to
    that letter, but for LOWER_CASE_TRAPS; and str.lower keeps every other character one
    character, a word character or not as it was (what lowers_faithfully relies on)."""
    word = re.compile(r"\w")
    any_letter = re.compile("[a-z]", re.IGNORECASE)
    matched = [chr(cp) for cp in range(sys.maxunicode + 1) if any_letter.fullmatch(chr(cp))]
    misread = {
        char
        for char in matched
        for letter in string.ascii_lowercase
        if re.fullmatch(letter, char, re.IGNORECASE) and char.lower() != letter
    }
    assert misread == {"\u0130", "\u0131", "\u017f"} == set(LOWER_CASE_TRAPS)
    changed = [
        chr(cp)
        for cp in range(sys.maxunicode + 1)
        if chr(cp) not in LOWER_CASE_TRAPS
        and (
            len(chr(cp).lower()) != 1
            or bool(word.match(chr(cp))) != bool(word.match(chr(cp).lower()))
        )
    ]
    assert changed == []
    assert lowers_faithfully("Grüße aus Köln") and lowers_faithfully("\u212aelvin")
    assert not lowers_faithfully("FRİEND") and not lowers_faithfully("lo\u017ft")


def test_a_pattern_with_a_gate_runs_only_where_the_gate_is_found() -> None:
    def recognizer(gate: str) -> PatternRecognizer:
        return PatternRecognizer("ticket", "TICKET", [Pattern(r"\bAB\d{4}\b", 0.8, gate=gate)])

    assert [(f.start, f.end) for f in recognizer(r"\d(?<=B\d)").find("ref AB1234")] == [(4, 10)]
    assert recognizer("ZZ").find("ref AB1234") == []  # the gate is consulted first


# Texts that hold what each gated built-in pattern matches, and texts made of its pieces
# at random: wherever a pattern matches, its gate must be found too.
_GATED_SAMPLES = [
    "she is 52 years old",
    "I just turned 81!",
    "My son Tom is 12",
    "our daughter will be 9 in May",
    "his friend, Ana, is turning 30",
    "born on 3rd of March, 1990",
    "on the 21st Sept. 2019",
    "March 3, 1990 or Jan. 5 2001",
    "since Sept 2019",
    "see you Wednesday or Friday",
    "IBAN: GB82 WEST 1234 5698 7654 32",
    "de89370400440532013000",
    "fe80::1ff:fe23:4567:890a and ::1",
    "RSSMRA85T10A562S",
    "call (555) 555-0142 or 555.555.0142",
    "+44 20 7946 0958 / 020 7946 0958",
    "dates 12/03/2024, 1.2.24 and 3-4-2024",
]


def _gated_patterns() -> list[tuple[str, Pattern]]:
    return [
        (recognizer.name, pattern)
        for recognizer in default_recognizers()
        if isinstance(recognizer, PatternRecognizer)
        for pattern in recognizer.patterns
        if pattern.gate
    ]


def test_every_gate_is_found_where_its_pattern_matches() -> None:
    rng = random.Random(11)
    pieces = [
        *"".join(_GATED_SAMPLES).split(" "),
        *"0123456789",
        *" -./:,()",
        "is", "was", "be", "turning", "day", "nday", "Mon", "Sun", "st", "of", "ab", "AB",
    ]  # fmt: skip
    texts = _GATED_SAMPLES + [
        rng.choice([" ", "", " "]).join(rng.choice(pieces) for _ in range(rng.randint(2, 12)))
        for _ in range(3000)
    ]
    gated = _gated_patterns()
    assert len(gated) >= 9
    for name, pattern in gated:
        regex, gate = (
            re.compile(pattern.regex, pattern.flags),
            re.compile(pattern.gate, pattern.flags),
        )
        matched = [text for text in texts if regex.search(text)]
        assert matched, f"{name}: no sample text holds a match"
        assert [text for text in matched if not gate.search(text)] == [], name


@pytest.mark.parametrize(
    ("regex", "literal"),
    [
        (r"\bNW-\d{5}\b", "NW-"),
        (r"INV-\d{4}-\d+", "INV-"),
        (r"\bNW-?\d{5}", "NW"),  # the hyphen is optional: not part of the literal
        (r"\bAB{2}\d", ""),  # "B" repeated
        (r"\bNW-\d{5}|\bOR-\d{4}", ""),  # either of two
        (r"(?i)\bnw-\d{5}", ""),  # any case
        (r"\b[A-Z]{2}\d{6}", ""),
        (r"\bN\W\d", ""),
        (r"\bNW-(?#the dash is optional)?\d{5}", ""),  # a comment before a quantifier
    ],
)
def test_a_configured_pattern_is_tried_only_where_its_leading_literal_is(
    regex: str, literal: str
) -> None:
    assert configured_pattern(regex, 0.9).contains == literal


def test_order_numbers_are_still_found_with_their_literal_gate() -> None:
    analyzer = PiiAnalyzer(options=AnalyzerOptions(order_patterns=(r"\bNW-\d{5}\b",)))
    text = "order NW-12345, not XNW-12345 nor nw-12345"
    assert [text[f.start : f.end] for f in analyzer.analyze(text)] == ["NW-12345"]


def test_phone_gates_let_through_every_valid_example_number_of_their_country() -> None:
    """The gate before the parser (a region's general pattern and one number type's) never
    rejects libphonenumber's own example numbers, of every type, written nationally or as
    bare digits, from any region that shares the gate region's country code."""
    regions = tuple(sorted(phonenumbers.SUPPORTED_REGIONS))
    recognizer = PhoneRecognizer(regions)
    checked = 0
    for gate_region in regions:
        code = phonenumbers.country_code_for_region(gate_region)
        for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]:
            for kind in range(11):
                example = phonenumbers.example_number_for_type(region, kind)
                if example is None:
                    continue
                national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
                nsn = phonenumbers.national_significant_number(example)
                for value in (national, nsn):
                    digits = re.sub(r"\D", "", value)
                    if value.isascii() and recognizer._parse(value, gate_region) is not None:
                        checked += 1
                        assert recognizer._may_parse(digits, gate_region), (gate_region, value)
    assert checked > 1000
