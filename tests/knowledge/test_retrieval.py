from functools import cache

import pytest

from confide.demo import demo_path
from confide.knowledge.articles import Article, load_articles
from confide.knowledge.retrieval import (
    KnowledgeIndex,
    chunk_article,
    english_stemmer,
    light_stem,
    tokenize,
)

RETURNS = Article(
    id="returns-policy",
    title="Returns policy",
    body=(
        "You can return most items within 30 days of delivery.\n\n"
        "## Conditions\n"
        "- Items must be unused.\n"
        "- Keep the tags on clothing.\n\n"
        "## Holiday season\n"
        "Orders delivered in December can be returned until 15 January."
    ),
    tags=("returns",),
    questions=("How long do I have to send something back?",),
    intent="return_policy",
)
COOKIES = Article(
    id="cookies",
    title="Cookies",
    body="We use essential cookies for your basket.\n\nAnalytics cookies are optional.",
)


@cache
def demo_index() -> KnowledgeIndex:
    return KnowledgeIndex.build(load_articles(demo_path() / "articles"))


# --- chunking -----------------------------------------------------------------------


def test_chunks_follow_sections_and_carry_title_and_heading() -> None:
    assert chunk_article(RETURNS) == [
        "Returns policy\nYou can return most items within 30 days of delivery.",
        "Returns policy — Conditions\n- Items must be unused.\n- Keep the tags on clothing.",
        "Returns policy — Holiday season\n"
        "Orders delivered in December can be returned until 15 January.",
    ]


def test_paragraphs_of_one_section_are_packed_up_to_max_words() -> None:
    assert chunk_article(COOKIES) == [
        "Cookies\nWe use essential cookies for your basket.\nAnalytics cookies are optional."
    ]
    assert chunk_article(COOKIES, max_words=7) == [
        "Cookies\nWe use essential cookies for your basket.",
        "Cookies\nAnalytics cookies are optional.",
    ]


def test_a_paragraph_longer_than_max_words_is_split_by_words() -> None:
    article = Article(id="long", title="Long", body=" ".join(f"w{i}" for i in range(10)))
    assert chunk_article(article, max_words=4) == [
        "Long\nw0 w1 w2 w3",
        "Long\nw4 w5 w6 w7",
        "Long\nw8 w9",
    ]


def test_inline_markdown_is_removed_from_chunks() -> None:
    article = Article(
        id="a", title="A", body="See **Account - Orders** or [help](https://example.com)."
    )
    assert chunk_article(article) == ["A\nSee Account - Orders or help."]


def test_a_body_of_headings_only_still_gives_one_chunk() -> None:
    article = Article(id="a", title="A", body="## Just a heading")
    assert chunk_article(article) == ["A\nJust a heading"]


def test_max_words_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_words must be at least 1"):
        chunk_article(COOKIES, max_words=0)


# --- tokenizing ---------------------------------------------------------------------


def test_tokenize_drops_stopwords_and_stems_word_forms_alike() -> None:
    assert tokenize("How do I get my refunds?") == ["refund"]
    assert tokenize("Refunded, refunding") == ["refund", "refund"]
    assert light_stem("cancelled") == light_stem("canceled") == light_stem("cancel") == "cancel"
    assert light_stem("shipping") == light_stem("shipped") == "ship"


def test_english_stemmer_maps_plurals_to_the_singular_with_or_without_pystemmer() -> None:
    stem = english_stemmer()
    assert [stem(w) for w in ("refunds", "orders")] == ["refund", "order"]


def test_tokenize_without_a_stemmer_keeps_word_forms() -> None:
    assert tokenize("Cancelled orders", stemmer=None) == ["cancelled", "orders"]


# --- searching the demo knowledge base ----------------------------------------------


def test_how_long_do_refunds_take_ranks_the_refund_timeline_first() -> None:
    results = demo_index().search("how long do refunds take")
    assert results[0].article_id == "refund-timeline"
    assert results[0].title == "How long refunds take"
    assert results[0].text.startswith("How long refunds take\nWe refund you within 3 working days")


@pytest.mark.parametrize(
    ("query", "article_id"),
    [
        ("I was charged twice for my order", "charged-twice"),
        ("my promo code doesn't work", "promo-codes"),
        ("I forgot my password", "reset-your-password"),
        ("do you ship to Canada?", "international-shipping"),
        ("how much is delivery, is it free?", "shipping-costs"),
        ("the kettle arrived broken", "damaged-or-faulty-item"),
        ("can I swap my jumper for a bigger size", "exchanges"),
        ("how do I unsubscribe from your newsletter", "email-preferences"),
        ("is my data used to train your chatbot", "ai-assistant-and-your-data"),
        ("can I download a copy of my personal data", "your-privacy-rights"),
        ("where is my parcel", "track-your-order"),
        ("I want to speak to a real person", "talk-to-a-person"),
    ],
)
def test_common_questions_find_their_article_first(query: str, article_id: str) -> None:
    assert demo_index().search(query)[0].article_id == article_id


def test_results_are_best_first_one_per_article_and_at_most_k() -> None:
    results = demo_index().search("refund for a returned order", k=5)
    assert len(results) == 5
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert len({r.article_id for r in results}) == 5


def test_several_passages_of_one_article_when_asked() -> None:
    results = demo_index().search("how long do refunds take", k=4, one_per_article=False)
    assert [r.article_id for r in results].count("refund-timeline") >= 2
    assert len({r.text for r in results}) == 4


def test_query_without_known_terms_returns_nothing() -> None:
    assert demo_index().search("zzzz qqqq") == []
    assert demo_index().search("how do I?") == []
    assert demo_index().search("") == []
    assert demo_index().search("refund", k=0) == []


def test_article_lookup_and_length() -> None:
    index = demo_index()
    assert len(index) == len(load_articles(demo_path() / "articles"))
    refund = index.article("refund-timeline")
    assert refund is not None and refund.intent == "refund_policy"
    assert index.article("no-such-article") is None


# --- small indexes ------------------------------------------------------------------


def test_empty_index_returns_no_results() -> None:
    index = KnowledgeIndex.build([])
    assert len(index) == 0
    assert index.search("refund") == []
    assert index.article("cookies") is None


def test_article_matched_only_by_its_example_question_returns_its_first_chunk() -> None:
    index = KnowledgeIndex.build([RETURNS, COOKIES])
    [hit] = index.search("send something back")
    assert (hit.article_id, hit.title, hit.text) == (
        "returns-policy",
        "Returns policy",
        "Returns policy\nYou can return most items within 30 days of delivery.",
    )
    assert hit.score > 0


def test_best_chunk_of_an_article_is_the_one_shown() -> None:
    index = KnowledgeIndex.build([RETURNS, COOKIES])
    [hit] = index.search("returns in December")
    assert hit.text == (
        "Returns policy — Holiday season\n"
        "Orders delivered in December can be returned until 15 January."
    )


def test_duplicate_article_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate article ids: cookies"):
        KnowledgeIndex.build([COOKIES, COOKIES])
