"""The agent console's API: the handoff queue and the conversations in it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from confide.deps import RuntimeDep
from confide.errors import error_responses
from confide.handoffs import service
from confide.handoffs.schemas import (
    AgentReplyIn,
    AgentReplyOut,
    HandoffConversationOut,
    HandoffStateOut,
    QueueOut,
    RevealIn,
    RevealOut,
)
from confide.staff.endpoints import requires
from confide.staff.roles import Action
from confide.staff.service import Principal

router = APIRouter(prefix="/v1/agent", tags=["agent console"])


@router.get("/queue", response_model=QueueOut, responses=error_responses(401, 403))
def queue(who: Annotated[Principal, requires(Action.QUEUE_LIST)], runtime: RuntimeDep) -> QueueOut:
    """Conversations waiting for a person, and the ones you have claimed."""
    with runtime.work() as session:
        return service.list_queue(session, runtime.handoffs, who)


@router.post(
    "/conversations/{conversation_id}/claim",
    response_model=HandoffStateOut,
    responses=error_responses(401, 403, 404, 409),
)
def claim(
    conversation_id: uuid.UUID,
    who: Annotated[Principal, requires(Action.CONVERSATION_CLAIM)],
    runtime: RuntimeDep,
) -> HandoffStateOut:
    with runtime.work() as session:
        return service.claim(session, runtime.handoffs, who, conversation_id)


@router.get(
    "/conversations/{conversation_id}",
    response_model=HandoffConversationOut,
    responses=error_responses(401, 403, 404),
)
def read(
    conversation_id: uuid.UUID,
    who: Annotated[Principal, requires(Action.CONVERSATION_READ)],
    runtime: RuntimeDep,
) -> HandoffConversationOut:
    """The transcript with personal data masked, unless a reveal of yours is in force."""
    with runtime.work() as session:
        return service.read_conversation(session, runtime.handoffs, who, conversation_id)


@router.post(
    "/conversations/{conversation_id}/reveal",
    response_model=RevealOut,
    responses=error_responses(401, 403, 404, 422),
)
def reveal(
    conversation_id: uuid.UUID,
    body: RevealIn,
    who: Annotated[Principal, requires(Action.CONVERSATION_REVEAL)],
    runtime: RuntimeDep,
) -> RevealOut:
    """Break-glass: see the unmasked text for a few minutes; the reason is audited and shown
    to the customer."""
    with runtime.work() as session:
        return service.reveal(session, runtime.handoffs, who, conversation_id, body)


@router.post(
    "/conversations/{conversation_id}/reply",
    response_model=AgentReplyOut,
    responses=error_responses(401, 403, 404, 413, 422),
)
def reply(
    conversation_id: uuid.UUID,
    body: AgentReplyIn,
    who: Annotated[Principal, requires(Action.CONVERSATION_REPLY)],
    runtime: RuntimeDep,
) -> AgentReplyOut:
    with runtime.work() as session:
        return service.reply(session, runtime.handoffs, who, conversation_id, body.text)


@router.post(
    "/conversations/{conversation_id}/release",
    response_model=HandoffStateOut,
    responses=error_responses(401, 403, 404),
)
def release(
    conversation_id: uuid.UUID,
    who: Annotated[Principal, requires(Action.CONVERSATION_RELEASE)],
    runtime: RuntimeDep,
) -> HandoffStateOut:
    """Hand the conversation back to the assistant."""
    with runtime.work() as session:
        return service.release(session, runtime.handoffs, who, conversation_id)


@router.post(
    "/conversations/{conversation_id}/close",
    response_model=HandoffStateOut,
    responses=error_responses(401, 403, 404),
)
def close(
    conversation_id: uuid.UUID,
    who: Annotated[Principal, requires(Action.CONVERSATION_CLOSE)],
    runtime: RuntimeDep,
) -> HandoffStateOut:
    with runtime.work() as session:
        return service.close(session, runtime.handoffs, who, conversation_id)
