"""Demo content for the fictional store Northwind Goods.

The folder holds help-centre articles (`articles/*.md`), intent training phrasings
(`intents.csv`), a held-out evaluation set (`eval.csv`) and demo orders (`orders.json`,
no personal data). Everything here is written for Confide; none of it is a public data set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from confide.dialogue.actions import ORDER_NUMBER_RE, find_order_number

__all__ = [
    "ORDER_NUMBER_PATTERN",
    "demo_path",
    "load_demo_orders",
    "normalise_order_number",
]

ORDER_NUMBER_PATTERN = ORDER_NUMBER_RE


def demo_path() -> Path:
    """The folder holding the demo content."""
    return Path(__file__).resolve().parent


def normalise_order_number(text: str) -> str | None:
    """The first order number in ``text`` in canonical form ("NW-10421"), or None."""
    return find_order_number(text)


def load_demo_orders() -> list[dict[str, Any]]:
    """The demo orders from `orders.json`, in file order."""
    with (demo_path() / "orders.json").open(encoding="utf-8") as handle:
        orders: list[dict[str, Any]] = json.load(handle)
    return orders
