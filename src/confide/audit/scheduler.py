"""The self-audit while the server runs: every ``CONFIDE_SELF_AUDIT_SECONDS`` (0: off), then a
signed checkpoint of the audit chain.

The interval is counted from the last scheduled report in the audit log (or from startup when
there is none), so a server restarted more often than the interval still runs it, and a test
or a restart does not run it at once. With several workers, the first to find it due runs
it and the others then see its entry (two may, rarely, run together: harmless). The last
report is kept in ``app.state.self_audit.last_report`` for the admin pages.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from confide.audit import report_repository as queries
from confide.audit.report import AUDIT_ACTION, SelfAuditReport, run_self_audit
from confide.periodic import PeriodicJob, periodic_lifespan

if TYPE_CHECKING:
    from confide.runtime import Runtime

__all__ = ["SelfAuditScheduler", "self_audit_lifespan"]

log = logging.getLogger(__name__)

ACTOR = "system"
# How often the scheduler wakes to see whether a run is due (at most).
MAX_TICK_SECONDS = 3600.0


class SelfAuditScheduler(PeriodicJob[SelfAuditReport]):
    def __init__(self, runtime: Runtime, *, interval_seconds: float) -> None:
        super().__init__(
            "self-audit",
            self._run_if_due,
            interval_seconds=min(interval_seconds, MAX_TICK_SECONDS),
            run_at_start=False,
        )
        self._runtime = runtime
        self._interval = timedelta(seconds=interval_seconds)
        self._started = runtime.clock()

    @property
    def last_report(self) -> SelfAuditReport | None:
        return self.last

    def due(self) -> bool:
        last = _last_scheduled_run(self._runtime) or self._started
        return self._runtime.clock() - last >= self._interval

    def _run_if_due(self) -> SelfAuditReport | None:
        try:
            due = self.due()
        except Exception as exc:  # a database hiccup: try again at the next tick
            log.error("self-audit schedule check failed: %s", type(exc).__name__)
            return None
        return self._run() if due else None

    def _run(self) -> SelfAuditReport:
        """Run the self-audit now and sign a checkpoint."""
        report = run_self_audit(self._runtime, actor=ACTOR)
        with self._runtime.work() as session:
            self._runtime.audit.checkpoint(session)
        if report.ok:
            log.info("self-audit: every check passed")
        else:
            log.warning("self-audit: checks failed: %s", ", ".join(report.failed))
        return report


def _last_scheduled_run(runtime: Runtime) -> datetime | None:
    with runtime.work() as session:
        return queries.last_entry_at(session, AUDIT_ACTION, actor=ACTOR)


@asynccontextmanager
async def self_audit_lifespan(app: Any) -> AsyncIterator[None]:
    """Lifespan part: the scheduled self-audit in a background task, unless the interval
    is 0. Needs ``app.state.runtime``; sets ``app.state.self_audit`` (None when off)."""
    runtime = app.state.runtime
    interval = runtime.settings.self_audit_seconds
    scheduler = SelfAuditScheduler(runtime, interval_seconds=interval) if interval > 0 else None
    app.state.self_audit = scheduler
    async with periodic_lifespan(scheduler):
        yield
