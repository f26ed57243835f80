"""Alerts for admins and auditors, and the server's periodic check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from confide.alerts.rules import Alert
from confide.alerts.service import recent_alerts
from confide.deps import RuntimeDep
from confide.errors import error_responses
from confide.periodic import PeriodicJob
from confide.staff.endpoints import requires
from confide.staff.roles import Action
from confide.staff.service import Principal

router = APIRouter(prefix="/v1/alerts", tags=["audit"])


class AlertOut(BaseModel):
    seq: int
    at: datetime
    reason: str | None


@router.get(
    "",
    response_model=list[AlertOut],
    responses=error_responses(401, 403, 422),
)
def alerts(
    who: Annotated[Principal, requires(Action.ALERTS_READ)],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AlertOut]:
    """The latest access anomaly alerts, newest first."""
    with runtime.work() as session:
        return [
            AlertOut(seq=e.seq, at=e.at, reason=e.reason) for e in recent_alerts(session, limit)
        ]


def alert_job(app: Any) -> PeriodicJob[list[Alert]] | None:
    """The periodic anomaly check (None when ``alert_check_seconds`` is 0); on app.state."""
    runtime = app.state.runtime
    interval = runtime.settings.alert_check_seconds
    job = (
        PeriodicJob("alert check", runtime.alerts.check, interval_seconds=interval)
        if interval > 0
        else None
    )
    app.state.alerts = job
    return job
