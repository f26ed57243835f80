"""The privacy center: server-rendered, plain HTML forms (POST, then redirect), no JavaScript.

The customer is the one the chat cookie identifies. Every form carries a token, a keyed HMAC
of that cookie's value: a page on another site can neither read it nor, with the cookie
being SameSite=Strict, send the cookie along; a form without the right token changes nothing
and gets an error page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from confide.consent import repository as consent_repository
from confide.consent.models import ConsentRecord
from confide.consent.notices import NOTICE_PATH, PRIVACY_CENTER_PATH
from confide.conversations import service as conversations
from confide.conversations.errors import InvalidToken
from confide.conversations.models import Conversation
from confide.crypto import hash_token, tokens_match
from confide.db import purge_old_page_versions
from confide.deps import RuntimeDep
from confide.errors import ConfideError, NotFound
from confide.rights import service as rights
from confide.rights.schemas import RectificationIn
from confide.rights.verification import verification_required
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.transparency.service import change_consent, stored_data
from confide.vault import FieldRef, Purpose
from confide.web.pages import COOKIE

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
FORM_KEY_LABEL = "privacy-center/forms/v1"
ERASURE_REASON = "the customer asked for erasure in the privacy center"
CONFIRM_WORD = "delete"

FormToken = Annotated[str, Form(max_length=128)]
Flag = Annotated[str, Form(max_length=8)]
DONE_MESSAGES = {
    "restricted": "Processing is restricted: from now on we only store your data.",
    "unrestricted": "The restriction is lifted.",
    "objected": "Your objection is recorded: we no longer use your data for that.",
    "unobjected": "Your objection is withdrawn.",
    "rectified": "Your details are corrected.",
}
# How the access log below names what was done with the customer's data.
ACCESS_LABELS = {
    "consent.grant": "consent given",
    "consent.withdraw": "consent withdrawn",
    "rights.access": "your data downloaded",
    "rights.rectification": "your details corrected",
    "rights.restriction": "restriction changed",
    "rights.objection": "objection changed",
    "keys.rekey": "your encryption key replaced",
    "staff.read": "read your conversation (details masked)",
    "staff.read.revealed": "read your conversation with details revealed",
    "staff.reveal": "revealed masked details",
    "staff.reply": "replied to you",
    "staff.claim": "took your conversation",
    "staff.release": "handed your conversation back to the assistant",
    "staff.close": "closed your conversation",
    "learning.unlearn": "what the assistant had kept to learn from deleted",
}
Code = Annotated[str, Form(max_length=32)]


class FormRefused(ConfideError):
    status_code = 403


class ReceiptNotFound(NotFound):
    pass


class NotConfirmed(ConfideError):
    status_code = 422


@dataclass(frozen=True)
class Visitor:
    """The chat cookie's raw value and the conversation it opens."""

    raw: str
    conversation_id: uuid.UUID
    token: str


def _visitor(request: Request) -> Visitor | None:
    raw = request.cookies.get(COOKIE, "")
    conversation, _, token = raw.partition(".")
    try:
        return Visitor(raw, uuid.UUID(conversation), token)
    except ValueError:
        return None


def form_token(runtime: Runtime, visitor: Visitor) -> str:
    return hash_token(runtime.keyring.derive_key(FORM_KEY_LABEL), "privacy-form:" + visitor.raw)


def _customer(
    session: Session, runtime: Runtime, visitor: Visitor | None
) -> tuple[Conversation, Subject]:
    if visitor is None:
        raise InvalidToken("no conversation yet")
    return conversations.authorize(session, runtime.vault, visitor.conversation_id, visitor.token)


def _check_form(runtime: Runtime, visitor: Visitor | None, token: str) -> Visitor:
    """The visitor, if the form came from our own page for this cookie; else FormRefused."""
    if visitor is None:
        raise FormRefused(
            "there is no conversation in this browser, so there is nothing to change here: "
            "start a chat first"
        )
    if not token or not tokens_match(token, form_token(runtime, visitor)):
        raise FormRefused(
            "this form did not come from your privacy center page (or the page is out of "
            "date): reload the privacy center and try again"
        )
    return visitor


def _error(request: Request, runtime: Runtime, exc: ConfideError) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "privacy_error.html",
        {"company": runtime.company_name, "error": exc.detail, "name": exc.name},
        status_code=exc.status_code,
    )


def _page_context(runtime: Runtime, visitor: Visitor | None) -> dict[str, Any]:
    with runtime.work() as session:
        notice = consent_repository.active_notice(session)
        context: dict[str, Any] = {
            "company": runtime.company_name,
            "notice": notice,
            "notice_path": NOTICE_PATH,
            "purposes": runtime.consents.purposes(),
            "me": None,
        }
        try:
            _, subject = _customer(session, runtime, visitor)
        except ConfideError:
            return context
        assert visitor is not None
        me = rights.describe_subject(session, runtime.rights, subject.id)
        states = {c.purpose: c for c in me.consents.consents}
        access = [
            {
                "at": entry.at,
                "who": entry.actor.split(":", 1)[0],
                "what": ACCESS_LABELS.get(entry.action, entry.action),
                "reason": entry.reason,
                "outcome": entry.outcome,
            }
            for entry in runtime.audit.about(session, subject.id, limit=20)
        ]
        context.update(
            access=access,
            me=me,
            stored=stored_data(me, runtime.rights),
            states=states,
            form_token=form_token(runtime, visitor),
            verification=verification_required(subject),
        )
        return context


