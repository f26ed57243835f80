"""``/v1/me/profile``: the customer's own profile, with the conversation token as credential.

Reading it is the customer's access to their data (read for ``service``); storing what they
state needs their consent to ``personalization``; deleting it is always open.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from confide.deps import BearerToken, RuntimeDep
from confide.errors import error_responses
from confide.personalization.schemas import PersonalProfileOut, ProfileData, ProfileSettings
from confide.personalization.service import (
    PersonalizationContext,
    allowed,
    delete_profile,
    read_profile,
    update_settings,
)
from confide.rights import service as rights
from confide.rights.errors import SubjectRestricted
from confide.rights.flags import read_flags
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault import Purpose

router = APIRouter(prefix="/v1/me", tags=["personalization"])

DELETION_REASON = "the customer deleted their profile"


def _customer(session: Session, runtime: Runtime, token: str | None) -> Subject:
    """The customer whose token this is (401), unless their data is erased (410)."""
    subject = rights.authorize_me(session, runtime.rights, token)
    rights.refuse_if_erased(session, runtime.rights, subject)
    return subject


def _out(
    session: Session, ctx: PersonalizationContext, subject: Subject, data: ProfileData | None
) -> PersonalProfileOut:
    return PersonalProfileOut(
        **(data or ProfileData()).model_dump(), personalization=allowed(session, ctx, subject.id)
    )


@router.get("/profile", response_model=PersonalProfileOut, responses=error_responses(401, 410))
def get_profile(runtime: RuntimeDep, token: BearerToken) -> PersonalProfileOut:
    """Your profile: what you told us and what the assistant remembers (empty when there is
    none), and whether you consent to personalization now."""
    ctx = runtime.personalizer.ctx
    with runtime.work() as session:
        subject = _customer(session, runtime, token)
        return _out(session, ctx, subject, read_profile(session, ctx, subject, Purpose.SERVICE))


@router.put(
    "/profile",
    response_model=PersonalProfileOut,
    responses=error_responses(401, 403, 410, 422, 423),
)
def put_profile(
    body: ProfileSettings, runtime: RuntimeDep, token: BearerToken
) -> PersonalProfileOut:
    """Replace what you state (name, language, contact preference, preferences); what the
    assistant remembers is kept. Needs your consent to personalization (403
    ``ConsentRequired`` without it)."""
    ctx = runtime.personalizer.ctx
    with runtime.work() as session:
        subject = _customer(session, runtime, token)
        if read_flags(session, subject.id).restricted:
            raise SubjectRestricted(
                "processing of your data is restricted at your request, so your profile "
                "cannot be changed; lift the restriction (DELETE /v1/me/restriction) first"
            )
        return _out(session, ctx, subject, update_settings(session, ctx, subject, body))


@router.delete(
    "/profile", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 410)
)
def remove_profile(runtime: RuntimeDep, token: BearerToken) -> None:
    """Delete your profile (done already when there is none). Your consent stays as it is:
    while it is given, the assistant starts a new profile from your next conversation."""
    with runtime.work() as session:
        subject = _customer(session, runtime, token)
        delete_profile(
            session,
            runtime.personalizer.ctx,
            subject.id,
            actor="customer:token",
            why=DELETION_REASON,
        )
