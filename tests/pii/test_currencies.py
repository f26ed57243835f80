"""Currency codes clear the statistical findings that lie inside them (fictional data only)."""

from __future__ import annotations

import pytest

from confide.pii import PiiAnalyzer
from confide.pii.currencies import CurrencyCodes, currency_codes

ANALYZER = PiiAnalyzer()
CODES = CurrencyCodes()


def test_codes_come_from_the_iso_4217_list() -> None:
    assert {"GBP", "USD", "EUR", "CHF", "JPY"} <= currency_codes()
    assert "ABC" not in currency_codes()


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("between AUD and GBP?", ["AUD and GBP"]),
        ("hold USD, EUR and CHF in one account", ["USD, EUR and CHF"]),
        ("exchange GBP for EUR", ["GBP for EUR"]),
        ("the GBP/USD rate", ["GBP/USD"]),
        ("chose GBP, but I need AUD", ["GBP", "AUD"]),
        ("I was charged 200 EUR twice", ["EUR"]),
        ("a fee of EUR 12.50", ["EUR"]),
    ],
)
def test_currency_spans(text: str, spans: list[str]) -> None:
    assert [text[a:b] for a, b in CODES.cleared(text)] == spans


@pytest.mark.parametrize(
    "text",
    [
        "Hi, this is BOB from accounts",  # one code, no amount: a name as well
        "PLEASE SEND 200 EUR TO BOB",  # all capitals: three capitals say nothing
        "the ABC and XYZ plans",  # not ISO 4217 codes
        "GBPUSD or EURO",  # not words of their own
    ],
)
def test_no_currency_spans(text: str) -> None:
    assert CODES.cleared(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "How do I interconvert between AUD and GBP?",
        "Can I use your app to exchange USD for GBP?",
        "Why was I charged in SEK and NOK",
    ],
)
def test_currency_codes_are_no_organisation_or_place(text: str) -> None:
    found = [(f.entity_type, text[f.start : f.end]) for f in ANALYZER.analyze(text)]
    assert not [f for f in found if f[0] in ("ORGANIZATION", "LOCATION", "PERSON")], found


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Send 200 EUR to Anna Smith please", "Anna Smith"),
        ("Hi, this is BOB from accounts", "BOB"),
        ("I paid 30 GBP to TOP Ltd", "TOP Ltd"),
    ],
)
def test_names_beside_currency_codes_stay(text: str, name: str) -> None:
    assert name in [text[f.start : f.end] for f in ANALYZER.analyze(text)]
