"""Currency codes: no personal data, whatever a model makes of them.

A statistical tagger reads "between AUD and GBP" as a firm ("X and Y") and "in SEK and NOK"
as places. ``CurrencyCodes`` names the spans where ISO 4217 codes (pycountry's list, written
in capitals) stand as currencies, and the analyzer drops the statistical findings that lie
inside one (the ``Clearing`` protocol). A three-letter code is also a name or a word
("BOB", "RON", "TOP", "ALL"), so a code counts as a currency only joined to another code
("USD, EUR and CHF", "GBP/USD", "from AUD to GBP") or with an amount right beside it ("200
EUR", "EUR 200"); never with a possessive ("RON's account"), nor in text written all in
capitals, where three capitals say nothing.
"""

from __future__ import annotations

import functools
import logging
import re

from confide.pii.findings import Finding

# Three capitals as a word of their own (a capital first, so that the regex engine skips to
# capitals).
_CODE = re.compile(r"[A-Z](?<![^\W\d_][A-Z])[A-Z]{2}(?![^\W\d_])")
# What joins codes into one run: "USD, EUR and CHF", "GBP/USD", "EUR to USD", "GBP for EUR".
_JOINER = re.compile(r"\s*[,/]\s*(?:(?:and|or)\s+)?|\s+(?:and|or|to|for|into|from|vs\.?|versus)\s+")
# An amount right before or after a code: "200 EUR", "EUR 1,200.50", "€20 EUR".
_AMOUNT_BEFORE = re.compile(r"\d[\d,.]*\s?\Z")
_AMOUNT_AFTER = re.compile(r"\s?\d")
_POSSESSIVE = re.compile(r"['\u2019]s\b")


@functools.cache
def currency_codes() -> frozenset[str]:
    """The ISO 4217 alphabetic codes, from pycountry's copy of the standard.

    pycountry loads its list on first use under a lock of its own and logs at DEBUG level as
    it does; where Confide's log filter (``confide.logs``) runs the PII engine on that record,
    the engine would ask for this list again and wait for that lock forever. Its logger is
    silenced for the load."""
    import pycountry

    loader = logging.getLogger("pycountry.db")
    silenced = loader.disabled
    loader.disabled = True
    try:
        return frozenset(currency.alpha_3 for currency in pycountry.currencies)
    finally:
        loader.disabled = silenced


class CurrencyCodes:
    """Names the spans of currency codes and runs of them (see the module's docstring);
    reports no finding of its own."""

    name = "currency_code"
    entities: tuple[str, ...] = ()

    def find(self, text: str) -> list[Finding]:
        return []

    def cleared(self, text: str) -> list[tuple[int, int]]:
        if text.isupper():
            return []
        known = currency_codes()
        codes = [
            m.span()
            for m in _CODE.finditer(text)
            if m.group() in known and not _POSSESSIVE.match(text, m.end())
        ]
        if not codes:
            return []
        runs = [(*codes[0], 1)]
        for start, end in codes[1:]:
            first, last, count = runs[-1]
            if _JOINER.fullmatch(text, last, start):
                runs[-1] = (first, end, count + 1)
            else:
                runs.append((start, end, 1))
        return [
            (start, end) for start, end, count in runs if count > 1 or _amount(text, start, end)
        ]


def _amount(text: str, start: int, end: int) -> bool:
    """Whether an amount stands right before or after the code at ``start:end``."""
    before = _AMOUNT_BEFORE.search(text[max(0, start - 20) : start])
    return before is not None or _AMOUNT_AFTER.match(text, end) is not None
