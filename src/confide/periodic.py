"""What the server's background jobs (key rotation, retention) share: an interval that a
test or an operator can cut short, and a count of completed runs to wait on."""

from __future__ import annotations

import asyncio
import threading
from contextlib import suppress


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
