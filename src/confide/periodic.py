"""What the server's background jobs (key rotation, retention) share: an interval that a
test or an operator can cut short, and a count of completed runs to wait on."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class PeriodicTimer:
    """Sleeps for the interval or until woken from any thread; counts completed runs."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval = interval_seconds
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done = threading.Condition()
        self._runs = 0

    @property
    def runs(self) -> int:
        return self._runs

    def bind(self) -> None:
        """Attach to the running event loop, so :meth:`wake` works before the loop sleeps."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()

    async def sleep(self) -> None:
        if self._wake is None:
            self.bind()
        assert self._wake is not None
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
        self._wake.clear()

    def wake(self) -> None:
        """End the current sleep now (thread-safe)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def count_run(self) -> None:
        with self._done:
            self._runs += 1
            self._done.notify_all()

    def wait_for_runs(self, count: int, timeout: float) -> bool:
        """Block until ``count`` runs have completed; False on timeout."""
        with self._done:
            return self._done.wait_for(lambda: self._runs >= count, timeout=timeout)


class PeriodicJob(Generic[T]):
    """A job the server runs every interval (and, with ``run_at_start``, at once), in a
    worker thread.

    A job that returns None had nothing to do: that is not counted as a run. A failing run
    is logged by exception type only (its message may quote data) and counted; the next run
    goes ahead. ``last`` keeps the latest result.
    """

    def __init__(
        self,
        name: str,
        job: Callable[[], T | None],
        *,
        interval_seconds: float,
        run_at_start: bool = True,
    ) -> None:
        self.name = name
        self._job = job
        self._timer = PeriodicTimer(interval_seconds)
        self._busy = threading.Lock()
        self._run_at_start = run_at_start
        self.last: T | None = None

    @property
    def runs(self) -> int:
        return self._timer.runs

    def run_once(self) -> T | None:
        with self._busy:
            try:
                result = self._job()
            except Exception as exc:
                log.error("%s failed: %s", self.name, type(exc).__name__)
                self._timer.count_run()
                return None
            if result is not None:
                self.last = result
                self._timer.count_run()
            return result

    def settle(self) -> None:
        """Wait for a run in progress to finish (before the engine is closed)."""
        with self._busy:
            pass

    async def run(self) -> None:
        if self._run_at_start:
            await asyncio.to_thread(self.run_once)
        while True:
            await self._timer.sleep()
            await asyncio.to_thread(self.run_once)

    def bind(self) -> None:
        self._timer.bind()

    def wake(self) -> None:
        """Run now (thread-safe), e.g. from a test that moved its clock forward."""
        self._timer.wake()

    def wait_for_runs(self, count: int, timeout: float) -> bool:
        return self._timer.wait_for_runs(count, timeout)


@asynccontextmanager
async def periodic_lifespan(job: PeriodicJob[Any] | None) -> AsyncIterator[None]:
    """Run ``job`` in the background for the server's lifetime (nothing when None)."""
    if job is None:
        yield
        return
    job.bind()
    task = asyncio.create_task(job.run())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        # A cancelled task leaves its worker thread running: let it finish its transaction.
        await asyncio.to_thread(job.settle)
