"""Personalization: customer turns to resolution on scripted multi-turn conversations.

Usage:
    python benchmarks/personalization_turns.py [--customers 200] [--seed 0] [--max-turns 6]
        [--returns-state-need] [--json] [--out FILE] [--transcripts FILE.jsonl]

Every simulated customer first has a *history* conversation: they ask where their order
is, give its number when asked and get its status. They then come back in a new
conversation (``POST /v1/conversations`` with the earlier conversation's bearer token) with
a goal, and we count their messages in that second conversation until it is resolved. Each
scenario runs twice, through the real HTTP API of a demo store (intent model, dialogue,
vault, policy): once for a customer who gave consent to ``personalization`` at the start of
the history conversation, once for a customer who did not. Everything else, the script and
the random choices, is the same.

Goals (equal shares, shuffled with the seed):
- ``same_order_status``: the status of the order from the history conversation again.
  Resolved by a reply whose ``result`` is ``{"order_number": goal, "status": ...}``.
- ``other_order_status``: the status of a *different* demo order, so a remembered order is
  the wrong guess. Resolved as above, for the goal order.
- ``same_order_return``: return the (delivered) order from the history conversation.
  Resolved by the return action's final word on the goal order: a reply whose ``result``
  carries a ``return_reference`` for it, or an act reply of intent ``start_return`` that
  names the goal order and asks nothing (no "?": the window has closed, or it is not
  delivered yet). "Order X can be returned until ...; why are you returning it?" is not
  resolution: the customer still has to give a reason.
- ``warranty``: a warranty question about one item of the (delivered) history order,
  asked without naming it at first. Resolved by a reply citing the right article: items the
  appliance article lists (toasters, kettles, mixers, fans, speakers, headphones, chargers)
  take ``appliance-warranty``, everything else ``product-warranty``.

The scripted customer reads each reply: it says "yes" to "Is this about order X?" only
when X is its goal order and its goal is about that order's status or return (a warranty
question is stated instead), gives its order number when asked, corrects with its number
when the assistant answered for another order, gives a reason when asked why it returns,
picks the right option of a clarifying question, names the item when the wrong warranty
article is cited, and otherwise rephrases (the next of several wordings). It gives up after
``--max-turns`` messages (unresolved), or when the conversation is handed to a person.
With ``--returns-state-need`` a customer who wants to return the offered order asks for the
return instead of saying "yes" (which replays the remembered topic, the order's status).

A *wrong guess* is a reply marked personalised (``personalization`` not null) that is wrong
for the goal: it answers for another order or cites the other warranty article. It is
*corrected* when the conversation still resolves.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from confide.app import create_app
from confide.bootstrap import initialise, load_demo
from confide.config import Settings
from confide.demo import load_demo_orders

sys.path.insert(0, str(Path(__file__).parent))
from machine_info import machine

GOALS = ("same_order_status", "other_order_status", "same_order_return", "warranty")
ORDER_GOALS = frozenset(GOALS[:3])
APPLIANCE_ARTICLE, PRODUCT_ARTICLE = "appliance-warranty", "product-warranty"
# The appliance article's own list of what it covers (its first paragraph).
APPLIANCE_WORDS = ("toaster", "kettle", "mixer", "fan", "speaker", "headphones", "charger")
NAMES = ("Alex", "Sam", "Robin", "Jordan", "Kim", "Noor", "Mika", "Ana", "Luca", "Tess")
HISTORY_OPENINGS = ("Where is my order?", "Has my order shipped yet?")

STATUS_ASKS = (
    "Where is my order?",
    "Has my order shipped yet?",
    "Can you check on my order for me?",
    "When will my parcel arrive?",
    "What's the status of my order?",
    "I'm still waiting for my package, where is it?",
    "Any news on my delivery?",
)
STATUS_ASKS_WITH_NUMBER = (
    "Where is order {n}?",
    "Can you check order {n} for me?",
    "What's the status of order {n}?",
    "Has {n} shipped yet?",
)
RETURN_ASKS = (
    "I want to return my order",
    "How do I send my order back?",
    "I'd like to return the things I bought",
    "Can I return my order?",
    "I need to start a return",
    "I'd like to send it back",
)
RETURN_ASKS_WITH_NUMBER = (
    "I want to return order {n}",
    "Can I send back order {n}?",
    "I'd like to start a return for {n}",
)
WARRANTY_ASKS = (
    "Is there a warranty on what I bought?",
    "How long is the guarantee?",
    "Something I ordered stopped working, is it covered by the warranty?",
    "What does your warranty cover?",
    "How do I make a warranty claim on my order?",
)
WARRANTY_ITEM_ASKS = (
    "Is the {item} covered by the warranty?",
    "I mean the warranty on the {item}",
    "How long is the guarantee on a {item}?",
)
YES_STATUS = ("yes", "Yes please", "yes, that's the one")
YES_RETURN = ("yes", "Yes, I'd like to return it", "yes, I want to send it back")
GIVE_NUMBER = ("{n}", "It's {n}", "order {n}", "{digits}", "The number is {n}")
CORRECT_NUMBER = ("{n}", "no, it's order {n}", "Sorry, I meant order {n}", "It's {n} actually")
REASONS = (
    "It's too small",
    "It doesn't fit",
    "I changed my mind",
    "The colour isn't what I expected",
    "I found it cheaper elsewhere",
    "It arrived damaged",
)
# The titles a clarifying question lists for each goal.
GOAL_TITLES = {
    "same_order_status": ("check an order's status",),
    "other_order_status": ("check an order's status",),
    "same_order_return": ("start a return",),
    "warranty": ("warranty",),
}
OFFER_RE = re.compile(r"Is this about order (NW-\d{5})")
ORDER_RE = re.compile(r"NW-\d{5}")
OPTION_RE = re.compile(r"(\d)\) ([^?]+?)(?: or |\?)")
ASKS_NUMBER = ("what is your order number", "order numbers look like", "send it again")
ASKS_REASON = ("why are you returning", "why you're returning")
WAITING = "waiting_for_agent"


@dataclass(frozen=True)
class DemoOrder:
    number: str
    status: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    """One customer: the history order, the goal, and every choice the script will make."""

    id: int
    goal: str
    name: str
    history_opening: str
    history_order: str
    goal_order: str | None
    # Warranty goals: the item asked about and the article that answers it.
    goal_item: str | None
    right_article: str | None
    volunteers_number: bool
    asks: tuple[str, ...]
    yes: str
    give_number: str
    correct_number: str
    reasons: tuple[str, ...]
    item_asks: tuple[str, ...] = ()


@dataclass
class Outcome:
    scenario: int
    goal: str
    personalised_customer: bool
    history_ok: bool
    resolved: bool = False
    turns: int = 0
    handed_off: bool = False
    offered_order: str | None = None
    accepted_offer: bool = False
    personalised_replies: int = 0
    wrong_guesses: int = 0
    transcript: list[dict[str, Any]] = field(default_factory=list)


def demo_orders() -> list[DemoOrder]:
    return [
        DemoOrder(o["number"], o["status"], tuple(str(i["name"]) for i in o["items"]))
        for o in load_demo_orders()
    ]


def item_kind_article(item: str) -> str:
    """The warranty article that is right for an item, by the appliance article's list."""
    words = set(re.findall(r"[a-z]+", item.lower()))
    return APPLIANCE_ARTICLE if words & set(APPLIANCE_WORDS) else PRODUCT_ARTICLE


