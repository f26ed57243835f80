"""Smoke test of benchmarks/personalization_turns.py: its scenarios, its scripted customer
and its resolution rules, on a handful of conversations through the real HTTP API."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "personalization_turns.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("personalization_turns", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def scenario(bench: ModuleType, goal: str, history: str, **changes: Any) -> Any:
    """A scenario with every choice fixed, about ``history`` unless told otherwise."""
    target = changes.pop("goal_order", history)
    base = bench.Scenario(
        id=changes.pop("id", 0),
        goal=goal,
        name="Alex",
        history_opening="Where is my order?",
        history_order=history,
        goal_order=None if goal == "warranty" else target,
        goal_item=None,
        right_article=None,
        volunteers_number=False,
        asks=("Where is my order?",),
        yes="yes",
        give_number=target,
        correct_number=f"no, it's order {target}",
        reasons=("It's too small",),
    )
    return replace(base, **changes)


def test_scenarios_are_seeded_balanced_and_consistent(bench: ModuleType) -> None:
    orders = bench.demo_orders()
    first = bench.build_scenarios(40, 7, orders)
    assert first == bench.build_scenarios(40, 7, orders)
    assert first != bench.build_scenarios(40, 8, orders)
    assert sorted(s.goal for s in first) == sorted(list(bench.GOALS) * 10)
    status = {o.number: o.status for o in orders}
    for s in first:
        if s.goal == "other_order_status":
            assert s.goal_order != s.history_order
        elif s.goal == "warranty":
            assert s.goal_order is None and s.goal_item and s.item_asks
            assert status[s.history_order] == "delivered"
        else:
            assert s.goal_order == s.history_order
    assert bench.item_kind_article("Desk fan, quiet mode") == "appliance-warranty"
    assert bench.item_kind_article("Merino crew-neck jumper, navy, M") == "product-warranty"
    assert bench.item_kind_article("Linen table lamp, oat") == "product-warranty"


def test_a_return_is_resolved_by_a_verdict_not_by_the_question_for_a_reason(
    bench: ModuleType,
) -> None:
    goal = scenario(bench, "same_order_return", "NW-10392")
    asking = {
        "text": "Order NW-10392 can be returned until 2026-12-13. In a few words, why are you "
        "returning it?",
        "decision": "act",
        "intent": "start_return",
        "result": {},
        "conversation_status": "open",
    }
    closed = {
        **asking,
        "text": "I'm sorry, the 30-day return window for order NW-10392 has closed.",
    }
    created = {**asking, "result": {"order_number": "NW-10392", "return_reference": "R-1"}}
    status = {**asking, "intent": "track_order", "result": {"order_number": "NW-10392"}}
    assert not bench.resolved(goal, asking)
    assert bench.resolved(goal, closed)
    assert bench.resolved(goal, created)
    assert not bench.resolved(goal, status)
    assert not bench.resolved(goal, {**closed, "conversation_status": "waiting_for_agent"})


def test_same_order_status_takes_one_yes_with_personalization(
    bench: ModuleType, client: TestClient
) -> None:
    goal = scenario(bench, "same_order_status", "NW-10387")
    with_ = bench.run_scenario(client, goal, consent=True)
    without = bench.run_scenario(client, goal, consent=False)
    assert (with_.resolved, with_.turns, with_.offered_order) == (True, 1, "NW-10387")
    assert with_.accepted_offer and with_.personalised_replies == 1
    assert [e["customer"] for e in with_.transcript] == ["yes"]
    assert (without.resolved, without.turns, without.offered_order) == (True, 2, None)
    assert [e["customer"] for e in without.transcript] == ["Where is my order?", "NW-10387"]
    assert without.personalised_replies == 0


def test_a_wrong_remembered_order_is_counted_and_corrected(
    bench: ModuleType, client: TestClient
) -> None:
    goal = scenario(bench, "other_order_status", "NW-10387", goal_order="NW-10392")
    with_ = bench.run_scenario(client, goal, consent=True)
    without = bench.run_scenario(client, goal, consent=False)
    assert with_.offered_order == "NW-10387" and not with_.accepted_offer
    assert (with_.resolved, with_.turns, with_.wrong_guesses) == (True, 2, 1)
    assert with_.transcript[0]["result"]["order_number"] == "NW-10387"
    assert with_.transcript[1]["customer"] == "no, it's order NW-10392"
    assert with_.transcript[1]["result"]["order_number"] == "NW-10392"
    assert (without.resolved, without.turns, without.wrong_guesses) == (True, 2, 0)
    summary = bench.report({"personalised": [with_], "not_personalised": [without]})
    assert summary["other_order_status"]["personalised"]["wrong_guesses_corrected"] == 1
    assert summary["all"]["paired"]["same"] == 1


def test_warranty_for_an_appliance_order_is_chosen_by_the_products(
    bench: ModuleType, client: TestClient
) -> None:
    goal = scenario(
        bench,
        "warranty",
        "NW-10412",
        asks=("Is there a warranty on what I bought?",),
        goal_item="usb-c wall charger 30 w",
        right_article="appliance-warranty",
        item_asks=("How long is the guarantee on a usb-c wall charger 30 w?",),
    )
    with_ = bench.run_scenario(client, goal, consent=True)
    without = bench.run_scenario(client, goal, consent=False)
    assert (with_.resolved, with_.turns, with_.personalised_replies) == (True, 1, 1)
    assert with_.transcript[0]["citations"] == ["appliance-warranty"]
    assert (without.resolved, without.turns) == (True, 2)
    assert without.transcript[0]["citations"] == ["product-warranty"]
    assert without.transcript[-1]["citations"] == ["appliance-warranty"]
    pairs = bench.paired([with_], [without])
    assert pairs["fewer"] == 1


def test_a_return_after_yes_needs_the_request_too(bench: ModuleType, client: TestClient) -> None:
    # "Yes" to the offer replays the remembered topic (order status); the customer then asks.
    goal = scenario(bench, "same_order_return", "NW-10433", asks=("I want to return my order",))
    with_ = bench.run_scenario(client, goal, consent=True)
    without = bench.run_scenario(client, goal, consent=False)
    assert [e["customer"] for e in with_.transcript] == ["yes", "I want to return my order"]
    assert with_.transcript[0]["result"] == {"order_number": "NW-10433", "status": "delivered"}
    assert (with_.resolved, with_.turns) == (True, 2)
    assert "return window for order NW-10433 has closed" in with_.transcript[1]["assistant"]
    assert (without.resolved, without.turns) == (True, 2)
    direct = bench.run_scenario(
        client, goal, consent=True, policy=bench.Policy(returns_accept_offer=False)
    )
    assert [e["customer"] for e in direct.transcript] == ["I want to return my order"]
    assert (direct.resolved, direct.turns, direct.personalised_replies) == (True, 1, 1)
