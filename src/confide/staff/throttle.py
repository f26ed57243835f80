"""Logins per client address per minute, in this process. The account lockout (in the
database) holds across workers; this slows down guessing across many accounts."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LoginThrottle:
    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = 10_000,
    ) -> None:
        self._limit = per_minute
        self._clock = clock
        self._max = max_addresses
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        """Count one attempt from ``address``; False once it is over the limit."""
        now = self._clock()
        with self._lock:
            if len(self._seen) >= self._max:
                self._forget_idle(now)
            attempts = self._seen.setdefault(address, deque())
            while attempts and attempts[0] <= now - 60:
                attempts.popleft()
            if len(attempts) >= self._limit:
                return False
            attempts.append(now)
            return True

    def _forget_idle(self, now: float) -> None:
        for address in [a for a, t in self._seen.items() if not t or t[-1] <= now - 60]:
            del self._seen[address]
