import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from confide.demo import (
    ORDER_NUMBER_PATTERN,
    demo_path,
    load_demo_orders,
    normalise_order_number,
)
from confide.knowledge.articles import first_paragraph, load_articles

SMALLTALK_AND_HANDOFF = {"contact_human", "greeting", "goodbye", "thanks"}
EXPECTED_INTENTS = {
    "track_order", "order_status_meaning", "cancel_order", "change_order", "missing_item",
    "wrong_item", "damaged_item", "shipping_options", "shipping_cost", "international_shipping",
    "delivery_delayed", "change_address", "return_policy", "start_return", "exchange_item",
    "refund_status", "refund_policy", "payment_methods", "payment_failed", "double_charge",
    "invoice_request", "promo_code", "gift_card", "create_account", "reset_password",
    "update_account", "delete_account", "newsletter", "warranty", "product_availability",
    "privacy_data", "contact_human", "greeting", "goodbye", "thanks",
}  # fmt: skip


def read_rows(name: str) -> list[tuple[str, str]]:
    with (demo_path() / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["text", "intent"]
        return [(row["text"], row["intent"]) for row in reader]


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


# --- articles -----------------------------------------------------------------------


def test_demo_articles_load_with_unique_ids_matching_file_names() -> None:
    articles = load_articles(demo_path() / "articles")
    files = sorted(p.stem for p in (demo_path() / "articles").glob("*.md"))
    assert len(articles) >= 34
    assert sorted(a.id for a in articles) == files
    assert len({a.id for a in articles}) == len(articles)


def test_every_demo_article_has_questions_tags_and_a_short_first_answer() -> None:
    for article in load_articles(demo_path() / "articles"):
        assert 3 <= len(article.questions) <= 6, article.id
        assert article.tags, article.id
        answer = first_paragraph(article.body)
        assert answer, article.id
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) <= 3, article.id
        assert "## " in article.body, article.id


def test_every_non_smalltalk_intent_has_one_article_and_warranty_two() -> None:
    """Warranty has two (general goods, appliances): personalisation picks by products."""
    articles = load_articles(demo_path() / "articles")
    by_intent = Counter(a.intent for a in articles if a.intent is not None)
    intents = {intent for _, intent in read_rows("intents.csv")} - {"oos"}
    expected = {**dict.fromkeys(intents - SMALLTALK_AND_HANDOFF, 1), "warranty": 2}
    assert {i: by_intent[i] for i in intents - SMALLTALK_AND_HANDOFF} == expected
    assert set(by_intent) <= intents - SMALLTALK_AND_HANDOFF


def test_demo_content_uses_only_reserved_contact_data() -> None:
    texts = [p.read_text(encoding="utf-8") for p in (demo_path() / "articles").glob("*.md")]
    for text in texts:
        for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*", text):
            assert email.endswith("@example.com"), email
        for url in re.findall(r"https?://[^\s)]+|www\.[^\s)]+", text):
            assert re.match(r"(https?://)?(www\.)?example\.com", url), url
        for phone in re.findall(r"\+?\d[\d ()-]{6,}\d", text):
            assert "555" in phone, phone


# --- intents and evaluation set -----------------------------------------------------


def test_intents_csv_has_the_agreed_intents_with_enough_phrasings() -> None:
    counts = Counter(intent for _, intent in read_rows("intents.csv"))
    assert set(counts) - {"oos"} == EXPECTED_INTENTS
    assert {i: n for i, n in counts.items() if n < 18} == {}
    assert 50 <= counts["oos"] <= 80


def test_intents_csv_has_no_duplicate_or_empty_lines() -> None:
    texts = [normalised(text) for text, _ in read_rows("intents.csv")]
    assert all(texts)
    assert [t for t, n in Counter(texts).items() if n > 1] == []


def test_eval_set_covers_every_intent_and_shares_no_line_with_training() -> None:
    training = {normalised(text) for text, _ in read_rows("intents.csv")}
    evaluation = read_rows("eval.csv")
    counts = Counter(intent for _, intent in evaluation)
    assert set(counts) - {"oos"} == EXPECTED_INTENTS
    assert min(n for i, n in counts.items() if i != "oos") >= 5
    assert counts["oos"] >= 35
    assert [text for text, _ in evaluation if normalised(text) in training] == []


# --- orders -------------------------------------------------------------------------


def test_demo_orders_parse_with_the_documented_shape() -> None:
    orders = load_demo_orders()
    assert 20 <= len(orders) <= 30
    assert len({o["number"] for o in orders}) == len(orders)
    for order in orders:
        assert set(order) == {
            "number", "status", "placed_on", "carrier", "eta", "items", "returnable_until",
        }  # fmt: skip
        assert re.fullmatch(r"NW-\d{5}", order["number"])
        assert order["status"] in {"shipped", "processing", "delivered", "cancelled", "returned"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", order["placed_on"])
        assert order["items"], order["number"]
        for item in order["items"]:
            assert set(item) == {"sku", "name", "qty", "price"}


def test_demo_orders_hold_no_emails_or_phone_numbers() -> None:
    raw = (demo_path() / "orders.json").read_text(encoding="utf-8")
    assert "@" not in raw
    phone_like = re.compile(r"(?:\+?\d[\s().-]?){7,}")
    for order in json.loads(raw):
        for field in ("placed_on", "eta", "returnable_until"):
            assert order[field] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", order[field])
        texts = [order["number"], order["carrier"] or ""]
        texts += [str(value) for item in order["items"] for value in item.values()]
        assert [t for t in texts if phone_like.search(t)] == [], order["number"]


# --- order numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["NW-10421", "nw10421", "#10421", "10421", "NW 10421", "Nw-10421", "# 10421"],
)
def test_accepted_order_number_forms_normalise_to_canonical(text: str) -> None:
    assert normalise_order_number(text) == "NW-10421"


def test_order_number_is_found_inside_a_sentence() -> None:
    assert normalise_order_number("hi, where is order nw10421 please?") == "NW-10421"
    assert normalise_order_number("It's #10433, placed on Monday") == "NW-10433"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "where is my order",
        "NW-1042",
        "NW-104211",
        "1042",
        "104211",
        "AB-10421",
        "order10421",
        "10421abc",
        "£10421",
        "10421.50",
        "call 555-0142",
    ],
)
def test_junk_is_not_taken_for_an_order_number(text: str) -> None:
    assert normalise_order_number(text) is None


def test_every_demo_order_number_is_recognised_in_its_own_form() -> None:
    for order in load_demo_orders():
        match = ORDER_NUMBER_PATTERN.search(order["number"])
        assert match is not None and match.group(0) == order["number"]


def test_demo_path_is_the_package_folder() -> None:
    assert demo_path() == Path(__file__).resolve().parents[2] / "src" / "confide" / "demo"
