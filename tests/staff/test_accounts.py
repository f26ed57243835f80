"""Staff accounts: Argon2id passwords, logins (throttled, locked after failures, audited
without names), session expiry, API keys, disabling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from confide.audit.models import AuditEntry
from confide.runtime import Runtime
from confide.staff.passwords import Passwords
from confide.staff.service import StaffContext
from confide.staff.throttle import LoginThrottle
from tests.staff.helpers import PASSWORD, add_staff, login


def entries(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.work() as session:
        rows = session.query(AuditEntry).filter_by(action=action).order_by(AuditEntry.seq)
        return list(rows)


def test_default_password_hashes_are_argon2id_with_64_mib() -> None:
    hashed = Passwords().hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,")
    assert Passwords().verify(hashed, PASSWORD)
    assert not Passwords().verify(hashed, PASSWORD + "x")


def test_stronger_parameters_rehash_the_password_at_the_next_login(
    client: TestClient, runtime: Runtime
) -> None:
    add_staff(runtime, "ana", "agent")
    ctx = runtime.staff
    runtime.staff = StaffContext(
        ctx.token_hash, Passwords(time_cost=2, memory_kib=2048), ctx.audit, ctx.clock, ctx.policy
    )
    login(client, "ana")
    with runtime.work() as session:
        from confide.staff.repository import get_by_name

        user = get_by_name(session, "ana")
        assert user is not None and "m=2048,t=2," in user.password_hash


def test_login_gives_a_session_token_and_the_audit_entry_names_no_one(
    client: TestClient, runtime: Runtime
) -> None:
    actor = add_staff(runtime, "ana", "agent")
    headers = login(client, "ana")
    me = client.get("/v1/staff/me", headers=headers).json()
    assert (me["name"], me["role"], me["actor"]) == ("ana", "agent", actor)
    [entry] = entries(runtime, "staff.login")
    assert (entry.actor, entry.outcome) == (actor, "ok")
    assert "ana" not in f"{entry.actor}{entry.reason}"


@pytest.mark.parametrize("name", ["ana", "nobody-here"])
def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(
    client: TestClient, runtime: Runtime, name: str
) -> None:
    add_staff(runtime, "ana", "agent")
    response = client.post("/v1/staff/login", json={"name": name, "password": "wrong password!"})
    assert response.status_code == 401
    assert response.json() == {
        "error": "InvalidCredentials",
        "detail": "the name or the password is wrong",
    }
    [entry] = entries(runtime, "staff.login")
    assert entry.outcome == "denied"
    assert name not in f"{entry.actor}{entry.reason}"


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client: TestClient, runtime: Runtime
) -> None:
    add_staff(runtime, "ana", "agent")
    for _ in range(runtime.settings.staff_max_failed_logins):
        bad = client.post("/v1/staff/login", json={"name": "ana", "password": "not the password"})
        assert bad.status_code == 401
    locked = client.post("/v1/staff/login", json={"name": "ana", "password": PASSWORD})
    assert locked.status_code == 423
    assert [e.reason for e in entries(runtime, "staff.login")][-2:] == [
        "wrong password; locked after 5 failures",
        "account locked",
    ]
    # The lock ends after staff_lockout_minutes.
    later = runtime.clock() + timedelta(minutes=runtime.settings.staff_lockout_minutes + 1)
    ctx = runtime.staff
    runtime.staff = StaffContext(
        ctx.token_hash, ctx.passwords, ctx.audit, lambda: later, ctx.policy
    )
    assert (
        client.post("/v1/staff/login", json={"name": "ana", "password": PASSWORD}).status_code
        == 200
    )


def test_logins_from_one_address_are_throttled(client: TestClient, runtime: Runtime) -> None:
    add_staff(runtime, "ana", "agent")
    runtime.login_throttle = LoginThrottle(per_minute=3)
    codes = [
        client.post("/v1/staff/login", json={"name": "ana", "password": PASSWORD}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_throttle_forgets_attempts_older_than_a_minute() -> None:
    now = [0.0]
    throttle = LoginThrottle(per_minute=2, clock=lambda: now[0])
    assert [throttle.allow("192.0.2.1") for _ in range(3)] == [True, True, False]
    assert throttle.allow("192.0.2.2")
    now[0] = 61.0
    assert throttle.allow("192.0.2.1")


def test_a_session_expires_and_logout_revokes_it(client: TestClient, runtime: Runtime) -> None:
    add_staff(runtime, "ana", "agent")
    headers = login(client, "ana")
    assert client.post("/v1/staff/logout", headers=headers).status_code == 204
    assert client.get("/v1/staff/me", headers=headers).status_code == 401

    headers = login(client, "ana")
    ctx = runtime.staff
    later = runtime.clock() + timedelta(minutes=runtime.settings.staff_session_minutes + 1)
    runtime.staff = StaffContext(
        ctx.token_hash, ctx.passwords, ctx.audit, lambda: later, ctx.policy
    )
    expired = client.get("/v1/staff/me", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["detail"] == "the session has expired; log in again"


def test_an_api_key_works_until_the_account_is_disabled(
    client: TestClient, runtime: Runtime
) -> None:
    add_staff(runtime, "ana", "agent")
    admin = (add_staff(runtime, "root", "admin"), login(client, "root"))[1]
    session_headers = login(client, "ana")
    key = client.post("/v1/staff/api-keys", headers=session_headers).json()
    assert key["token"].startswith("cfk_") and key["expires_at"] is None
    api = {"Authorization": f"Bearer {key['token']}"}
    assert client.get("/v1/agent/queue", headers=api).status_code == 200

    disabled = client.post("/v1/staff/users/ana/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert client.get("/v1/agent/queue", headers=api).status_code == 401
    assert client.get("/v1/agent/queue", headers=session_headers).status_code == 401
    relogin = client.post("/v1/staff/login", json={"name": "ana", "password": PASSWORD})
    assert relogin.status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"name": "Bad Name!", "role": "agent", "password": PASSWORD}, 422, "StaffInvalid"),
        ({"name": "ben", "role": "wizard", "password": PASSWORD}, 422, "InvalidRole"),
        ({"name": "ben", "role": "agent", "password": "short"}, 422, "StaffInvalid"),
        ({"name": "root", "role": "agent", "password": PASSWORD}, 409, "StaffNameTaken"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_created(
    client: TestClient, runtime: Runtime, body: dict[str, str], status: int, error: str
) -> None:
    add_staff(runtime, "root", "admin")
    admin = login(client, "root")
    response = client.post("/v1/staff/users", json=body, headers=admin)
    assert (response.status_code, response.json()["error"]) == (status, error)
    names = [u["name"] for u in client.get("/v1/staff/users", headers=admin).json()]
    assert names == ["root"]


def test_a_refused_action_is_an_audit_entry(client: TestClient, runtime: Runtime) -> None:
    actor = add_staff(runtime, "ana", "agent")
    headers = login(client, "ana")
    assert client.get("/v1/staff/users", headers=headers).status_code == 403
    [entry] = entries(runtime, "access.denied")
    assert (entry.actor, entry.reason, entry.outcome) == (actor, "users.manage", "denied")
