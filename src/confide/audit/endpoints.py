"""The audit log for the privacy officer (entries, verification) and the self-audit report
(auditors and admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from confide.audit import repository
from confide.audit.report import run_self_audit
from confide.db import MAX_INTEGER
from confide.deps import RuntimeDep
from confide.errors import NotFound, error_responses
from confide.staff.endpoints import requires
from confide.staff.roles import Action
from confide.staff.service import Principal

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, requires(Action.AUDIT_READ)]


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    reason: str | None
    outcome: str


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_after: int | None


@router.get("/entries", response_model=AuditPageOut, responses=error_responses(401, 403, 422))
def entries(
    who: Auditor,
    runtime: RuntimeDep,
    after: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditPageOut:
    """Entries in order, ``after`` a sequence number; reading the log is itself audited."""
    with runtime.work() as session:
        rows = repository.page(session, after=after, limit=limit, action=action)
        page = [
            AuditEntryOut(
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                action=e.action,
                subject=e.subject,
                reason=e.reason,
                outcome=e.outcome,
            )
            for e in rows
        ]
        runtime.audit.record(session, "audit.read", actor=who.actor)
    return AuditPageOut(entries=page, next_after=page[-1].seq if len(page) == limit else None)


@router.get("/verify", responses=error_responses(401, 403))
def verify(who: Auditor, runtime: RuntimeDep) -> dict[str, object]:
    """Recompute the chain and check the signed checkpoints: ``{ok, entries, first_bad}``."""
    with runtime.work() as session:
        return runtime.audit.verify(session).as_dict()


Reporter = Annotated[Principal, requires(Action.AUDIT_REPORT)]


@router.post("/report", responses=error_responses(401, 403))
def run_report(who: Reporter, runtime: RuntimeDep) -> dict[str, Any]:
    """Run the self-audit now: ``{ok, checks: [{name, ok, detail}], at}``."""
    return run_self_audit(runtime, actor=who.actor).as_dict()


@router.get("/report", responses=error_responses(401, 403, 404))
def last_report(who: Reporter, request: Request) -> dict[str, Any]:
    """The server's last scheduled self-audit."""
    scheduler = getattr(request.app.state, "self_audit", None)
    if scheduler is None or scheduler.last_report is None:
        raise NotFound("no scheduled self-audit has run since the server started")
    report: dict[str, Any] = scheduler.last_report.as_dict()
    return report
