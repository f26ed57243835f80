"""Every HTTP request counted, timed and logged by its route template, never its raw path."""

from __future__ import annotations

import logging
import time

from starlette.types import Message, Receive, Scope, Send

from confide.asgi import HttpMiddleware
from confide.monitoring.metrics import Metrics

access_log = logging.getLogger("confide.access")

UNMATCHED = "unmatched"


class RequestMetrics(HttpMiddleware):
    """Counts and times each request and writes one ``confide.access`` line: method, route
    template, status and duration; no query string, no id, no client address."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            _record(scope, status, time.perf_counter() - started)


def _record(scope: Scope, status: int, seconds: float) -> None:
    method, route = scope["method"], route_template(scope)
    metrics = _metrics(scope)
    if metrics is not None:
        metrics.observe_request(method, route, status, seconds)
    millis = round(seconds * 1000, 1)
    fields = {"method": method, "route": route, "status": status, "duration_ms": millis}
    access_log.info("%s %s %d %.1f ms", method, route, status, millis, extra={"fields": fields})


def route_template(scope: Scope) -> str:
    """The path template of the route that served the request; ``unmatched`` when none did
    (an unknown path, or a body refused before routing)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def _metrics(scope: Scope) -> Metrics | None:
    runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
    metrics = getattr(runtime, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None
