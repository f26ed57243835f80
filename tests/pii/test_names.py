"""Names told by the words around them: after a relative or a person spoken to, and at the
start of a street address; companies told by their legal form."""

from __future__ import annotations

import pytest

from confide.pii import Finding, PiiAnalyzer
from confide.pii.findings import SpanIndex
from confide.pii.names import with_cued_names, with_names_before_addresses
from confide.pii.titles import with_legal_names

ADDRESS_WORDS = frozenset({"street", "apt", "road", "lane"})
COMMON = frozenset({"yesterday", "approved", "the", "paypal", "live", "want", "refund", "from"})


def found(text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in PiiAnalyzer().analyze(text)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My wife Meliton and I share the account", "Meliton"),
        ("my landlord Vakha Karataev says the payment bounced", "Vakha Karataev"),
        ("I was told by Lóa Sigmundsdóttir at the branch", "Lóa Sigmundsdóttir"),
        ("my neighbour Salikh S. Kadyrov at number 211.", "Salikh S. Kadyrov"),
        ("My manager, Jo van der Berg, agreed", "Jo van der Berg"),
        ("my friend O'Brien says hi", "O'Brien"),
        # the cue in any case (the text's lower case is searched for it first)
        ("MY SON Tom Baker called", "Tom Baker"),
        ("Spoke With Ana Lima today", "Ana Lima"),
        # beyond ASCII: letters the lower-cased text misreads, and others
        ("MY \u017fON Tom Baker called", "Tom Baker"),
        ("Ich habe mit HER FR\u0130END Ana Lima gesprochen", "Ana Lima"),
        ("Grüße! I SPOKE TO Ana Lima", "Ana Lima"),
        # the name stops before a common word and a possessive
        ("I spoke to Sarah Jones Yesterday", "Sarah Jones"),
        ("My son Tom's account", "Tom"),
        ("I spoke to Jo Bloggs\u2019s colleague", "Jo Bloggs"),
        # someone naming themselves or another at a sentence's start
        ("Harwin here, my parcel never arrived.", "Harwin"),
        ("Thanks. Szonja Tot asked me to call you.", "Szonja Tot"),
    ],
)
def test_a_cue_introduces_a_name(text: str, name: str) -> None:
    (person,) = with_cued_names(text, [], "crf-ner", ("LOCATION",), COMMON)
    assert (person.entity_type, text[person.start : person.end]) == ("PERSON", name)


@pytest.mark.parametrize(
    "text",
    [
        "I spoke with Amazon about it",  # one word after a cue that is not a relative
        "told by Acme Corp",  # a company
        "I spoke to Northwind Support Team",
        "CAN I SPEAK TO A REAL PERSON?!",  # capitals
        "my manager Approved it",  # a common word
        "I spoke with The Manager",
        "my husband PayPal account",  # a possession's name
        "my son Xbox Live account",
        "Support here, how can I help?",
        "Nobody here knows. Everyone here is rude.",
        "I think Jane Doe asked me",  # not at a sentence's start
    ],
)
def test_no_name_without_a_cue_for_one(text: str) -> None:
    assert with_cued_names(text, [], "crf-ner", ("LOCATION",), COMMON) == []


def test_a_cued_name_replaces_guesses_inside_it_and_nothing_else() -> None:
    text = "I spoke to Pavia Rosing at Acme"
    place = Finding("LOCATION", 11, 16, 0.6, "crf-ner")  # "Pavia"
    (person,) = with_cued_names(text, [place], "crf-ner", ("LOCATION",))
    assert text[person.start : person.end] == "Pavia Rosing"
    wider = Finding("ORGANIZATION", 11, 30, 0.8, "crf-ner")  # reaches past the name
    assert with_cued_names(text, [wider], "crf-ner", ("LOCATION",)) == [wider]
    # a surer name inside keeps its score (a deployment's PERSON threshold may be high)
    sure = Finding("PERSON", 11, 16, 0.98, "crf-ner")
    (person,) = with_cued_names(text, [sure], "crf-ner", ("LOCATION",))
    assert (text[person.start : person.end], person.score) == ("Pavia Rosing", 0.98)


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Karel Chládek, 91506 Mjövattnet 43", ("Karel Chládek", "91506 Mjövattnet 43")),
        ("Solarlist, 04 55 Halsey Road", None),  # one word: a shop as likely as a name
        ("Kroll Bond Ratings Agency, 61 Wiesenstrasse", None),  # four words, a company's
        ("Main Street, 12 Foo", None),  # an address word
        ("Rose Cottage, 12 Mill Lane", None),  # a house's name
        ("Acme Support Team, 4 Mill Lane", None),  # a company's
    ],
)
def test_a_name_at_the_start_of_an_address(text: str, split: tuple[str, str] | None) -> None:
    address = Finding("STREET_ADDRESS", 0, len(text), 0.9, "crf-ner")
    out = with_names_before_addresses(text, [address], ADDRESS_WORDS)
    if split is None:
        assert out == [address]
    else:
        assert [(f.entity_type, text[f.start : f.end]) for f in out] == [
            ("PERSON", split[0]),
            ("STREET_ADDRESS", split[1]),
        ]


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("I work for Goal Acquisitions Corp. and my manager", "Goal Acquisitions Corp."),
        ("Is VectivBio Holding AG one of your partners?", "VectivBio Holding AG"),
        ("The Royal Bank of Scotland plc charged me", "Royal Bank of Scotland plc"),
        ("Thanks Acme Ltd for nothing", "Acme Ltd"),  # not "Thanks"
        ("I WANT A REFUND FROM ACME PLC", "ACME PLC"),  # nor common words
    ],
)
def test_a_name_ending_in_a_legal_form_is_a_company(text: str, company: str) -> None:
    (org,) = with_legal_names(text, [], "crf-ner", COMMON | {"i", "a"})
    assert (org.entity_type, text[org.start : org.end]) == ("ORGANIZATION", company)


def test_legal_names_do_not_join_a_list_or_take_a_region() -> None:
    text = "Carfax and Keychain Logistics Corp. in Calgary, AB 88530"
    assert [text[f.start : f.end] for f in with_legal_names(text, [], "x")] == [
        "Keychain Logistics Corp."
    ]
    person = Finding("PERSON", 0, 6, 0.9, "crf-ner")  # "Carfax" read as a name: kept
    assert with_legal_names("Carfax Corp", [person], "x") == [person]


def test_through_the_default_engine() -> None:
    assert found("My son Brosca is 12 and wants his own account.") == [
        ("PERSON", "Brosca"),
        ("AGE", "12"),
    ]
    assert found("Ship it to Karel Chládek, 91506 Mjövattnet 43") == [
        ("PERSON", "Karel Chládek"),
        ("STREET_ADDRESS", "91506 Mjövattnet 43"),
    ]


def test_name_pieces_match_one_way_only() -> None:
    # Each "-Ab" piece could be matched two ways before: 2^40 tries, now one pass.
    text = "my son " + "Ab-" * 40 + "Ab1"
    assert with_cued_names(text, [], "crf-ner", ("LOCATION",)) == []


def test_span_index_finds_every_overlap() -> None:
    findings = [Finding("X", s, e, 0.5, "r") for s, e in [(0, 50), (5, 8), (10, 12), (20, 30)]]
    index = SpanIndex(findings)
    for start, end in [(9, 11), (25, 26), (49, 60), (50, 60), (8, 10), (0, 1)]:
        expected = {f for f in findings if f.start < end and start < f.end}
        assert {index.findings[i] for i in index.overlapping(start, end)} == expected
