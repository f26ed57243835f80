"""Reviewing what the assistant proposes to learn (admins)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from confide.deps import RuntimeDep
from confide.errors import error_responses
from confide.learning import proposals
from confide.learning.proposals import ProposalsOut, ReviewOut
from confide.staff.endpoints import requires
from confide.staff.roles import Action
from confide.staff.service import Principal

router = APIRouter(prefix="/v1/learning", tags=["learning"])
Reviewer = Annotated[Principal, requires(Action.LEARNING_REVIEW)]


class ApproveIn(BaseModel):
    intent: str | None = Field(
        default=None, max_length=64, description="relabel the phrasing before approving"
    )


@router.get("/proposals", response_model=ProposalsOut, responses=error_responses(401, 403))
def list_proposals(who: Reviewer, runtime: RuntimeDep) -> ProposalsOut:
    """Pending phrasings, knowledge gaps (clustered, with counts) and draft answers."""
    with runtime.work() as session:
        return proposals.list_proposals(session, runtime.learning)


@router.post(
    "/examples/{example_id}/approve",
    response_model=ReviewOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
def approve(
    example_id: uuid.UUID, who: Reviewer, runtime: RuntimeDep, body: ApproveIn | None = None
) -> ReviewOut:
    with runtime.work() as session:
        intent = body.intent if body else None
        return proposals.review(
            session, runtime.learning, example_id, approve=True, actor=who.actor, intent=intent
        )


@router.post(
    "/examples/{example_id}/reject",
    response_model=ReviewOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
def reject(example_id: uuid.UUID, who: Reviewer, runtime: RuntimeDep) -> ReviewOut:
    with runtime.work() as session:
        return proposals.review(
            session, runtime.learning, example_id, approve=False, actor=who.actor
        )