def short_item(item: str) -> str:
    """ "Desk fan, quiet mode" -> "desk fan": how a customer would name it."""
    return item.split(",")[0].strip().lower()


def build_scenarios(count: int, seed: int, orders: Sequence[DemoOrder]) -> list[Scenario]:
    """``count`` customers, goals in equal shares, every choice drawn from ``seed``."""
    rng = random.Random(seed)
    goals = [GOALS[i % len(GOALS)] for i in range(count)]
    rng.shuffle(goals)
    return [_scenario(i, goal, rng, orders) for i, goal in enumerate(goals)]


def _scenario(index: int, goal: str, rng: random.Random, orders: Sequence[DemoOrder]) -> Scenario:
    delivered = [o for o in orders if o.status == "delivered"]
    if goal == "other_order_status":
        history, target = rng.sample(list(orders), 2)
    else:
        history = rng.choice(delivered if goal in ("same_order_return", "warranty") else orders)
        target = history
    item = rng.choice(history.items) if goal == "warranty" else None
    volunteers = goal != "warranty" and rng.random() < 0.25
    number = target.number
    fill = {"n": number, "digits": number[3:]}
    return Scenario(
        id=index,
        goal=goal,
        name=rng.choice(NAMES),
        history_opening=rng.choice(HISTORY_OPENINGS),
        history_order=history.number,
        goal_order=None if goal == "warranty" else number,
        goal_item=short_item(item) if item else None,
        right_article=item_kind_article(item) if item else None,
        volunteers_number=volunteers,
        asks=tuple(t.format(**fill) for t in _shuffled(rng, _asks(goal, volunteers))),
        yes=rng.choice(YES_RETURN if goal == "same_order_return" else YES_STATUS),
        give_number=rng.choice(GIVE_NUMBER).format(**fill),
        correct_number=rng.choice(CORRECT_NUMBER).format(**fill),
        reasons=tuple(_shuffled(rng, REASONS)),
        item_asks=tuple(t.format(item=short_item(item)) for t in _shuffled(rng, WARRANTY_ITEM_ASKS))
        if item
        else (),
    )


