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
        ("from AUD to GBP, and 20 CHF", ["AUD to GBP", "CHF"]),
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
        "Dear BOB, your refund is on its way. Regards, RON",  # codes not joined
        "chose GBP, but I need AUD",  # codes not joined: each may be a name
        "Can you move my GBP to RON's account?",  # a possessive is a name's
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
        ("Hi, this is BOB from accounts. Can I pay in USD?", "BOB"),
        ("Dear BOB, your refund of 20 EUR is on its way", "BOB"),
        ("PLEASE SEND 200 EUR TO BOB, thanks", "BOB"),
        ("Dear BOB, your refund is on its way. Regards, RON", "RON"),
        ("I paid 30 GBP to TOP Ltd", "TOP Ltd"),
    ],
)
def test_names_beside_currency_codes_stay(text: str, name: str) -> None:
    assert name in [text[f.start : f.end] for f in ANALYZER.analyze(text)]


def test_the_list_loads_under_the_redacting_log_filter_at_debug_level() -> None:
    """pycountry logs at DEBUG while it loads its list under a lock; with Confide's filter
    on the handler that record ran the engine, which asked for the list again and waited
    for that lock forever (a test client's first logged error hung this way)."""
    import logging
    import threading

    import pycountry

    from confide.logs import RedactingFilter

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Keep(logging.DEBUG)
    handler.addFilter(RedactingFilter(ANALYZER))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    currency_codes.cache_clear()
    pycountry.currencies._clear()  # loaded again on next use, logging as it does
    try:
        worker = threading.Thread(
            target=logging.getLogger("confide.test").info,
            args=("Maria Lund paid 20 EUR",),
            daemon=True,  # a hung worker must not keep the test run alive
        )
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive(), "the log filter waited for pycountry's lock"
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert records == ["<PERSON> paid 20 EUR"]
    assert "EUR" in currency_codes()
