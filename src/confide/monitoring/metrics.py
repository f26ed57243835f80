"""The instruments, in a registry of their own per runtime (tests build many apps)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import get_args

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from confide.conversations.schemas import ReplyOut
from confide.monitoring.repository import count_rights_requests
from confide.rights.queue import STATUSES, TYPES
from confide.vault import Purpose

log = logging.getLogger(__name__)

Work = Callable[[], AbstractContextManager[Session]]

DECISIONS: tuple[str, ...] = get_args(ReplyOut.model_fields["decision"].annotation)
# Anything else a client sends as a method is counted as "other": labels stay bounded.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    """Every Confide instrument; ``work`` (a unit of work) lets a scrape count rights
    requests in the database."""

    def __init__(self, work: Work | None = None) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "confide_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "confide_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["route"],
            registry=registry,
        )
        self.decisions = Counter(
            "confide_assistant_decisions",
            "Assistant replies by decision.",
            ["decision"],
            registry=registry,
        )
        self.handoffs = Counter(
            "confide_handoffs", "Assistant replies that hand over to a person.", registry=registry
        )
        self.decrypts = Counter(
            "confide_vault_decrypts",
            "Fields of personal data decrypted, by purpose.",
            ["purpose"],
            registry=registry,
        )
        self.consent_changes = Counter(
            "confide_consent_changes",
            "Consent decisions recorded, by purpose and decision (grant or withdraw).",
            ["purpose", "decision"],
            registry=registry,
        )
        _start_at_zero(self.decisions, DECISIONS)
        _start_at_zero(self.decrypts, (p.value for p in Purpose))
        if work is not None:
            registry.register(RightsRequestsCollector(work))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def count_decision(self, decision: str) -> None:
        self.decisions.labels(decision).inc()
        if decision == "handoff":
            self.handoffs.inc()

    def count_decrypt(self, purpose: str) -> None:
        self.decrypts.labels(str(purpose)).inc()

    def total_decrypts(self) -> float:
        """Decrypts so far in this process, every purpose (the alerts watch for spikes)."""
        return sum(
            sample.value
            for metric in self.decrypts.collect()
            for sample in metric.samples
            if sample.name.endswith("_total")
        )

    def count_consent(self, purpose: str, granted: bool) -> None:
        self.consent_changes.labels(purpose, "grant" if granted else "withdraw").inc()

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)


def _start_at_zero(counter: Counter, values: Iterable[str]) -> None:
    # A series that exists from the start makes rate() and absent-value alerts work.
    for value in values:
        counter.labels(value)


class RightsRequestsCollector(Collector):
    """``confide_rights_requests{kind, state}``: counted in the database at each scrape."""

    NAME = "confide_rights_requests"
    HELP = "Data-subject rights requests by kind and state."

    def __init__(self, work: Work) -> None:
        self._work = work

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(self.NAME, self.HELP, labels=["kind", "state"])]

    def collect(self) -> Iterator[Metric]:
        try:
            with self._work() as session:
                counts = count_rights_requests(session)
        except SQLAlchemyError as exc:
            # The other metrics are still worth a scrape while the database is away.
            log.warning("could not count rights requests: %s", type(exc).__name__)
            return
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["kind", "state"])
        known = {(kind, state): 0 for kind in TYPES for state in STATUSES}
        for (kind, state), count in {**known, **counts}.items():
            family.add_metric([kind, state], count)
        yield family