def _asks(goal: str, volunteers: bool) -> Sequence[str]:
    if goal == "warranty":
        return WARRANTY_ASKS
    if goal == "same_order_return":
        return RETURN_ASKS_WITH_NUMBER if volunteers else RETURN_ASKS
    return STATUS_ASKS_WITH_NUMBER if volunteers else STATUS_ASKS


def _shuffled(rng: random.Random, items: Sequence[str]) -> list[str]:
    return rng.sample(list(items), len(items))


# --- reading the assistant's replies -------------------------------------------------------


def main_text(text: str) -> str:
    """The reply without the personalisation note it may end with."""
    return text.split(" (Personalised with", 1)[0]


def asks_for_number(reply: dict[str, Any]) -> bool:
    return any(cue in reply["text"].lower() for cue in ASKS_NUMBER)


def asks_for_reason(reply: dict[str, Any]) -> bool:
    return any(cue in reply["text"].lower() for cue in ASKS_REASON)


def orders_in(reply: dict[str, Any]) -> set[str]:
    """The orders an act reply is about (not the example number in "what is your order
    number? It looks like NW-10421")."""
    number = (reply.get("result") or {}).get("order_number")
    if number:
        return {number}
    if reply["decision"] != "act" or asks_for_number(reply):
        return set()
    return set(ORDER_RE.findall(main_text(reply["text"])))


def cited(reply: dict[str, Any]) -> set[str]:
    return {c["article_id"] for c in reply.get("citations") or []}


def resolved(scenario: Scenario, reply: dict[str, Any]) -> bool:
    """Whether this reply resolves the scenario's goal (see the module docstring)."""
    if reply.get("conversation_status") == WAITING:
        return False
    result = reply.get("result") or {}
    goal = scenario.goal_order
    if scenario.goal in ("same_order_status", "other_order_status"):
        return result.get("order_number") == goal and "status" in result
    if scenario.goal == "same_order_return":
        if result.get("order_number") == goal and "return_reference" in result:
            return True
        text = main_text(reply["text"])
        return (
            reply["decision"] == "act"
            and reply.get("intent") == "start_return"
            and goal is not None
            and goal in text
            and "?" not in text
        )
    return scenario.right_article in cited(reply)


def wrong_guess(scenario: Scenario, reply: dict[str, Any]) -> bool:
    """A personalised reply that is wrong for this customer's goal."""
    if not reply.get("personalization"):
        return False
    if scenario.goal in ORDER_GOALS:
        about = orders_in(reply)
        return bool(about) and scenario.goal_order not in about
    articles = cited(reply) & {APPLIANCE_ARTICLE, PRODUCT_ARTICLE}
    return bool(articles) and scenario.right_article not in articles


