from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from confide.conversations import service
from confide.conversations.schemas import (
    FeedbackIn,
    FeedbackOut,
    MessageIn,
    ReplyOut,
    StartConversationIn,
    StartConversationOut,
    TranscriptOut,
)
from confide.deps import BearerToken, RuntimeDep
from confide.errors import error_responses
from confide.transparency.service import chat_desks

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=StartConversationOut,
    responses=error_responses(400, 401, 410, 413, 422, 423),
)
def start_conversation(
    runtime: RuntimeDep, token: BearerToken, body: StartConversationIn | None = None
) -> StartConversationOut:
    """Start a conversation; the returned token is the only credential to continue it.

    A returning customer sends the token of one of their earlier conversations
    (``Authorization: Bearer``) instead of their details, or, signed in on the operator's
    site, ``external_id`` with its ``identity_hash``: the new conversation is theirs too,
    and with their consent to personalization they are greeted by name."""
    body = body or StartConversationIn()
    secret = runtime.settings.identity_secret
    with runtime.work() as session:
        return service.start_conversation(
            session,
            runtime.vault,
            customer=body.customer,
            channel=body.channel,
            company=runtime.company_name,
            phone_region=runtime.settings.default_phone_region,
            returning_token=token,
            assistant=runtime.assistant,
            rules=runtime.rules,
            identity_secret=secret.get_secret_value() if secret is not None else None,
        )


@router.post(
    "/{conversation_id}/messages",
    response_model=ReplyOut,
    responses=error_responses(400, 401, 404, 409, 413, 422, 503),
)
def post_message(
    conversation_id: uuid.UUID,
    body: MessageIn,
    runtime: RuntimeDep,
    token: BearerToken,
) -> ReplyOut:
    """Send the customer's message; returns the assistant's reply and the decision taken."""
    assistant = runtime.require_assistant()
    with runtime.work() as session:
        reply = service.post_message(
            session,
            runtime.vault,
            assistant,
            conversation_id,
            token,
            body.text,
            runtime.rules,
            privacy=chat_desks(runtime.rights, runtime.settings.privacy.public_url),
        )
    runtime.metrics.count_decision(reply.decision)  # after the commit
    return reply


@router.get("/{conversation_id}", response_model=TranscriptOut, responses=error_responses(401, 404))
def get_transcript(
    conversation_id: uuid.UUID, runtime: RuntimeDep, token: BearerToken
) -> TranscriptOut:
    """The transcript, for the customer holding the conversation's token."""
    with runtime.work() as session:
        return service.get_transcript(session, runtime.vault, conversation_id, token)


@router.post(
    "/{conversation_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackOut,
    responses=error_responses(401, 404, 413, 422),
)
def post_feedback(
    conversation_id: uuid.UUID,
    body: FeedbackIn,
    runtime: RuntimeDep,
    token: BearerToken,
) -> FeedbackOut:
    """Thumbs up or down, an optional comment, and whether the problem was solved."""
    with runtime.work() as session:
        return service.record_feedback(
            session, runtime.vault, conversation_id, token, body, runtime.rules
        )
