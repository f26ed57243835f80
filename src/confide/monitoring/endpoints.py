from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from confide.deps import BearerToken, RuntimeDep
from confide.monitoring.access import authorize_scrape

router = APIRouter(tags=["monitoring"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "JSON error {error, detail}: the metrics token is missing or wrong"},
    403: {"description": "JSON error {error, detail}: this address may not read the metrics"},
}


@router.get("/metrics", response_class=Response, responses=ERRORS)
def metrics(request: Request, runtime: RuntimeDep, token: BearerToken) -> Response:
    """Prometheus metrics, for the addresses in CONFIDE_METRICS_ALLOW (loopback by default)
    and, when CONFIDE_METRICS_TOKEN is set, with that bearer token."""
    settings = runtime.settings
    host = request.client.host if request.client else None
    authorize_scrape(
        host, token, allow=settings.metrics_allow, expected_token=settings.metrics_token
    )
    return Response(runtime.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