# --- the scripted customer ------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The customer's habits that are not choices of a scenario."""

    max_turns: int = 6
    # Answer "yes" to "Is this about order X?" when X is the order to return; False: ask
    # for the return straight away instead.
    returns_accept_offer: bool = True


@dataclass
class Script:
    """What the customer says next, given the assistant's last reply."""

    scenario: Scenario
    policy: Policy = field(default_factory=Policy)
    asked: int = 0
    reasons_given: int = 0
    items_named: int = 0

    def opening(self, greeting: dict[str, Any] | None) -> tuple[str, str | None]:
        """The first message, and the order the personal greeting offered (if any)."""
        offer = OFFER_RE.search(greeting["text"]) if greeting else None
        offered = offer.group(1) if offer else None
        goal = self.scenario
        accepts = goal.goal != "same_order_return" or self.policy.returns_accept_offer
        if offered is not None and offered == goal.goal_order and accepts:
            return goal.yes, offered
        return self.ask(), offered

    def ask(self) -> str:
        asks = self.scenario.asks
        text = asks[self.asked % len(asks)]
        self.asked += 1
        return text

    def react(self, reply: dict[str, Any]) -> str:
        goal = self.scenario
        if asks_for_reason(reply) and goal.goal == "same_order_return":
            reason = goal.reasons[self.reasons_given % len(goal.reasons)]
            self.reasons_given += 1
            return reason
        if asks_for_number(reply) and goal.goal_order is not None:
            return goal.give_number
        if reply["decision"] == "clarify":
            option = self._option(reply["text"])
            if option is not None:
                return option
        if goal.goal_order is not None and orders_in(reply) - {goal.goal_order}:
            return goal.correct_number
        if goal.goal == "warranty" and cited(reply) & {APPLIANCE_ARTICLE, PRODUCT_ARTICLE}:
            text = goal.item_asks[self.items_named % len(goal.item_asks)]
            self.items_named += 1
            return text
        return self.ask()

    def _option(self, text: str) -> str | None:
        wanted = GOAL_TITLES[self.scenario.goal]
        for number, title in OPTION_RE.findall(text):
            if any(w in title.lower() for w in wanted):
                return str(number)
        return None


# --- running conversations through the HTTP API ---------------------------------------------


