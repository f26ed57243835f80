"""``confide init`` and ``confide demo``: create the data directory, schema and keyring; load
the bundled demo company."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from confide.config import Settings
from confide.consent.notices import publish_notice_if_none
from confide.db import unit_of_work
from confide.db_settings import set_setting
from confide.demo import demo_path, load_demo_orders
from confide.intents.service import article_examples, read_examples, train_and_save
from confide.knowledge.articles import load_articles
from confide.knowledge.service import import_articles
from confide.learning.retrain import register_trained
from confide.nlu import LabelledText
from confide.orders.service import import_orders
from confide.runtime import Runtime, build_runtime

DEMO_DIR = demo_path()
DEMO_COMPANY = "Northwind Goods"
DEMO_NOTICE = DEMO_DIR / "privacy-notice.md"


def initialise(settings: Settings, *, company: str | None = None) -> Runtime:
    """Data directory, migrated database and keyring; safe to run again."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    runtime = build_runtime(settings, create=True)
    if company:
        with unit_of_work(runtime.sessions) as session:
            set_setting(session, "company_name", company)
        runtime.company_name = company
    return runtime


def shifted_demo_orders(today: date) -> list[dict[str, Any]]:
    """The demo orders with dates moved so the newest was placed two days before ``today``.

    Keeps the demo's story (in transit, returnable, past the return window) true whenever
    it is run.
    """
    orders = load_demo_orders()
    newest = max(date.fromisoformat(o["placed_on"]) for o in orders)
    shift = (today - timedelta(days=2)) - newest
    for order in orders:
        for key in ("placed_on", "eta", "returnable_until"):
            if order.get(key):
                order[key] = (date.fromisoformat(order[key]) + shift).isoformat()
    return orders


def load_demo(runtime: Runtime, *, today: date | None = None, train: bool = True) -> dict[str, Any]:
    """Load the demo company's articles, orders and intents, and (by default) train its model."""
    articles = load_articles(DEMO_DIR / "articles")
    orders = shifted_demo_orders(today or date.today())
    with unit_of_work(runtime.sessions) as session:
        created, updated = import_articles(session, articles)
        n_orders = import_orders(session, orders)
        set_setting(session, "company_name", DEMO_COMPANY)
        notice = publish_notice_if_none(session, DEMO_NOTICE.read_text(encoding="utf-8"))
    examples = demo_examples()
    metadata = train_and_save(runtime.settings, examples) if train else None
    if train:  # the first version in the model registry, so learning can retrain from it
        register_trained(runtime, examples, actor="operator:cli")
    runtime.reload_assistant()
    return {
        "articles": created + updated,
        "orders": n_orders,
        "examples": len(examples),
        "model": metadata,
        "privacy_notice_version": notice.version,
    }


def demo_examples() -> list[LabelledText]:
    articles = load_articles(DEMO_DIR / "articles")
    return read_examples(DEMO_DIR / "intents.csv") + article_examples(articles)