@router.get(PRIVACY_CENTER_PATH, response_class=HTMLResponse)
def privacy_center(
    request: Request,
    runtime: RuntimeDep,
    receipt: uuid.UUID | None = None,
    sent: bool = False,
    done: str | None = None,
) -> Response:
    context = _page_context(runtime, _visitor(request))
    context.update(receipt=receipt, sent=sent, done=DONE_MESSAGES.get(done or ""))
    return templates.TemplateResponse(request, "privacy.html", context)


@router.post(PRIVACY_CENTER_PATH + "/consents", response_class=HTMLResponse)
def decide(
    request: Request,
    runtime: RuntimeDep,
    csrf: FormToken = "",
    purpose: Annotated[str, Form(max_length=64)] = "",
    granted: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """One click: give or withdraw consent for one purpose (method "widget")."""
    try:
        visitor = _check_form(runtime, _visitor(request), csrf)
        if granted not in ("true", "false"):
            raise NotConfirmed('granted must be "true" or "false"')
        with runtime.work() as session:
            conversation, subject = _customer(session, runtime, visitor)
            _, receipt_id = change_consent(
                session,
                runtime.rights,
                subject,
                purpose,
                granted=granted == "true",
                method="widget",
                channel=conversation.channel,
            )
    except ConfideError as exc:
        return _error(request, runtime, exc)
    target = f"{PRIVACY_CENTER_PATH}?receipt={receipt_id}#purpose-{purpose}"
    return RedirectResponse(target, status_code=303)


FlagChange = Callable[[Session, uuid.UUID, bool], object]


def _flag_form(
    request: Request,
    runtime: Runtime,
    csrf: str,
    lift: str,
    change: FlagChange,
    done: tuple[str, str],
    anchor: str,
) -> Response:
    """A restriction or objection form: set (or lift) a processing flag, then redirect."""
    try:
        visitor = _check_form(runtime, _visitor(request), csrf)
        lifting = _flag(lift, "lift")
        with runtime.work() as session:
            _, subject = _customer(session, runtime, visitor)
            change(session, subject.id, lifting)
    except ConfideError as exc:
        return _error(request, runtime, exc)
    target = f"{PRIVACY_CENTER_PATH}?done={done[lifting]}#{anchor}"
    return RedirectResponse(target, status_code=303)


@router.post(PRIVACY_CENTER_PATH + "/restriction", response_class=HTMLResponse)
def restriction(
    request: Request, runtime: RuntimeDep, csrf: FormToken = "", lift: Flag = ""
) -> Response:
    """Restrict processing to storage only (Article 18), or lift the restriction."""

    def change(session: Session, subject_id: uuid.UUID, lifting: bool) -> object:
        return rights.restrict_subject(
            session, runtime.rights, subject_id, lift=lifting, channel="web"
        )

    return _flag_form(
        request, runtime, csrf, lift, change, ("restricted", "unrestricted"), "stored"
    )


@router.post(PRIVACY_CENTER_PATH + "/objection", response_class=HTMLResponse)
def objection(
    request: Request,
    runtime: RuntimeDep,
    csrf: FormToken = "",
    purpose: Annotated[str, Form(max_length=64)] = "",
    lift: Flag = "",
) -> Response:
    """Object to a purpose on legitimate interest (Article 21), or withdraw the objection."""

    def change(session: Session, subject_id: uuid.UUID, lifting: bool) -> object:
        return rights.object_to_processing(
            session, runtime.rights, subject_id, [purpose], lift=lifting, channel="web"
        )

    return _flag_form(
        request, runtime, csrf, lift, change, ("objected", "unobjected"), f"purpose-{purpose}"
    )


@router.post(PRIVACY_CENTER_PATH + "/rectify", response_class=HTMLResponse)
def rectify(
    request: Request,
    runtime: RuntimeDep,
    csrf: FormToken = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    code: Code = "",
) -> Response:
    """Correct the email address, phone number or name we hold (Article 16)."""
    try:
        visitor = _check_form(runtime, _visitor(request), csrf)
        given = {k: v.strip() for k, v in (("email", email), ("phone", phone), ("name", name))}
        changes = {k: v for k, v in given.items() if v}
        if not changes:
            raise NotConfirmed(
                "enter a new email address, phone number or name; nothing was changed"
            )
        _verify(runtime, visitor, code)
        with runtime.work() as session:
            subject = rights.verified_me(session, runtime.rights, visitor.token, code or None)
            rights.rectify_subject(
                session, runtime.rights, subject.id, RectificationIn(**changes), channel="web"
            )
    except ConfideError as exc:
        return _error(request, runtime, exc)
    return RedirectResponse(f"{PRIVACY_CENTER_PATH}?done=rectified#stored", status_code=303)


def _flag(value: str, what: str) -> bool:
    if value not in ("true", "false"):
        raise NotConfirmed(f'{what} must be "true" or "false"; nothing was changed')
    return value == "true"


@router.get(PRIVACY_CENTER_PATH + "/receipts/{receipt_id}")
def download_receipt(
    request: Request, runtime: RuntimeDep, receipt_id: Annotated[uuid.UUID, PathParam()]
) -> Response:
    """A consent receipt of this customer's, as the signed JSON they can verify later."""
    try:
        with runtime.work() as session:
            _, subject = _customer(session, runtime, _visitor(request))
            record = session.get(ConsentRecord, receipt_id)
            if record is None or record.subject_id != subject.id or record.receipt_ct is None:
                raise ReceiptNotFound("you have no consent receipt with this id")
            ref = FieldRef("consent_records", "receipt", str(record.id))
            document = runtime.vault.open(
                session, subject.data_key_id, ref, record.receipt_ct, Purpose.SERVICE
            )
    except ConfideError as exc:
        return _error(request, runtime, exc)
    return Response(
        document,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="consent-receipt-{receipt_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post(PRIVACY_CENTER_PATH + "/verification", response_class=HTMLResponse)
def send_code(request: Request, runtime: RuntimeDep, csrf: FormToken = "") -> Response:
    """Send the one-time code needed (with an email on file) to download or delete."""
    try:
        visitor = _check_form(runtime, _visitor(request), csrf)
        with runtime.work() as session:
            rights.send_verification(session, runtime.rights, visitor.token)
    except ConfideError as exc:
        return _error(request, runtime, exc)
    return RedirectResponse(f"{PRIVACY_CENTER_PATH}?sent=true#your-data", status_code=303)


def _verify(runtime: Runtime, visitor: Visitor, code: str) -> None:
    # Its own unit of work, so a wrong code's attempt is counted even though we refuse.
    with runtime.work() as session:
        failure = rights.check_identity(session, runtime.rights, visitor.token, code or None)
    if failure is not None:
        raise failure


@router.post(PRIVACY_CENTER_PATH + "/export")
def export(
    request: Request, runtime: RuntimeDep, csrf: FormToken = "", code: Code = ""
) -> Response:
    """Everything held about the customer, as the rights export's ZIP."""
    try:
        visitor = _check_form(runtime, _visitor(request), csrf)
        _verify(runtime, visitor, code)
        with runtime.work() as session:
            subject = rights.verified_me(session, runtime.rights, visitor.token, code or None)
            archive = rights.export_subject(session, runtime.rights, subject.id, channel="web")
    except ConfideError as exc:
        return _error(request, runtime, exc)
    return Response(
        archive,
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.zip"',
            "Cache-Control": "no-store",
        },
    )


@router.get(PRIVACY_CENTER_PATH + "/delete", response_class=HTMLResponse)
def confirm_delete(request: Request, runtime: RuntimeDep) -> Response:
    """The confirmation step before erasure."""
    context = _page_context(runtime, _visitor(request))
    if context["me"] is None:
        return _error(request, runtime, FormRefused("there is no data of yours in this browser"))
    context["confirm_word"] = CONFIRM_WORD
    return templates.TemplateResponse(request, "privacy_delete.html", context)


@router.post(PRIVACY_CENTER_PATH + "/delete", response_class=HTMLResponse)
def delete(
    request: Request,
    runtime: RuntimeDep,
    csrf: FormToken = "",
    confirm: Annotated[str, Form(max_length=32)] = "",
    code: Code = "",
) -> Response:
    """Erase everything held about the customer (the rights erasure); shows the receipt."""
    try:
        visitor = _check_form(runtime, _visitor(request), csrf)
        if confirm.strip().lower() != CONFIRM_WORD:
            raise NotConfirmed(
                f'to delete your data, type "{CONFIRM_WORD}" in the confirmation box; '
                "nothing was deleted"
            )
        _verify(runtime, visitor, code)
        with runtime.work() as session:
            subject = rights.verified_me(session, runtime.rights, visitor.token, code or None)
            receipt = rights.erase_subject(
                session, runtime.rights, subject.id, reason=ERASURE_REASON, channel="web"
            )
        purge_old_page_versions(runtime.engine)
    except ConfideError as exc:
        return _error(request, runtime, exc)
    response = templates.TemplateResponse(
        request,
        "privacy_erased.html",
        {
            "company": runtime.company_name,
            "receipt": receipt,
            "receipt_json": rights.receipt_bytes(receipt).decode("utf-8"),
        },
    )
    response.delete_cookie(
        COOKIE, httponly=True, samesite="strict", secure=runtime.settings.tls_enabled
    )
    return response
