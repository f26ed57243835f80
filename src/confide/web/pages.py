"""The customer chat page: server-rendered, works without JavaScript.

The conversation id and its bearer token live in an HttpOnly, SameSite=Strict cookie, also
Secure when the server runs with TLS.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from confide.conversations import service
from confide.conversations.errors import (
    ConversationClosed,
    ConversationExpired,
    ConversationNotFound,
    InvalidToken,
)
from confide.conversations.schemas import MessageOut
from confide.deps import RuntimeDep
from confide.dialogue import CommandKind
from confide.errors import ConfideError
from confide.transparency.service import chat_desks
from confide.vault import SubjectErased

CANNOT_CONTINUE = (
    InvalidToken,
    ConversationNotFound,
    ConversationClosed,
    ConversationExpired,
    SubjectErased,
)

# Replies to privacy commands get a link to the privacy center under them.
PRIVACY_INTENTS = frozenset(kind.value for kind in CommandKind)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
COOKIE = "confide_chat"


def _cookie(request: Request) -> tuple[uuid.UUID, str] | None:
    raw = request.cookies.get(COOKIE, "")
    conversation, _, token = raw.partition(".")
    try:
        return uuid.UUID(conversation), token
    except ValueError:
        return None


def _render(
    request: Request,
    runtime: RuntimeDep,
    messages: list[MessageOut],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "chat.html",
        {
            "company": runtime.company_name,
            "disclosure": service.disclosure(runtime.company_name),
            "messages": messages,
            "error": error,
            "privacy_intents": PRIVACY_INTENTS,
        },
        status_code=status_code,
    )


def _transcript(runtime: RuntimeDep, cookie: tuple[uuid.UUID, str] | None) -> list[MessageOut]:
    """The cookie's conversation, or nothing if there is none or it no longer opens."""
    if cookie is None:
        return []
    try:
        with runtime.work() as session:
            transcript = service.get_transcript(session, runtime.vault, *cookie)
    except ConfideError:
        return []
    # An erased or expired conversation cannot continue: the page starts a new one.
    ended = (service.ERASED, service.EXPIRED)
    return [] if transcript.status in ended else transcript.messages


def _desks(runtime: RuntimeDep) -> service.PrivacyDesks:
    # On the page the privacy center is a link on this site: a relative address.
    return chat_desks(runtime.rights, "")


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, runtime: RuntimeDep) -> Response:
    return _render(request, runtime, _transcript(runtime, _cookie(request)))


@router.post("/chat", response_class=HTMLResponse)
def chat_send(request: Request, runtime: RuntimeDep, text: Annotated[str, Form()] = "") -> Response:
    cookie = _cookie(request)
    try:
        service.validate_text(text, runtime.rules)
        assistant = runtime.require_assistant()
    except ConfideError as exc:
        messages = _transcript(runtime, cookie)
        return _render(request, runtime, messages, error=exc.detail, status_code=exc.status_code)
    new_cookie = None
    try:
        if cookie is None:
            raise ConversationNotFound("no conversation yet")
        with runtime.work() as session:
            reply = service.post_message(
                session,
                runtime.vault,
                assistant,
                *cookie,
                text,
                runtime.rules,
                privacy=_desks(runtime),
            )
    except CANNOT_CONTINUE as exc:
        # No conversation, or one that can no longer continue (its token no longer opens it,
        # it was closed, or its customer erased): the message starts a new one. The failed
        # attempt rolled back, so nothing was stored. After a closed or expired conversation
        # the visitor is still the same customer: their choices and profile carry over.
        same_customer = isinstance(exc, ConversationClosed | ConversationExpired)
        with runtime.work() as session:
            started = service.start_conversation(
                session,
                runtime.vault,
                customer=None,
                channel="web",
                company=runtime.company_name,
                returning_token=cookie[1] if same_customer and cookie else None,
                assistant=assistant,
                rules=runtime.rules,
            )
            reply = service.post_message(
                session,
                runtime.vault,
                assistant,
                started.conversation_id,
                started.token,
                text,
                runtime.rules,
                privacy=_desks(runtime),
            )
        new_cookie = f"{started.conversation_id}.{started.token}"
    runtime.metrics.count_decision(reply.decision)  # after the commit
    response = RedirectResponse("/#latest", status_code=303)
    if new_cookie:
        response.set_cookie(
            COOKIE,
            new_cookie,
            httponly=True,
            samesite="strict",
            secure=runtime.settings.tls_enabled,
            max_age=30 * 24 * 3600,
        )
    return response


@router.post("/chat/new")
def chat_new(runtime: RuntimeDep) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        COOKIE, httponly=True, samesite="strict", secure=runtime.settings.tls_enabled
    )
    return response
