"""``/v1/me``: the customer's rights, with the conversation token as credential; a
one-time code too (header ``X-Verification-Code``) for exports, erasure and rectification
when an email is on file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from confide.consent.schemas import SignedReceipt
from confide.db import purge_old_page_versions
from confide.deps import BearerToken, RuntimeDep
from confide.errors import error_responses
from confide.rights import service
from confide.rights.schemas import (
    MeOut,
    ObjectionIn,
    ProcessingOut,
    ProfileOut,
    RectificationIn,
    VerificationSentOut,
)
from confide.runtime import Runtime

router = APIRouter(prefix="/v1/me", tags=["rights"])

VerificationCodeHeader = Annotated[
    str | None,
    Header(
        alias="X-Verification-Code",
        max_length=32,
        description="the one-time code from POST /v1/me/verification (email on file)",
    ),
]
ERASURE_REASON = "the customer asked for erasure"


def _require_identity(runtime: Runtime, token: str | None, code: str | None) -> None:
    # Its own unit of work, so a wrong code's attempt is counted even though we refuse.
    with runtime.work() as session:
        failure = service.check_identity(session, runtime.rights, token, code)
    if failure is not None:
        raise failure


@router.get("", response_model=MeOut, responses=error_responses(401))
def me(runtime: RuntimeDep, token: BearerToken) -> MeOut:
    """What is stored about you, why, and your requests."""
    with runtime.work() as session:
        subject = service.authorize_me(session, runtime.rights, token)
        return service.describe_subject(session, runtime.rights, subject.id)


@router.post(
    "/verification", response_model=VerificationSentOut, responses=error_responses(401, 410, 429)
)
def send_verification(runtime: RuntimeDep, token: BearerToken) -> VerificationSentOut:
    """Send a one-time code to the email address on file (valid 15 minutes)."""
    with runtime.work() as session:
        return service.send_verification(session, runtime.rights, token)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}, **error_responses(401, 410, 429)},
)
def export(
    runtime: RuntimeDep, token: BearerToken, code: VerificationCodeHeader = None
) -> Response:
    """Everything held about you: a ZIP with data.json and index.html."""
    _require_identity(runtime, token, code)
    with runtime.work() as session:
        subject = service.verified_me(session, runtime.rights, token, code)
        archive = service.export_subject(session, runtime.rights, subject.id)
    return Response(
        archive,
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.zip"',
            "Cache-Control": "no-store",
        },
    )


@router.delete("", response_model=SignedReceipt, responses=error_responses(401, 429))
def erase(
    runtime: RuntimeDep, token: BearerToken, code: VerificationCodeHeader = None
) -> SignedReceipt:
    """Erase everything held about you; returns a signed erasure receipt (keep it). The
    token stops working."""
    _require_identity(runtime, token, code)
    with runtime.work() as session:
        subject = service.verified_me(session, runtime.rights, token, code)
        receipt = service.erase_subject(
            session, runtime.rights, subject.id, reason=ERASURE_REASON, channel="api"
        )
    purge_old_page_versions(runtime.engine)
    return receipt


@router.patch("", response_model=ProfileOut, responses=error_responses(401, 410, 422, 429))
def rectify(
    body: RectificationIn,
    runtime: RuntimeDep,
    token: BearerToken,
    code: VerificationCodeHeader = None,
) -> ProfileOut:
    """Correct your email, phone or name ("" removes one)."""
    _require_identity(runtime, token, code)
    with runtime.work() as session:
        subject = service.verified_me(session, runtime.rights, token, code)
        return service.rectify_subject(session, runtime.rights, subject.id, body)


@router.post("/restriction", response_model=ProcessingOut, responses=error_responses(401, 410))
def restrict(runtime: RuntimeDep, token: BearerToken) -> ProcessingOut:
    """Restrict processing: your data is kept but used for nothing, new messages refused."""
    with runtime.work() as session:
        subject = service.authorize_me(session, runtime.rights, token)
        return service.restrict_subject(session, runtime.rights, subject.id)


@router.delete("/restriction", response_model=ProcessingOut, responses=error_responses(401, 410))
def lift_restriction(runtime: RuntimeDep, token: BearerToken) -> ProcessingOut:
    """Lift the restriction."""
    with runtime.work() as session:
        subject = service.authorize_me(session, runtime.rights, token)
        return service.restrict_subject(session, runtime.rights, subject.id, lift=True)


@router.post(
    "/objection", response_model=ProcessingOut, responses=error_responses(401, 404, 409, 410, 422)
)
def object_(
    runtime: RuntimeDep, token: BearerToken, body: ObjectionIn | None = None
) -> ProcessingOut:
    """Object to purposes on legitimate interest (default: all of them); ``lift`` withdraws
    the objection."""
    body = body or ObjectionIn()
    with runtime.work() as session:
        subject = service.authorize_me(session, runtime.rights, token)
        return service.object_to_processing(
            session, runtime.rights, subject.id, body.purposes, lift=body.lift
        )
