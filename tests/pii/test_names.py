"""Names told by the words around them: after a relative or a person spoken to, and at the
start of a street address; companies told by their legal form."""

from __future__ import annotations

import pytest

from confide.pii import Finding, PiiAnalyzer
from confide.pii.names import with_cued_names, with_names_before_addresses
from confide.pii.titles import with_legal_names

ADDRESS_WORDS = frozenset({"street", "apt", "road"})


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
    ],
)
def test_a_cue_introduces_a_name(text: str, name: str) -> None:
    (person,) = with_cued_names(text, [], "crf-ner", ("LOCATION",))
    assert (person.entity_type, text[person.start : person.end]) == ("PERSON", name)


@pytest.mark.parametrize(
    "text",
    [
        "I spoke with Amazon about it",  # one word after a cue that is not a relative
        "told by Acme Corp",  # a company
        "I spoke to Northwind Support Team",
        "CAN I SPEAK TO A REAL PERSON?!",  # capitals
        "my friend and I",
    ],
)
def test_no_name_without_a_cue_for_one(text: str) -> None:
    assert with_cued_names(text, [], "crf-ner", ("LOCATION",)) == []


def test_a_cued_name_replaces_guesses_inside_it_and_nothing_else() -> None:
    text = "I spoke to Pavia Rosing at Acme"
    place = Finding("LOCATION", 11, 16, 0.6, "crf-ner")  # "Pavia"
    (person,) = with_cued_names(text, [place], "crf-ner", ("LOCATION",))
    assert text[person.start : person.end] == "Pavia Rosing"
    wider = Finding("ORGANIZATION", 11, 30, 0.8, "crf-ner")  # reaches past the name
    assert with_cued_names(text, [wider], "crf-ner", ("LOCATION",)) == [wider]


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Karel Chládek, 91506 Mjövattnet 43", ("Karel Chládek", "91506 Mjövattnet 43")),
        ("Solarlist, 04 55 Halsey Road", None),  # one word: a shop as likely as a name
        ("Kroll Bond Ratings Agency, 61 Wiesenstrasse", None),  # four words, a company's
        ("Main Street, 12 Foo", None),  # an address word
        ("12 Main Street, Springfield", None),
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
    ],
)
def test_a_name_ending_in_a_legal_form_is_a_company(text: str, company: str) -> None:
    (org,) = with_legal_names(text, [], "crf-ner")
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
