"""The retention job while the server runs: every ``CONFIDE_RETENTION_CHECK_SECONDS`` (and
once at startup), on the runtime's clock. 0 turns it off (`confide retention run` still
works). Several workers may run it at once: each takes rows the others have not locked."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from confide.periodic import PeriodicTimer
from confide.retention.periods import RetentionPeriods
from confide.retention.schemas import RetentionReport
from confide.retention.service import run_retention

log = logging.getLogger(__name__)


class RetentionScheduler:
    def __init__(self, run: Callable[[], RetentionReport], *, interval_seconds: float) -> None:
        self._run = run
        self._timer = PeriodicTimer(interval_seconds)
        self._busy = threading.Lock()
        self.last_report: RetentionReport | None = None

    @property
    def runs(self) -> int:
        """How many runs have completed (successfully or not)."""
        return self._timer.runs

    def run_once(self) -> RetentionReport | None:
        with self._busy:
            return self._run_once()

    def settle(self) -> None:
        """Wait for a run in progress to finish (before the engine is closed)."""
        with self._busy:
            pass

    def _run_once(self) -> RetentionReport | None:
        report: RetentionReport | None = None
        try:
            report = self._run()
        except Exception as exc:  # the next run may succeed; never stop the server
            log.error("retention run failed: %s", type(exc).__name__)
        if report is not None:
            self.last_report = report
            if report.total:
                counts = {k: c.counts for k, c in report.categories.items() if c.counts}
                log.info("retention deleted expired data: %s", counts)
        self._timer.count_run()
        return report

    def bind(self) -> None:
        self._timer.bind()

    async def run(self) -> None:
        """Run now, then every interval (or when woken) until cancelled."""
        while True:
            await asyncio.to_thread(self.run_once)
            await self._timer.sleep()

    def wake(self) -> None:
        """Run now (thread-safe), e.g. from a test that moved its clock forward."""
        self._timer.wake()

    def wait_for_runs(self, count: int, timeout: float) -> bool:
        return self._timer.wait_for_runs(count, timeout)


@asynccontextmanager
async def retention_lifespan(app: Any) -> AsyncIterator[None]:
    """Lifespan part: a background task that runs the job, unless the interval is 0.

    Needs ``app.state.runtime``. The first run starts in the background, so startup does not
    wait for a backlog to be deleted.
    """
    runtime = app.state.runtime
    settings = runtime.settings
    app.state.retention = None
    if settings.retention_check_seconds <= 0:
        yield
        return
    periods = RetentionPeriods.from_settings(settings)
    scheduler = RetentionScheduler(
        lambda: run_retention(runtime.sessions, periods, runtime.clock(), audit=runtime.audit),
        interval_seconds=settings.retention_check_seconds,
    )
    app.state.retention = scheduler
    scheduler.bind()
    task = asyncio.create_task(scheduler.run())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        # A cancelled task leaves its worker thread running: let it finish its transaction.
        await asyncio.to_thread(scheduler.settle)
