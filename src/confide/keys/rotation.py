"""Automatic master key rotation while the server runs.

Every worker checks at startup and then every ``CONFIDE_KEY_ROTATION_CHECK_SECONDS``; the
first to find the active version older than ``CONFIDE_KEY_ROTATION_DAYS`` rotates (the
keyring file is locked and refuses a stale writer, so two workers never both rotate), the
others pick the new version up from the file. A master key from the environment cannot be
rotated: the check logs a warning instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from confide.crypto import Keyring, KeyringError
from confide.keys.service import rotation_due
from confide.periodic import PeriodicTimer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RotationCheck:
    """What one check did: ``rotated`` names the new version; ``due`` without it means the
    key could not be rotated (environment key, or the file could not be written)."""

    due: bool
    rotated: str | None = None


class RotationScheduler:
    """Checks the active version's age against the rotation period, on a clock it is given."""

    def __init__(
        self,
        keyring: Keyring,
        *,
        period_days: int,
        interval_seconds: float,
        clock: Callable[[], datetime],
        on_rotated: Callable[[str], None] | None = None,
    ) -> None:
        self._keyring = keyring
        self._on_rotated = on_rotated
        self._period_days = period_days
        self._timer = PeriodicTimer(interval_seconds)
        self._clock = clock
        self._warned_environment = False

    @property
    def checks(self) -> int:
        """How many checks have completed."""
        return self._timer.runs

    def check(self) -> RotationCheck:
        """Rotate now if the active version is older than the rotation period."""
        try:
            result = self._check()
        finally:
            self._timer.count_run()
        return result

    def _check(self) -> RotationCheck:
        try:
            self._keyring.refresh()
        except KeyringError as exc:
            log.warning("automatic key rotation: could not reload the keyring: %s", exc)
        if not rotation_due(self._keyring, self._period_days, self._clock()):
            return RotationCheck(due=False)
        if self._keyring.path is None:
            if not self._warned_environment:
                log.warning(
                    "the master key from CONFIDE_MASTER_KEY is older than the rotation period "
                    "of %d days and cannot be rotated in place; move to a keyring file",
                    self._period_days,
                )
                self._warned_environment = True
            return RotationCheck(due=True)
        try:
            new = self._keyring.rotate()
        except KeyringError as exc:
            # Usually another worker rotated first; the next check reloads its version.
            log.warning("automatic key rotation did not rotate: %s", exc)
            return RotationCheck(due=True)
        log.info("rotated the master key: %s is now active", new.id)
        if self._on_rotated is not None:
            self._on_rotated(new.id)
        return RotationCheck(due=True, rotated=new.id)

    def bind(self) -> None:
        """Attach to the running event loop, so :meth:`wake` works before :meth:`run` starts."""
        self._timer.bind()

    async def run(self) -> None:
        """Check every interval (or when woken) until cancelled."""
        while True:
            await self._timer.sleep()
            try:
                # File I/O and fsync: off the event loop.
                await asyncio.to_thread(self.check)
            except Exception as exc:  # keep checking; the next hour may succeed
                log.error("automatic key rotation check failed: %s", type(exc).__name__)

    def wake(self) -> None:
        """Check now (thread-safe), e.g. from a test that moved its clock forward."""
        self._timer.wake()

    def wait_for_checks(self, count: int, timeout: float) -> bool:
        """Block until ``count`` checks have completed; False on timeout."""
        return self._timer.wait_for_runs(count, timeout)


def _audit_rotation(runtime: Any, version: str) -> None:
    with runtime.work() as session:
        reason = f"{version} is now active (automatic rotation)"
        runtime.audit.record(session, "keys.rotate", actor="system", reason=reason)


@asynccontextmanager
async def key_rotation_lifespan(app: Any) -> AsyncIterator[None]:
    """Lifespan part: check at startup, then in a background task until shutdown.

    Needs ``app.state.runtime`` (set by the application's own lifespan, which runs first).
    """
    runtime = app.state.runtime
    settings = runtime.settings
    scheduler = RotationScheduler(
        runtime.keyring,
        period_days=settings.key_rotation_days,
        interval_seconds=settings.key_rotation_check_seconds,
        clock=runtime.clock,
        on_rotated=lambda version: _audit_rotation(runtime, version),
    )
    app.state.key_rotation = scheduler
    scheduler.bind()
    await asyncio.to_thread(scheduler.check)
    task = asyncio.create_task(scheduler.run())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