class Customer:
    """One simulated customer talking to the assistant through the HTTP API."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def start(self, *, name: str | None = None, returning: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {returning}"} if returning else {}
        body = {"customer": {"name": name}} if name else None
        response = self.client.post("/v1/conversations", json=body, headers=headers)
        response.raise_for_status()
        started: dict[str, Any] = response.json()
        return started

    def say(self, conversation: dict[str, Any], text: str) -> dict[str, Any]:
        response = self.client.post(
            f"/v1/conversations/{conversation['conversation_id']}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {conversation['token']}"},
        )
        response.raise_for_status()
        reply: dict[str, Any] = response.json()
        return reply

    def consent(self, conversation: dict[str, Any]) -> None:
        response = self.client.put(
            "/v1/me/consents/personalization",
            json={"granted": True},
            headers={"Authorization": f"Bearer {conversation['token']}"},
        )
        response.raise_for_status()


def history(customer: Customer, scenario: Scenario, consent: bool) -> tuple[dict[str, Any], bool]:
    """The earlier conversation: ask about the order, give its number, get its status."""
    conversation = customer.start(name=scenario.name)
    if consent:
        customer.consent(conversation)
    reply = customer.say(conversation, scenario.history_opening)
    if asks_for_number(reply):
        reply = customer.say(conversation, scenario.history_order)
    ok = (reply.get("result") or {}).get("order_number") == scenario.history_order
    return conversation, ok


def run_scenario(
    client: TestClient, scenario: Scenario, *, consent: bool, policy: Policy | None = None
) -> Outcome:
    policy = policy or Policy()
    customer = Customer(client)
    earlier, history_ok = history(customer, scenario, consent)
    conversation = customer.start(returning=earlier["token"])
    outcome = Outcome(scenario.id, scenario.goal, consent, history_ok)
    script = Script(scenario, policy)
    text, outcome.offered_order = script.opening(conversation.get("personal_greeting"))
    outcome.accepted_offer = outcome.offered_order is not None and text == scenario.yes
    while True:
        reply = customer.say(conversation, text)
        outcome.turns += 1
        outcome.personalised_replies += bool(reply.get("personalization"))
        outcome.wrong_guesses += wrong_guess(scenario, reply)
        outcome.transcript.append(_exchange(text, reply))
        if resolved(scenario, reply):
            outcome.resolved = True
            return outcome
        if reply.get("conversation_status") == WAITING:
            outcome.handed_off = True
            return outcome
        if outcome.turns >= policy.max_turns:
            return outcome
        text = script.react(reply)


def _exchange(text: str, reply: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer": text,
        "assistant": reply["text"],
        "decision": reply["decision"],
        "intent": reply.get("intent"),
        "result": reply.get("result"),
        "citations": sorted(cited(reply)),
        "personalised": bool(reply.get("personalization")),
    }


def run_arms(
    client: TestClient, scenarios: Iterable[Scenario], policy: Policy | None = None
) -> dict[str, list[Outcome]]:
    """Every scenario with and without consent to personalization."""
    arms: dict[str, list[Outcome]] = {"personalised": [], "not_personalised": []}
    for scenario in scenarios:
        arms["personalised"].append(run_scenario(client, scenario, consent=True, policy=policy))
        arms["not_personalised"].append(
            run_scenario(client, scenario, consent=False, policy=policy)
        )
    return arms


# --- figures -------------------------------------------------------------------------------


def summarise(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    done = [o.turns for o in outcomes if o.resolved]
    wrong = [o for o in outcomes if o.wrong_guesses]
    return {
        "n": len(outcomes),
        "resolved": len(done),
        "resolution_rate": round(len(done) / len(outcomes), 3) if outcomes else None,
        "mean_turns": round(statistics.fmean(done), 2) if done else None,
        "median_turns": statistics.median(done) if done else None,
        "resolved_in_one": sum(t == 1 for t in done),
        "customer_messages": sum(o.turns for o in outcomes),
        "handed_off": sum(o.handed_off for o in outcomes),
        "personalised_replies": sum(o.personalised_replies for o in outcomes),
        "wrong_guesses": sum(o.wrong_guesses for o in outcomes),
        "conversations_with_wrong_guess": len(wrong),
        "wrong_guesses_corrected": sum(o.wrong_guesses for o in wrong if o.resolved),
        "wrong_guess_unresolved": sum(not o.resolved for o in wrong),
        "offers": sum(o.offered_order is not None for o in outcomes),
        "offers_accepted": sum(o.accepted_offer for o in outcomes),
        "history_failures": sum(not o.history_ok for o in outcomes),
    }


def paired(with_: Sequence[Outcome], without: Sequence[Outcome]) -> dict[str, int]:
    """Scenario by scenario: did personalisation save turns, cost turns, or change nothing?"""
    counts = {"fewer": 0, "same": 0, "more": 0, "only_personalised": 0, "only_not": 0}
    counts["neither"] = 0
    for a, b in zip(with_, without, strict=True):
        if a.resolved and b.resolved:
            key = "fewer" if a.turns < b.turns else "more" if a.turns > b.turns else "same"
        elif a.resolved or b.resolved:
            key = "only_personalised" if a.resolved else "only_not"
        else:
            key = "neither"
        counts[key] += 1
    return counts


def report(arms: dict[str, list[Outcome]]) -> dict[str, Any]:
    by_goal: dict[str, Any] = {}
    for goal in (*GOALS, "all"):
        chosen = {
            arm: [o for o in outcomes if goal in ("all", o.goal)] for arm, outcomes in arms.items()
        }
        if not chosen["personalised"]:
            continue
        by_goal[goal] = {
            **{arm: summarise(outcomes) for arm, outcomes in chosen.items()},
            "paired": paired(chosen["personalised"], chosen["not_personalised"]),
        }
    return by_goal


def warranty_breakdown(
    scenarios: Sequence[Scenario], arms: dict[str, list[Outcome]]
) -> dict[str, Any]:
    """Warranty outcomes by the right article (appliance or other product)."""
    rows: dict[str, Any] = {}
    for article in (APPLIANCE_ARTICLE, PRODUCT_ARTICLE):
        ids = {s.id for s in scenarios if s.goal == "warranty" and s.right_article == article}
        rows[article] = {
            arm: summarise([o for o in outcomes if o.scenario in ids])
            for arm, outcomes in arms.items()
        }
    return rows


def table(by_goal: dict[str, Any]) -> str:
    """Per goal and arm; "paired" compares each scenario's two runs (personalised first)."""
    head = (
        f"{'goal':19} {'arm':16} {'n':>4} {'resolved':>8} {'mean':>5} {'median':>6} "
        f"{'in 1':>4} {'pers.':>5} {'wrong':>5} {'corr.':>5}  paired fewer/same/more/won/lost"
    )
    lines = [head, "-" * len(head)]
    for goal, row in by_goal.items():
        for arm in ("personalised", "not_personalised"):
            s = row[arm]
            lines.append(
                f"{goal:19} {arm:16} {s['n']:>4} {s['resolution_rate']:>8.3f} "
                f"{_num(s['mean_turns']):>5} {_num(s['median_turns']):>6} "
                f"{s['resolved_in_one']:>4} {s['personalised_replies']:>5} "
                f"{s['conversations_with_wrong_guess']:>5} "
                f"{_corrected(s):>5}{_pairs(row['paired']) if arm == 'personalised' else ''}"
            )
    return "\n".join(lines)


