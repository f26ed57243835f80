"""Staff accounts over HTTP: log in and out, one's own account and API keys, and (admins)
the accounts of others."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, Field

from confide.deps import BearerToken, RuntimeDep
from confide.errors import error_responses
from confide.runtime import Runtime
from confide.staff import service
from confide.staff.errors import AccountLocked, InvalidCredentials, TooManyLogins
from confide.staff.models import StaffUser
from confide.staff.roles import Action, Forbidden, can
from confide.staff.service import Principal

router = APIRouter(prefix="/v1/staff", tags=["staff"])


def authorize_staff(runtime: Runtime, token: str | None, action: Action) -> Principal:
    """The staff member behind ``token``, if their role may do ``action``.

    A refusal is an audit entry committed on its own (the request's work rolls back), so
    repeated denials are visible to the anomaly alerts.
    """
    with runtime.work() as session:
        who = service.authenticate(session, runtime.staff, token)
    if not can(who.role, action):
        with runtime.work() as session:
            runtime.audit.record(
                session, "access.denied", actor=who.actor, outcome="denied", reason=action.value
            )
        raise Forbidden(f"the {who.role.value} role may not do {action.value}")
    return who


def requires(action: Action) -> Any:
    def dependency(request: Request, token: BearerToken) -> Principal:
        return authorize_staff(request.app.state.runtime, token, action)

    return Depends(dependency)


Self = Annotated[Principal, requires(Action.SELF)]
Admin = Annotated[Principal, requires(Action.USERS_MANAGE)]


class LoginIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    token: str
    kind: str
    role: str
    expires_at: datetime | None


class StaffOut(BaseModel):
    name: str
    role: str
    actor: str = Field(description="the pseudonymous id the audit log knows this account by")
    disabled: bool
    last_login_at: datetime | None
    created_at: datetime


class StaffIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=16)
    password: str = Field(min_length=1, max_length=1024)


def staff_out(user: StaffUser) -> StaffOut:
    return StaffOut(
        name=user.name,
        role=user.role,
        actor=user.actor,
        disabled=user.disabled,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
    )


@router.post("/login", response_model=TokenOut, responses=error_responses(401, 422, 423, 429))
def login(body: LoginIn, request: Request, runtime: RuntimeDep) -> TokenOut:
    """A session token for the pages and the API; locked after repeated failures."""
    address = request.client.host if request.client else "unknown"
    if not runtime.login_throttle.allow(address):
        raise TooManyLogins("too many login attempts from this address; wait a minute")
    # A failed login's audit entry and failure count must stay: commit them, then refuse.
    failure: Exception | None = None
    with runtime.work() as session:
        try:
            token, record = service.login(session, runtime.staff, body.name, body.password)
            user = session.get(StaffUser, record.staff_id)
            assert user is not None
            out = TokenOut(
                token=token, kind=record.kind, role=user.role, expires_at=record.expires_at
            )
        except (InvalidCredentials, AccountLocked) as exc:
            failure = exc
    if failure is not None:
        raise failure
    return out


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401))
def logout(who: Self, runtime: RuntimeDep, token: BearerToken) -> None:
    assert token is not None
    with runtime.work() as session:
        service.logout(session, runtime.staff, token)


@router.get("/me", response_model=StaffOut, responses=error_responses(401))
def me(who: Self, runtime: RuntimeDep) -> StaffOut:
    with runtime.work() as session:
        user = session.get(StaffUser, who.id)
        assert user is not None
        return staff_out(user)


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenOut,
    responses=error_responses(401),
)
def create_api_key(who: Self, runtime: RuntimeDep) -> TokenOut:
    """A long-lived key for API clients, shown once; disabling the account revokes it."""
    with runtime.work() as session:
        token = service.create_api_key(session, runtime.staff, who)
    return TokenOut(token=token, kind=service.API_KEY, role=who.role.value, expires_at=None)


@router.get("/users", response_model=list[StaffOut], responses=error_responses(401, 403))
def list_users(who: Admin, runtime: RuntimeDep) -> list[StaffOut]:
    with runtime.work() as session:
        return [staff_out(u) for u in service.list_users(session)]


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffOut,
    responses=error_responses(401, 403, 409, 422),
)
def add_user(body: StaffIn, who: Admin, runtime: RuntimeDep) -> StaffOut:
    with runtime.work() as session:
        user = service.add_user(
            session, runtime.staff, body.name, body.role, body.password, actor=who.actor
        )
        return staff_out(user)


@router.post(
    "/users/{name}/disable", response_model=StaffOut, responses=error_responses(401, 403, 404)
)
def disable_user(name: str, who: Admin, runtime: RuntimeDep) -> StaffOut:
    with runtime.work() as session:
        return staff_out(service.disable_user(session, runtime.staff, name, actor=who.actor))
