"""The learning loop on BANKING77: start from a few examples per intent, replay customer
messages through the real pipeline with simulated feedback, approve what it proposes,
retrain round after round, and plot accuracy per round.

Usage:
    python benchmarks/bench_learning_loop.py [--data DIR] [--base-per-intent 10]
        [--rounds 8] [--customers 600] [--consent-rate 0.8] [--withdraw-round 4]
        [--withdraw-share 0.25] [--operator correct|blind] [--seed 0]
        [--out benchmarks/out/learning_loop.json] [--plot benchmarks/learning_loop.png]

DIR holds BANKING77's train.csv and test.csv (never copied into the repository).

What is simulated (everything else is the product's own code, through its HTTP API):
- The company: one help article per intent (a generated title and sentence) and, as
  ``confide train`` would be given, ``--base-per-intent`` examples per intent from the
  official train split; 20 % of them become the held-out set.
- Customers: each takes one message from the rest of the train split (in a seeded random
  order), starts a conversation and, with probability ``--consent-rate``, consents to
  ``improvement``. The customer knows the true intent. A right answer gets a thumbs up on
  that message (``POST /feedback``; collection makes it a phrasing). A clarifying question
  listing the right intent gets the option's number; a wrong answer gets a thumbs down (a
  knowledge gap), and then, like a rejection or a clarifying question without the right
  option, one rephrasing: another message of the same intent from the pool (collection
  makes the first wording a phrasing of the intent finally answered). A handoff ends it.
- The operator: approves every pending phrasing; with ``--operator correct`` (default) it
  first corrects the intent to the true one when the proposal is wrong, as a careful
  reviewer would; with ``blind`` it approves the proposal as it is. Gaps stay pending.
- At round ``--withdraw-round``, ``--withdraw-share`` of the customers whose examples were
  approved withdraw consent (``PUT /v1/me/consents/improvement``); their examples are
  deleted and the next model must not contain them (checked with the registry's lineage).
After each round, ``retrain`` trains a candidate and promotes it only if its held-out
accuracy does not drop by more than the tolerance. The active model is then scored on
BANKING77's official test split (3,080 messages), which nothing trains on.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from confide.app import create_app
from confide.bootstrap import DEMO_NOTICE, initialise
from confide.config import Settings
from confide.consent.notices import publish_notice_if_none
from confide.intents.service import load_model, train_and_save
from confide.knowledge.articles import Article
from confide.knowledge.service import import_articles
from confide.learning import proposals, registry, repository
from confide.learning.retrain import lineage, register_trained, retrain
from confide.nlu import LabelledText, evaluate, read_labelled_csv
from confide.runtime import Runtime

sys.path.insert(0, str(Path(__file__).parent))
from machine_info import machine

DEFAULT_DATA = Path(os.environ.get("CONFIDE_BANKING77", "/work/shared/data/banking77"))
OPERATOR = "operator:bench"


def title(intent: str) -> str:
    return intent.replace("_", " ").capitalize()


def articles(intents: list[str]) -> list[Article]:
    return [
        Article(
            id=intent.replace("_", "-"),
            title=title(intent),
            body=f"Our help article about {title(intent).lower()}.",
            intent=intent,
        )
        for intent in intents
    ]


def split_base(
    rows: list[LabelledText], per_intent: int, rng: random.Random
) -> tuple[list[LabelledText], list[LabelledText]]:
    by_intent: dict[str, list[LabelledText]] = defaultdict(list)
    for row in rows:
        by_intent[row.intent].append(row)
    base, pool = [], []
    for intent in sorted(by_intent):
        group = by_intent[intent][:]
        rng.shuffle(group)
        base += group[:per_intent]
        pool += group[per_intent:]
    rng.shuffle(pool)
    return base, pool


@dataclass
class Pool:
    """Customer messages not yet used: in order, and by intent for rephrasings."""

    order: deque[LabelledText]
    by_intent: dict[str, deque[LabelledText]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, rows: list[LabelledText]) -> Pool:
        by_intent: dict[str, deque[LabelledText]] = defaultdict(deque)
        for row in rows:
            by_intent[row.intent].append(row)
        return cls(deque(rows), dict(by_intent))

    def next(self) -> LabelledText | None:
        while self.order:
            row = self.order.popleft()
            if id(row) not in self.used:
                self.used.add(id(row))
                return row
        return None

    def another(self, intent: str) -> LabelledText | None:
        queue = self.by_intent.get(intent, deque())
        while queue:
            row = queue.pop()
            if id(row) not in self.used:
                self.used.add(id(row))
                return row
        return None


@dataclass
class Customer:
    conversation_id: str
    subject_id: str
    token: str
    consented: bool

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class RoundStats:
    customers: int = 0
    first_right: int = 0
    messages: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    rephrased: int = 0
    clarified: int = 0
    handoffs: int = 0


class Simulation:
    def __init__(self, client: TestClient, pool: Pool, rng: random.Random, consent_rate: float):
        self.client = client
        self.pool = pool
        self.rng = rng
        self.consent_rate = consent_rate
        self.truth: dict[str, str] = {}  # conversation id -> true intent
        self.consenting: list[Customer] = []

    def start(self) -> Customer:
        body = self.client.post("/v1/conversations", json={}).json()
        customer = Customer(
            body["conversation_id"],
            body["subject_id"],
            body["token"],
            self.rng.random() < self.consent_rate,
        )
        if customer.consented:
            self.consent(customer, True)
            self.consenting.append(customer)
        return customer

    def consent(self, customer: Customer, granted: bool) -> None:
        response = self.client.put(
            "/v1/me/consents/improvement", json={"granted": granted}, headers=customer.headers
        )
        response.raise_for_status()

    def say(self, customer: Customer, text: str, stats: RoundStats) -> dict[str, Any]:
        stats.messages += 1
        response = self.client.post(
            f"/v1/conversations/{customer.conversation_id}/messages",
            json={"text": text},
            headers=customer.headers,
        )
        response.raise_for_status()
        reply: dict[str, Any] = response.json()
        return reply

    def rate(self, customer: Customer, reply: dict[str, Any], rating: str) -> None:
        response = self.client.post(
            f"/v1/conversations/{customer.conversation_id}/feedback",
            json={"rating": rating, "message_id": reply["message_id"]},
            headers=customer.headers,
        )
        response.raise_for_status()

    def customer_round(self, count: int) -> RoundStats:
        stats = RoundStats()
        for _ in range(count):
            row = self.pool.next()
            if row is None:
                break
            stats.customers += 1
            customer = self.start()
            self.truth[customer.conversation_id] = row.intent
            reply = self.say(customer, row.text, stats)
            if _right(reply, row.intent):
                stats.first_right += 1
            self.react(customer, row.intent, reply, stats, retries=1)
        return stats

    def react(
        self, customer: Customer, truth: str, reply: dict[str, Any], stats: RoundStats, retries: int
    ) -> None:
        decision = reply["decision"]
        if _right(reply, truth):
            self.rate(customer, reply, "up")
            stats.thumbs_up += 1
            return
        if decision == "handoff":
            stats.handoffs += 1
            return
        if decision == "clarify":
            option = _option(reply["text"], title(truth))
            if option is not None:
                stats.clarified += 1
                chosen = self.say(customer, option, stats)
                self.react(customer, truth, chosen, stats, retries=0)
                return
        elif decision == "answer":
            self.rate(customer, reply, "down")
            stats.thumbs_down += 1
        rephrasing = self.pool.another(truth) if retries else None
        if rephrasing is not None:
            stats.rephrased += 1
            again = self.say(customer, rephrasing.text, stats)
            self.react(customer, truth, again, stats, retries=retries - 1)


def _right(reply: dict[str, Any], truth: str) -> bool:
    return reply["decision"] == "answer" and reply["intent"] == truth


def _option(text: str, wanted: str) -> str | None:
    for number in ("1", "2"):
        if f"{number}) {wanted}" in text:
            return number
    return None


def review_all(runtime: Runtime, truth: dict[str, str], operator: str) -> dict[str, int]:
    counts = {"approved": 0, "relabelled": 0}
    with runtime.work() as session:
        for example in repository.examples(session, status="pending", kind="phrasing"):
            true_intent = truth[str(example.conversation_id)]
            relabel = operator == "correct" and example.intent != true_intent
            proposals.review(
                session,
                runtime.learning,
                example.id,
                approve=True,
                actor=OPERATOR,
                intent=true_intent if relabel else None,
            )
            counts["approved"] += 1
            counts["relabelled"] += int(relabel)
    return counts


def withdraw(sim: Simulation, runtime: Runtime, share: float) -> list[Customer]:
    with runtime.work() as session:
        contributors = {str(e.subject_id) for e in repository.examples(session, status="approved")}
    eligible = [c for c in sim.consenting if c.subject_id in contributors]
    leaving = sim.rng.sample(eligible, round(len(eligible) * share))
    for customer in leaving:
        sim.consent(customer, False)
    return leaving


def test_scores(runtime: Runtime, test: list[LabelledText]) -> dict[str, float]:
    model = load_model(runtime.settings)
    predictions = model.predict_many([row.text for row in test])
    top1 = sum(p.ranking[0][0] == row.intent for p, row in zip(predictions, test, strict=True))
    return {
        "test_top1": top1 / len(test),
        "test_with_rejection": evaluate(model, test).accuracy,
    }


def active_lineage(runtime: Runtime) -> dict[str, Any]:
    with runtime.work() as session:
        version = registry.active_version(session)
        assert version is not None
        return {
            "active": version.id,
            "examples": len(version.example_ids),
            "contributors": len(version.contributors),
            "heldout_accuracy": version.metrics.get("accuracy"),
            "heldout_n": version.metrics.get("n"),
        }


def setup(settings: Settings, base: list[LabelledText]) -> Runtime:
    runtime = initialise(settings, company="Example Bank")
    intents = sorted({row.intent for row in base})
    with runtime.work() as session:
        import_articles(session, articles(intents))
        publish_notice_if_none(session, DEMO_NOTICE.read_text(encoding="utf-8"))
    train_and_save(settings, base)  # what `confide train --examples` does
    register_trained(runtime, base, actor=OPERATOR)
    runtime.reload_assistant()
    return runtime


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    train = read_labelled_csv(args.data / "train.csv")
    test = read_labelled_csv(args.data / "test.csv")
    base, pool_rows = split_base(train, args.base_per_intent, rng)
    data_dir = Path(tempfile.mkdtemp(prefix="confide-learning-bench-"))
    settings = Settings(
        data_dir=data_dir,
        retention_check_seconds=0,
        alert_check_seconds=0,
        self_audit_seconds=0,
        learning_retrain_seconds=0,
        learning_unlearn_seconds=0,
    )
    runtime = setup(settings, base)
    rounds = [{"round": 0, **test_scores(runtime, test), **active_lineage(runtime)}]
    print(json.dumps(rounds[0]), flush=True)
    with TestClient(create_app(runtime=runtime)) as client:
        sim = Simulation(client, Pool.of(pool_rows), rng, args.consent_rate)
        for number in range(1, args.rounds + 1):
            rounds.append(one_round(number, sim, runtime, test, args))
            print(json.dumps(rounds[-1]), flush=True)
    runtime.close()
    shutil.rmtree(data_dir)
    return {
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "base_examples": len(base),
        "heldout": rounds[0].get("heldout_n"),
        "machine": machine(),
        "rounds": rounds,
    }


def one_round(
    number: int, sim: Simulation, runtime: Runtime, test: list[LabelledText], args: Any
) -> dict[str, Any]:
    started = time.perf_counter()
    stats = sim.customer_round(args.customers)
    simulated = time.perf_counter() - started
    leaving = withdraw(sim, runtime, args.withdraw_share) if number == args.withdraw_round else []
    reviewed = review_all(runtime, sim.truth, args.operator)
    started = time.perf_counter()
    result = retrain(runtime, actor=OPERATOR)
    retrain_seconds = time.perf_counter() - started
    with runtime.work() as session:
        still_in = sum(
            lineage(session, runtime.audit, uuid.UUID(c.subject_id))["active_contains"]
            for c in leaving
        )
    return {
        "round": number,
        **vars(stats),
        "live_first_message_accuracy": stats.first_right / max(stats.customers, 1),
        **reviewed,
        "withdrawn_customers": len(leaving),
        "withdrawn_still_in_active_model": still_in,
        "promoted": result.promoted,
        "forced": result.forced,
        "candidate_heldout_accuracy": result.candidate["metrics"]["accuracy"],
        "previous_heldout_accuracy": (result.active or {}).get("metrics", {}).get("accuracy"),
        **test_scores(runtime, test),
        **active_lineage(runtime),
        "simulate_seconds": round(simulated, 1),
        "retrain_seconds": round(retrain_seconds, 1),
    }


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rounds = report["rounds"]
    x = [r["round"] for r in rounds]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True, height_ratios=[3, 2])
    top.plot(x, [r["test_top1"] for r in rounds], "o-", label="test top-1 (active model)")
    top.plot(x, [r["test_with_rejection"] for r in rounds], "s--", label="test, rejection = wrong")
    top.plot(x, [r["heldout_accuracy"] for r in rounds], "^-", label="held-out (gate)")
    live = [(r["round"], r["live_first_message_accuracy"]) for r in rounds if r["round"] > 0]
    top.plot(
        [r for r, _ in live],
        [a for _, a in live],
        "d:",
        label="live: first message answered right (model of the previous round)",
    )
    for r in rounds:
        if r["round"] > 0 and not r["promoted"]:
            top.annotate(
                "rejected",
                (r["round"], r["test_top1"]),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
            )
        if r.get("withdrawn_customers"):
            for axis in (top, bottom):
                axis.axvline(r["round"], color="grey", linestyle=":", linewidth=1)
            bottom.annotate(
                f"{r['withdrawn_customers']} customers withdrew:\ntheir examples unlearned",
                (r["round"], r["examples"]),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
    top.set_ylim(0.5, 1)
    top.set_ylabel("accuracy")
    top.set_title(
        f"Confide learning loop on BANKING77: {report['base_examples']} base examples, "
        f"{report['settings']['customers']} customers a round"
    )
    top.legend(fontsize=8, loc="lower right")
    top.grid(alpha=0.3)
    bottom.bar(x, [r["examples"] for r in rounds], color="tab:green", alpha=0.7)
    bottom.set_ylabel("approved examples\nin the active model")
    bottom.set_xlabel("round (0: base model only)")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--base-per-intent", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--customers", type=int, default=600)
    parser.add_argument("--consent-rate", type=float, default=0.8)
    parser.add_argument("--withdraw-round", type=int, default=4)
    parser.add_argument("--withdraw-share", type=float, default=0.25)
    parser.add_argument("--operator", choices=["correct", "blind"], default="correct")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/learning_loop.json"))
    parser.add_argument("--plot", type=Path, default=Path("benchmarks/learning_loop.png"))
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the per-request access log
    if not (args.data / "train.csv").exists():
        print(f"no BANKING77 data in {args.data} (see --data)", file=sys.stderr)
        return 2
    report = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    plot(report, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
