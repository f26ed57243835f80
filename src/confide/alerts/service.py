"""Raise alerts: audit entries (``alert.raised``) that admins and auditors see, optionally
posted to a webhook. An alert that stands is raised once per window, not on every check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from confide.alerts import repository
from confide.alerts.rules import (
    Alert,
    AlertRules,
    DecryptSpikes,
    access_rate_alerts,
    denial_alerts,
)
from confide.audit import AuditLog
from confide.audit.models import AuditEntry
from confide.db import unit_of_work

log = logging.getLogger(__name__)
ALERT_ACTION = "alert.raised"


@dataclass
class AlertMonitor:
    sessions: sessionmaker[Session]
    audit: AuditLog
    clock: Callable[[], datetime]
    rules: AlertRules = field(default_factory=AlertRules)
    # Total decrypts so far in this worker (the metrics); None: no decrypt-spike check.
    decrypts: Callable[[], float] | None = None
    webhook_url: str | None = None
    webhook_timeout: float = 5.0
    _spikes: DecryptSpikes = field(init=False)

    def __post_init__(self) -> None:
        self._spikes = DecryptSpikes(self.rules)

    def check(self) -> list[Alert]:
        """Look for anomalies now; record (and post) the ones not already standing."""
        now = self.clock()
        window_start = now - timedelta(minutes=self.rules.window_minutes)
        with unit_of_work(self.sessions) as session:
            found = self._detect(session, now, window_start)
            standing = repository.recent_alert_reasons(session, ALERT_ACTION, window_start)
            new = [a for a in found if not any(r.startswith(a.key + ":") for r in standing)]
            for alert in new:
                self.audit.record(session, ALERT_ACTION, actor="system", reason=alert.reason)
        for alert in new:  # after the commit: the log holds it even if the post fails
            self._post(alert, now)
        return new

    def _detect(self, session: Session, now: datetime, window_start: datetime) -> list[Alert]:
        since = window_start - timedelta(days=self.rules.baseline_days)
        alerts = access_rate_alerts(repository.staff_reads(session, since), now, self.rules)
        alerts += denial_alerts(repository.denials(session, window_start), self.rules)
        if self.decrypts is not None:
            alerts += self._spikes.observe(self.decrypts())
        return alerts

    def _post(self, alert: Alert, now: datetime) -> None:
        if not self.webhook_url:
            return
        body = {"kind": alert.kind, "actor": alert.actor, "detail": alert.detail}
        try:
            response = httpx.post(
                self.webhook_url,
                json={**body, "at": now.isoformat(), "source": "confide"},
                timeout=self.webhook_timeout,
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("alert webhook failed: %s", type(exc).__name__)


def recent_alerts(session: Session, limit: int = 100) -> list[AuditEntry]:
    return repository.latest_alerts(session, ALERT_ACTION, limit)
