"""The dialogue policy with a scripted classifier, so each decision is exercised exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from confide.dialogue import (
    Assistant,
    Decision,
    DialogueOptions,
    DialogueState,
    OrderInfo,
    default_actions,
    find_order_number,
)
from confide.knowledge.articles import Article
from confide.knowledge.retrieval import KnowledgeIndex


@dataclass(frozen=True)
class FakePrediction:
    intent: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    out_of_scope: bool


class ScriptedClassifier:
    """Maps exact texts to predictions; anything else is out of scope."""

    def __init__(self, script: dict[str, tuple[tuple[str, float], ...]]) -> None:
        self.script = script

    def predict(self, text: str) -> FakePrediction:
        ranking = self.script.get(text)
        if ranking is None:
            return FakePrediction(None, 0.1, (("refund_policy", 0.1),), True)
        return FakePrediction(ranking[0][0], ranking[0][1], ranking, False)


class Store:
    def __init__(self) -> None:
        self.returns: list[tuple[str, str]] = []
        self.orders = {
            "NW-10421": OrderInfo(
                "NW-10421",
                "shipped",
                date(2026, 11, 20),
                "ParcelCo",
                date(2026, 11, 30),
                ("Linen tea towel",),
                None,
            ),
            "NW-10500": OrderInfo(
                "NW-10500",
                "delivered",
                date(2026, 11, 1),
                "ParcelCo",
                None,
                ("Oak chopping board",),
                date(2026, 12, 1),
            ),
            "NW-10001": OrderInfo(
                "NW-10001",
                "delivered",
                date(2026, 9, 1),
                "ParcelCo",
                None,
                ("Desk lamp",),
                date(2026, 10, 1),
            ),
        }

    def today(self) -> date:
        return date(2026, 11, 28)

    def find_order(self, number: str) -> OrderInfo | None:
        return self.orders.get(number)

    def open_return(self, order_number: str) -> str | None:
        started = [i for i, (number, _) in enumerate(self.returns) if number == order_number]
        return f"R-{started[0] + 1:04d}" if started else None

    def create_return(self, order_number: str, reason: str) -> str:
        self.returns.append((order_number, reason))
        return f"R-{len(self.returns):04d}"


ARTICLES = [
    Article(
        "refund-timeline",
        "How long refunds take",
        "Refunds arrive within 5 business days.\n\nMore.",
        intent="refund_status",
    ),
    Article(
        "return-policy",
        "Our return policy",
        "You can return items within 30 days.",
        intent="return_policy",
    ),
]
SCRIPT = {
    "where is my refund": (("refund_status", 0.9), ("return_policy", 0.05)),
    "refund or return?": (("refund_status", 0.45), ("return_policy", 0.40)),
    "return policy": (("return_policy", 0.8), ("refund_status", 0.1)),
    "where is my order": (("track_order", 0.92), ("refund_status", 0.02)),
    "where is order NW-10421": (("track_order", 0.95), ("refund_status", 0.01)),
    "I want to return something": (("start_return", 0.9), ("return_policy", 0.05)),
    "I want a human": (("contact_human", 0.97), ("refund_status", 0.01)),
    "hello": (("greeting", 0.95), ("thanks", 0.02)),
}


@pytest.fixture
def assistant() -> Assistant:
    return Assistant(
        ScriptedClassifier(SCRIPT),
        KnowledgeIndex.build(ARTICLES),
        default_actions(),
        {"refund_status": "refund-timeline", "return_policy": "return-policy"},
        DialogueOptions(clarify_margin=0.12, handoff_after_failures=2),
    )


def test_confident_intent_answers_from_its_article_with_a_citation(assistant: Assistant) -> None:
    reply = assistant.respond("where is my refund", DialogueState(), Store())
    assert reply.decision is Decision.ANSWER
    assert reply.text == "Refunds arrive within 5 business days."
    assert [(c.article_id, c.title) for c in reply.citations] == [
        ("refund-timeline", "How long refunds take")
    ]


def test_close_top_two_asks_to_clarify_then_uses_the_chosen_option(assistant: Assistant) -> None:
    state = DialogueState()
    reply = assistant.respond("refund or return?", state, Store())
    assert reply.decision is Decision.CLARIFY
    assert "1) How long refunds take" in reply.text and "2) Our return policy" in reply.text
    assert state.clarify_options == ["refund_status", "return_policy"]
    reply = assistant.respond("2", state, Store())
    assert reply.decision is Decision.ANSWER
    assert reply.citations[0].article_id == "return-policy"
    assert state.clarify_options == []


def test_out_of_scope_is_said_honestly_then_hands_off_after_repeated_failures(
    assistant: Assistant,
) -> None:
    state = DialogueState()
    first = assistant.respond("what's the weather on mars", state, Store())
    assert first.decision is Decision.OUT_OF_SCOPE
    assert "outside what I can help with" in first.text and "person" in first.text
    second = assistant.respond("tell me a joke", state, Store())
    assert second.decision is Decision.HANDOFF
    assert second.handoff is True


def test_asking_for_a_person_hands_off_at_once(assistant: Assistant) -> None:
    reply = assistant.respond("I want a human", DialogueState(), Store())
    assert (reply.decision, reply.handoff) == (Decision.HANDOFF, True)


def test_order_status_asks_for_the_number_validates_it_and_looks_it_up(
    assistant: Assistant,
) -> None:
    state, store = DialogueState(), Store()
    ask = assistant.respond("where is my order", state, store)
    assert ask.decision is Decision.ACT and "order number" in ask.text
    assert state.pending is not None and state.pending.name == "order_status"
    bad = assistant.respond("it's the blue one", state, store)
    assert "doesn't look like an order number" in bad.text
    unknown = assistant.respond("NW-99999", state, store)
    assert "couldn't find an order NW-99999" in unknown.text
    found = assistant.respond("#10421", state, store)
    assert found.text.startswith("Order NW-10421 has shipped with ParcelCo")
    assert "2026-11-30" in found.text
    assert found.result == {"order_number": "NW-10421", "status": "shipped"}
    assert state.pending is None


def test_order_number_in_the_first_message_answers_in_one_turn(assistant: Assistant) -> None:
    reply = assistant.respond("where is order NW-10421", DialogueState(), Store())
    assert reply.decision is Decision.ACT
    assert reply.result["order_number"] == "NW-10421"


def test_start_return_checks_the_window_asks_a_reason_and_creates_the_return(
    assistant: Assistant,
) -> None:
    state, store = DialogueState(), Store()
    assistant.respond("I want to return something", state, store)
    eligible = assistant.respond("NW-10500", state, store)
    assert "can be returned until 2026-12-01" in eligible.text
    done = assistant.respond("It arrived cracked", state, store)
    assert done.result == {"order_number": "NW-10500", "return_reference": "R-0001"}
    assert store.returns == [("NW-10500", "It arrived cracked")]


def test_return_outside_the_window_is_refused_with_a_reason(assistant: Assistant) -> None:
    state, store = DialogueState(), Store()
    assistant.respond("I want to return something", state, store)
    reply = assistant.respond("10001", state, store)
    assert "return window for order NW-10001 has closed" in reply.text
    assert store.returns == [] and state.pending is None


def test_customer_can_cancel_an_action_in_progress(assistant: Assistant) -> None:
    state = DialogueState()
    assistant.respond("where is my order", state, Store())
    reply = assistant.respond("never mind", state, Store())
    assert state.pending is None and "stopped" in reply.text


def test_asking_for_a_person_interrupts_an_action(assistant: Assistant) -> None:
    state = DialogueState()
    assistant.respond("where is my order", state, Store())
    reply = assistant.respond("I want a human", state, Store())
    assert reply.decision is Decision.HANDOFF and state.pending is None


def test_history_is_bounded_and_holds_no_message_text(assistant: Assistant) -> None:
    state = DialogueState()
    small = Assistant(
        assistant.classifier,
        assistant.knowledge,
        assistant.actions,
        assistant.intent_articles,
        DialogueOptions(history_turns=3),
    )
    for _ in range(5):
        small.respond("hello", state, Store())
    assert len(state.history) == 3 and state.turns == 5
    assert "hello" not in state.to_json()


def test_state_round_trips_through_json(assistant: Assistant) -> None:
    state = DialogueState()
    assistant.respond("where is my order", state, Store())
    again = DialogueState.from_json(state.to_json())
    assert again == state


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("NW-10421", "NW-10421"),
        ("nw10421", "NW-10421"),
        ("#10421", "NW-10421"),
        ("it's 10421 thanks", "NW-10421"),
        ("NW 10421", "NW-10421"),
        ("1042", None),
        ("call 5550100123", None),
        ("no number here", None),
    ],
)
def test_order_numbers_are_found_in_the_accepted_forms(text: str, number: str | None) -> None:
    assert find_order_number(text) == number
