"""A company's legal form joins its name; job titles on their own line are no entity."""

from __future__ import annotations

import pytest

from confide.pii import Finding, PiiAnalyzer
from confide.pii.titles import with_legal_forms, without_job_titles


def org(text: str, value: str) -> Finding:
    start = text.index(value)
    return Finding("ORGANIZATION", start, start + len(value), 0.9, "crf-ner")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("I work at Netcall plc now", "Netcall", "Netcall plc"),
        ("Quantum-Si incorporated", "Quantum-Si", "Quantum-Si incorporated"),
        ("Acme, Inc. said", "Acme", "Acme, Inc."),
        ("Müller GmbH", "Müller", "Müller GmbH"),
        ("Acme Ltd. as agent", "Acme Ltd.", "Acme Ltd."),  # already in the span
        ("She works at Smith & Nephew plc.", "Smith & Nephew", "Smith & Nephew plc"),
        ("the Acme co-founders", "Acme", "Acme"),  # "co-" is no legal form
        ("Acme income", "Acme", "Acme"),  # nor the start of a word
    ],
)
def test_legal_form_after_a_company_joins_it(text: str, name: str, expected: str) -> None:
    (found,) = with_legal_forms(text, [org(text, name)])
    assert text[found.start : found.end] == expected


def test_legal_form_after_a_name_is_left_alone() -> None:
    text = "Ask Jane Inc about it"
    start = text.index("Jane")
    person = Finding("PERSON", start, start + 4, 0.9, "crf-ner")
    assert with_legal_forms(text, [person]) == [person]


@pytest.mark.parametrize(
    ("text", "value", "dropped"),
    [
        ("Matheus Araujo\nVeterinary surgeon\nAcme Corp", "Veterinary", True),
        ("Jane Doe\nSenior Support Engineer", "Senior Support Engineer", True),
        ("Jane Doe\nEngineer, petroleum", "Engineer", True),
        ("Abbey Marshall\nRailcar repairer\nAcme Corp", "Railcar", True),  # a doer
        ("Peer Villareal\nInternist", "Internist", True),
        # firms named after a trade, and a town ending like a doer
        ("Jane Doe\nBrightwater Solicitors LLP", "Brightwater Solicitors LLP", False),
        ("Jane Doe\nNorthwind Consultants", "Northwind Consultants", False),
        ("Jane Doe\nHarrow Dental Surgeons", "Harrow Dental Surgeons", False),
        ("Jane Doe\nChemist Warehouse", "Chemist Warehouse", False),
        ("i live in\nworcester", "worcester", False),
        ("Jane Doe\nAcme order", "Acme", False),  # not a doer
        ("Jane Doe\nSales manager, Acme Corp", "Acme Corp", False),  # a comma apart
        ("Jane Doe\nAcme Corp", "Acme Corp", False),  # no job noun
        ("Jane Doe\nEngineer at Acme Building 4", "Acme", False),  # digits
        ("I asked the Acme engineer about it", "Acme", False),  # one line: running text
    ],
)
def test_job_titles_on_their_own_line(text: str, value: str, dropped: bool) -> None:
    finding = org(text, value)
    assert without_job_titles(text, [finding]) == ([] if dropped else [finding])


def test_a_name_that_is_a_job_stays_a_name() -> None:
    text = "Regards,\nJohn Baker\nBaker"
    start = text.rindex("Baker")
    person = Finding("PERSON", start, start + 5, 0.9, "crf-ner")
    assert without_job_titles(text, [person]) == [person]


def test_signature_through_the_default_engine() -> None:
    text = "Thanks,\nJane Doe\nSenior Support Engineer\nNetcall plc"
    found = PiiAnalyzer().analyze(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in found] == [
        ("PERSON", "Jane Doe"),
        ("ORGANIZATION", "Netcall plc"),
    ]


def test_a_finding_over_lines_loses_its_title_lines() -> None:
    text = "Jane Doe\nSenior Support Engineer\nNetcall plc\nChief Executive Officer"
    start = text.index("Senior")
    span = Finding("ORGANIZATION", start, len(text), 0.8, "crf-ner")
    (trimmed,) = without_job_titles(text, [span])
    assert text[trimmed.start : trimmed.end] == "Netcall plc"
    only_title = Finding("ORGANIZATION", start, text.index("\nNetcall"), 0.8, "crf-ner")
    assert without_job_titles(text, [only_title]) == []


def test_a_street_address_is_never_cut_by_a_title() -> None:
    text = "my address:\n12 high st\nmanchester engineer"
    start = text.index("12")
    address = Finding("STREET_ADDRESS", start, len(text), 0.9, "crf-ner")
    assert without_job_titles(text, [address]) == [address]