def _corrected(summary: dict[str, Any]) -> int:
    return int(summary["conversations_with_wrong_guess"] - summary["wrong_guess_unresolved"])


def _pairs(pair: dict[str, int]) -> str:
    keys = ("fewer", "same", "more", "only_personalised", "only_not")
    return "  " + "/".join(str(pair[k]) for k in keys)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@contextmanager
def demo_client() -> Iterator[TestClient]:
    """A fresh data directory with the demo store and its trained model, served in-process."""
    data_dir = Path(tempfile.mkdtemp(prefix="confide-personalization-bench-"))
    settings = Settings(
        data_dir=data_dir,
        retention_check_seconds=0,
        alert_check_seconds=0,
        self_audit_seconds=0,
        learning_retrain_seconds=0,
        learning_unlearn_seconds=0,
    )
    runtime = initialise(settings)
    try:
        load_demo(runtime)
        with TestClient(create_app(runtime=runtime)) as client:
            yield client
    finally:
        runtime.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def run(customers: int, seed: int, policy: Policy) -> tuple[dict[str, Any], list[Outcome]]:
    scenarios = build_scenarios(customers, seed, demo_orders())
    started = time.perf_counter()
    with demo_client() as client:
        arms = run_arms(client, scenarios, policy)
    elapsed = time.perf_counter() - started
    result = {
        "settings": {"customers": customers, "seed": seed, **asdict(policy)},
        "machine": machine(),
        "seconds": round(elapsed, 1),
        "by_goal": report(arms),
        "warranty_by_article": warranty_breakdown(scenarios, arms),
    }
    return result, [o for outcomes in arms.values() for o in outcomes]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-turns", type=int, default=6)
    parser.add_argument(
        "--returns-state-need",
        action="store_true",
        help='customers returning an order ask for the return instead of saying "yes" to the '
        "offer of that order",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--out", type=Path, help="also write the JSON document here")
    parser.add_argument("--transcripts", type=Path, help="write every conversation (JSON lines)")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)  # the per-request access log
    policy = Policy(args.max_turns, returns_accept_offer=not args.returns_state_need)
    result, outcomes = run(args.customers, args.seed, policy)
    document = json.dumps(result, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(document + "\n", encoding="utf-8")
    if args.transcripts:
        args.transcripts.parent.mkdir(parents=True, exist_ok=True)
        with args.transcripts.open("w", encoding="utf-8") as out:
            for outcome in outcomes:
                out.write(json.dumps(asdict(outcome)) + "\n")
    if args.json:
        print(document)
    else:
        print(table(result["by_goal"]))
        print(f"\n{result['seconds']} s on {result['machine']['cpu']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
