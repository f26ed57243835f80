from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import PlainTextResponse

from confide.consent import notices, repository
from confide.consent.receipts import SIGNATURE_ALG
from confide.consent.schemas import (
    ConsentDecisionIn,
    MyConsentsOut,
    NoticeOut,
    NoticeSummaryOut,
    PublicKeyOut,
    PurposeOut,
    SignedReceipt,
    VerificationOut,
)
from confide.conversations.service import authorize_token
from confide.db import MAX_INTEGER
from confide.deps import BearerToken, RuntimeDep
from confide.errors import error_responses

router = APIRouter(prefix="/v1", tags=["consent"])
pages = APIRouter(include_in_schema=False)

PurposeName = Annotated[str, Path(max_length=64)]
Version = Annotated[int, Path(ge=1, le=MAX_INTEGER)]


@router.get("/purposes", response_model=list[PurposeOut])
def list_purposes(runtime: RuntimeDep) -> list[PurposeOut]:
    """Why Confide processes personal data, each purpose with its legal basis."""
    return runtime.consents.purposes()


@router.get("/me/consents", response_model=MyConsentsOut, responses=error_responses(401))
def my_consents(runtime: RuntimeDep, token: BearerToken) -> MyConsentsOut:
    """Your consent per purpose, and whether each purpose may use your data now."""
    with runtime.work() as session:
        _, subject = authorize_token(session, runtime.vault, token)
        return runtime.consents.current(session, subject)


@router.put(
    "/me/consents/{purpose}",
    response_model=SignedReceipt,
    responses=error_responses(400, 401, 404, 409, 410, 422),
)
def decide_consent(
    purpose: PurposeName, body: ConsentDecisionIn, runtime: RuntimeDep, token: BearerToken
) -> SignedReceipt:
    """Give (``granted: true``) or withdraw consent for one purpose; returns the signed
    consent receipt. Purposes on another legal basis (service) are refused with 409."""
    with runtime.work() as session:
        conversation, subject = authorize_token(session, runtime.vault, token)
        return runtime.consents.decide(
            session,
            subject,
            purpose,
            granted=body.granted,
            method=body.method,
            channel=conversation.channel,
        )


@router.post(
    "/consent-receipts/verify", response_model=VerificationOut, responses=error_responses(400, 422)
)
def verify_receipt(body: SignedReceipt, runtime: RuntimeDep) -> VerificationOut:
    """Whether this server signed the receipt and nothing in it has changed since."""
    return runtime.consents.verify(body.model_dump())


@router.get("/consent-receipts/public-key", response_model=PublicKeyOut)
def receipt_public_key(runtime: RuntimeDep) -> PublicKeyOut:
    """The key consent receipts are signed with, for checking them offline."""
    signer = runtime.consents.signer
    return PublicKeyOut(alg=SIGNATURE_ALG, kid=signer.key_id, public_key=signer.public_key)


@router.get("/privacy-notice", response_model=NoticeOut, responses=error_responses(404))
def privacy_notice(runtime: RuntimeDep) -> NoticeOut:
    """The privacy notice in force (Markdown)."""
    with runtime.work() as session:
        return notices.notice_out(notices.active_notice_or_raise(session), active=True)


@router.get("/privacy-notice/versions", response_model=list[NoticeSummaryOut])
def privacy_notice_versions(runtime: RuntimeDep) -> list[NoticeSummaryOut]:
    """Every published version, oldest first; the last one is in force."""
    with runtime.work() as session:
        return notices.list_versions(session)


@router.get(
    "/privacy-notice/versions/{version}", response_model=NoticeOut, responses=error_responses(404)
)
def privacy_notice_version(version: Version, runtime: RuntimeDep) -> NoticeOut:
    """One version of the privacy notice, as it was published."""
    with runtime.work() as session:
        notice = notices.notice_version_or_raise(session, version)
        active = repository.active_notice(session)
        return notices.notice_out(notice, active=active is not None and active.id == notice.id)


@pages.get(notices.NOTICE_PATH, response_class=PlainTextResponse)
def notice_page(runtime: RuntimeDep) -> PlainTextResponse:
    with runtime.work() as session:
        return PlainTextResponse(notices.active_notice_or_raise(session).body)


@pages.get(notices.NOTICE_PATH + "/{version}", response_class=PlainTextResponse)
def notice_version_page(version: Version, runtime: RuntimeDep) -> PlainTextResponse:
    with runtime.work() as session:
        return PlainTextResponse(notices.notice_version_or_raise(session, version).body)
