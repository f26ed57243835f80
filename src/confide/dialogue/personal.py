"""What the dialogue may know about a customer who consented to ``personalization``.

Pure data, built by ``confide.personalization`` from the customer's sealed profile only when
the policy allows it; the dialogue never reads storage. Without consent the engine gets
``None`` and behaves exactly as for an anonymous customer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Said with every personalised reply: how to turn it off (the privacy commands recognise it).
TURN_OFF = 'To turn this off, say "turn off personalisation".'
_WORD = re.compile(r"[a-z]{3,}")
# Words of product names that say nothing about what the product is.
_NOT_PRODUCT = ENGLISH_STOP_WORDS | frozenset(
    {
        "set",
        "usb",
        "pair",
        "sage",
        "green",
        "navy",
        "olive",
        "white",
        "black",
        "grey",
        "blue",
        "king",
        "single",
        "double",
        "small",
        "large",
        "with",
        "quiet",
        "mode",
        "lightweight",
        "organic",
        "cotton",
    }
)


@dataclass(frozen=True)
class KnownOrder:
    """An order the customer talked about in an earlier conversation."""

    number: str
    items: tuple[str, ...] = ()
    # The intent it was last discussed under, and when.
    topic: str | None = None
    seen_on: date | None = None


@dataclass(frozen=True)
class Personal:
    name: str | None = None
    # Newest first.
    orders: tuple[KnownOrder, ...] = ()
    # Where there is a choice of articles, rank those about these products first.
    interests: frozenset[str] = field(default_factory=frozenset)

    @property
    def latest_order(self) -> KnownOrder | None:
        return self.orders[0] if self.orders else None


def product_words(item_names: Iterable[str]) -> frozenset[str]:
    """The words of product names (or of a question) that can say what a product is:
    "Two-slice toaster, sage green" gives {"slice", "toaster"}."""
    words: set[str] = set()
    for name in item_names:
        for word in _WORD.findall(name.lower()):
            if word not in _NOT_PRODUCT:
                words.add(word)
                if word.endswith("s") and len(word) > 4:
                    words.add(word[:-1])
    return frozenset(words)


def when_said(seen_on: date | None, today: date) -> str:
    """ "earlier today", "yesterday", "last week", "on 2026-11-02"."""
    if seen_on is None:
        return "recently"
    days = (today - seen_on).days
    if days <= 0:
        return "earlier today"
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    if days < 14:
        return "last week"
    return f"on {seen_on.isoformat()}"


def explanation(used: Iterable[str]) -> str:
    """The line a personalised reply ends with: what was used, and how to turn it off."""
    items = list(dict.fromkeys(used))
    listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
    return f"(Personalised with {listed}, because you allowed tailored answers. {TURN_OFF})"
