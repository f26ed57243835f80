"""Staff accounts: create, list, disable; log in (throttled, locked after repeated failures);
session tokens and API keys; who a bearer token is."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from confide.audit import AuditLog
from confide.crypto import new_token
from confide.db import as_utc
from confide.staff import repository
from confide.staff.errors import (
    AccountLocked,
    InvalidCredentials,
    StaffInvalid,
    StaffNameTaken,
    StaffNotFound,
)
from confide.staff.models import StaffToken, StaffUser
from confide.staff.passwords import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Passwords
from confide.staff.roles import Action, Role, parse_role, require

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
SESSION, API_KEY = "session", "api-key"
# A token says what it is; the rest is 256 random bits.
TOKEN_PREFIX = {SESSION: "cfs_", API_KEY: "cfk_"}


@dataclass(frozen=True)
class StaffPolicy:
    session_minutes: int = 480
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    reveal_minutes: int = 15


@dataclass(frozen=True)
class StaffContext:
    """What the staff services need: the token hasher (a keyed HMAC), the password hasher,
    the audit log, a clock."""

    token_hash: Callable[[str], str]
    passwords: Passwords
    audit: AuditLog
    clock: Callable[[], datetime]
    policy: StaffPolicy = StaffPolicy()


@dataclass(frozen=True)
class Principal:
    """An authenticated staff member, as the request knows them."""

    id: uuid.UUID
    role: Role
    actor: str

    def require(self, action: Action) -> None:
        require(self.role, action)


def principal_of(user: StaffUser) -> Principal:
    return Principal(user.id, Role(user.role), user.actor)


def add_user(
    session: Session, ctx: StaffContext, name: str, role: str, password: str, *, actor: str
) -> StaffUser:
    name = check_name(name)
    checked_role = parse_role(role)
    check_password(password)
    if repository.get_by_name(session, name) is not None:
        raise StaffNameTaken("a staff account with this name exists")
    user = StaffUser(
        id=uuid.uuid4(),
        name=name,
        role=checked_role.value,
        password_hash=ctx.passwords.hash(password),
        disabled=False,
        failed_logins=0,
        created_at=ctx.clock(),
    )
    session.add(user)
    session.flush()
    ctx.audit.record(session, "users.add", actor=actor, reason=f"role {checked_role.value}")
    return user


def disable_user(session: Session, ctx: StaffContext, name: str, *, actor: str) -> StaffUser:
    user = get_user_or_raise(session, name, for_update=True)
    user.disabled = True
    repository.revoke_tokens(session, user.id, ctx.clock())
    ctx.audit.record(session, "users.disable", actor=actor, reason=f"account {user.actor}")
    return user


def list_users(session: Session) -> list[StaffUser]:
    return repository.list_users(session)


def get_user_or_raise(session: Session, name: str, *, for_update: bool = False) -> StaffUser:
    user = repository.get_by_name(session, name.strip().lower(), for_update=for_update)
    if user is None:
        raise StaffNotFound("there is no staff account with this name")
    return user


def check_name(name: str) -> str:
    cleaned = name.strip().lower()
    if not NAME_PATTERN.fullmatch(cleaned):
        raise StaffInvalid(
            "a staff name is 2-64 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return cleaned


def check_password(password: str) -> None:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise StaffInvalid(
            f"a password is {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long"
        )


def login(session: Session, ctx: StaffContext, name: str, password: str) -> tuple[str, StaffToken]:
    """A session token for ``name``; every attempt is an audit entry (by pseudonym)."""
    user = repository.get_by_name(session, name.strip().lower(), for_update=True)
    now = ctx.clock()
    if user is not None and user.locked_until is not None and as_utc(user.locked_until) > now:
        _audit_login(ctx, session, user, "denied", "account locked")
        raise AccountLocked("this account is locked after repeated failed logins; try later")
    if not ctx.passwords.verify(
        user.password_hash if user else None, password[:MAX_PASSWORD_CHARS]
    ):
        _failed_login(session, ctx, user, now)
        raise InvalidCredentials("the name or the password is wrong")
    assert user is not None
    if user.disabled:
        _audit_login(ctx, session, user, "denied", "account disabled")
        raise InvalidCredentials("the name or the password is wrong")
    if ctx.passwords.needs_rehash(user.password_hash):
        user.password_hash = ctx.passwords.hash(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    expires = now + timedelta(minutes=ctx.policy.session_minutes)
    token, record = issue_token(session, ctx, user, SESSION, expires)
    _audit_login(ctx, session, user, "ok", None)
    return token, record


def _failed_login(
    session: Session, ctx: StaffContext, user: StaffUser | None, now: datetime
) -> None:
    if user is None:  # the name typed is not recorded: it may be anything, even personal data
        ctx.audit.record(session, "staff.login", actor="anonymous", outcome="denied")
        return
    user.failed_logins += 1
    reason = "wrong password"
    if user.failed_logins >= ctx.policy.max_failed_logins:
        user.locked_until = now + timedelta(minutes=ctx.policy.lockout_minutes)
        reason = f"wrong password; locked after {user.failed_logins} failures"
    _audit_login(ctx, session, user, "denied", reason)


def _audit_login(
    ctx: StaffContext, session: Session, user: StaffUser, outcome: str, reason: str | None
) -> None:
    ctx.audit.record(session, "staff.login", actor=user.actor, outcome=outcome, reason=reason)


def issue_token(
    session: Session, ctx: StaffContext, user: StaffUser, kind: str, expires: datetime | None
) -> tuple[str, StaffToken]:
    token = TOKEN_PREFIX[kind] + new_token()
    record = StaffToken(
        id=uuid.uuid4(),
        staff_id=user.id,
        kind=kind,
        token_hash=ctx.token_hash(token),
        expires_at=expires,
        created_at=ctx.clock(),
    )
    session.add(record)
    session.flush()
    return token, record


def create_api_key(session: Session, ctx: StaffContext, principal: Principal) -> str:
    user = session.get(StaffUser, principal.id)
    assert user is not None
    token, _ = issue_token(session, ctx, user, API_KEY, None)
    ctx.audit.record(session, "staff.api_key", actor=principal.actor)
    return token


def logout(session: Session, ctx: StaffContext, token: str) -> None:
    record = repository.get_token(session, ctx.token_hash(token))
    if record is not None and record.revoked_at is None:
        record.revoked_at = ctx.clock()


def authenticate(session: Session, ctx: StaffContext, token: str | None) -> Principal:
    """Who ``token`` belongs to: a live token of an enabled account, or InvalidCredentials."""
    if not token or not token.startswith(tuple(TOKEN_PREFIX.values())):
        raise InvalidCredentials("a staff token is required (Authorization: Bearer <token>)")
    record = repository.get_token(session, ctx.token_hash(token))
    now = ctx.clock()
    if record is None or record.revoked_at is not None:
        raise InvalidCredentials("the staff token is not valid")
    if record.expires_at is not None and as_utc(record.expires_at) <= now:
        raise InvalidCredentials("the session has expired; log in again")
    user = session.get(StaffUser, record.staff_id)
    if user is None or user.disabled:
        raise InvalidCredentials("the staff token is not valid")
    return principal_of(user)
