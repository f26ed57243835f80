"""The retention job while the server runs: every ``CONFIDE_RETENTION_CHECK_SECONDS`` (and
once at startup), on the runtime's clock. 0 turns it off (`confide retention run` still
works). Several workers may run it at once: each takes rows the others have not locked."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from confide.periodic import PeriodicJob, periodic_lifespan
from confide.retention.periods import RetentionPeriods
from confide.retention.schemas import RetentionReport
from confide.retention.service import run_retention

log = logging.getLogger(__name__)


class RetentionScheduler(PeriodicJob[RetentionReport]):
    @property
    def last_report(self) -> RetentionReport | None:
        return self.last


def _logged(report: RetentionReport) -> RetentionReport:
    if report.total:
        counts = {k: c.counts for k, c in report.categories.items() if c.counts}
        log.info("retention deleted expired data: %s", counts)
    return report


@asynccontextmanager
async def retention_lifespan(app: Any) -> AsyncIterator[None]:
    """Lifespan part: a background task that runs the job, unless the interval is 0.

    Needs ``app.state.runtime``. The first run starts in the background, so startup does not
    wait for a backlog to be deleted.
    """
    runtime = app.state.runtime
    settings = runtime.settings
    scheduler = None
    if settings.retention_check_seconds > 0:
        periods = RetentionPeriods.from_settings(settings)
        scheduler = RetentionScheduler(
            "retention run",
            lambda: _logged(
                run_retention(runtime.sessions, periods, runtime.clock(), audit=runtime.audit)
            ),
            interval_seconds=settings.retention_check_seconds,
        )
    app.state.retention = scheduler
    async with periodic_lifespan(scheduler):
        yield
