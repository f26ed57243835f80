"""Access anomalies, as pure functions over what the audit log and the metrics show.

- ``access-rate``: a staff member read or revealed far more customers in the last window
  than in their busiest window of the baseline period (a new member: than ``min_subjects``).
- ``denials``: one actor refused again and again (wrong passwords, forbidden actions).
- ``decrypt-spike``: this worker decrypted far more in the last check interval than usual.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median


@dataclass(frozen=True)
class AlertRules:
    window_minutes: int = 60
    baseline_days: int = 7
    rate_factor: float = 3.0
    min_subjects: int = 20
    max_denials: int = 10
    decrypt_factor: float = 5.0
    min_decrypts: int = 1000


@dataclass(frozen=True)
class Alert:
    kind: str
    actor: str
    detail: str

    @property
    def key(self) -> str:
        """What identifies the same alert again, while it stands (the start of the reason)."""
        return f"{self.kind} {self.actor}"

    @property
    def reason(self) -> str:
        return f"{self.key}: {self.detail}"


@dataclass(frozen=True)
class Read:
    """One staff read or reveal of a customer's data (from the audit log)."""

    actor: str
    subject: str
    at: datetime


def access_rate_alerts(reads: Iterable[Read], now: datetime, rules: AlertRules) -> list[Alert]:
    window = timedelta(minutes=rules.window_minutes)
    start = now - window
    current: dict[str, set[str]] = defaultdict(set)
    baseline: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for read in reads:
        if read.at > start:
            current[read.actor].add(read.subject)
        else:
            bucket = int((start - read.at) / window)
            baseline[read.actor][bucket].add(read.subject)
    alerts = []
    for actor, subjects in sorted(current.items()):
        usual = max((len(s) for s in baseline[actor].values()), default=0)
        if len(subjects) >= rules.min_subjects and len(subjects) > rules.rate_factor * usual:
            detail = (
                f"read {len(subjects)} customers in {rules.window_minutes} min "
                f"(busiest window in {rules.baseline_days} days: {usual})"
            )
            alerts.append(Alert("access-rate", actor, detail))
    return alerts


def denial_alerts(denials: Iterable[str], rules: AlertRules) -> list[Alert]:
    """``denials``: the actor of each refusal within the window."""
    counts: dict[str, int] = defaultdict(int)
    for actor in denials:
        counts[actor] += 1
    return [
        Alert("denials", actor, f"{n} refusals in {rules.window_minutes} min")
        for actor, n in sorted(counts.items())
        if n >= rules.max_denials
    ]


MIN_INTERVALS = 3


class DecryptSpikes:
    """Decrypts per check interval against the median of the previous intervals."""

    def __init__(self, rules: AlertRules, history: int = 24) -> None:
        self._rules = rules
        self._history = history
        self._last_total: float | None = None
        self._deltas: list[float] = []

    def observe(self, total: float) -> list[Alert]:
        previous, self._last_total = self._last_total, total
        if previous is None:
            return []
        delta = max(total - previous, 0.0)
        learning = len(self._deltas) < MIN_INTERVALS  # no usual rate to compare with yet
        usual = median(self._deltas) if self._deltas else 0.0
        self._deltas = [*self._deltas, delta][-self._history :]
        if learning:
            return []
        if delta >= self._rules.min_decrypts and delta > self._rules.decrypt_factor * usual:
            detail = f"{int(delta)} decrypts in one check interval (usual: {int(usual)})"
            return [Alert("decrypt-spike", "system", detail)]
        return []
