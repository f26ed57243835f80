"""Identity before anything leaves or is destroyed: the token alone for an anonymous chat,
token and a one-time code from the outbox when an email is on file."""

from __future__ import annotations

import dataclasses
import stat
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.rights.models import VerificationCode
from confide.runtime import Runtime
from tests.conftest import Chat
from tests.rights.helpers import Known, outbox, request_code, subject_of, with_code


def test_known_customer_needs_a_code_for_export_erasure_and_rectification(
    client: TestClient,
) -> None:
    known = Known(client, "needs-code")
    for method, path, body in (
        ("GET", "/v1/me/export", None),
        ("DELETE", "/v1/me", None),
        ("PATCH", "/v1/me", {"name": "Ada Lovelace"}),
    ):
        response = client.request(method, path, json=body, headers=known.headers)
        assert response.status_code == 401, path
        assert response.json()["error"] == "VerificationRequired"
        assert "X-Verification-Code" in response.json()["detail"]
    assert client.get("/v1/me", headers=known.headers).json()["profile"]["status"] == "active"


def test_code_is_sent_to_the_outbox_and_opens_the_export_once(
    client: TestClient, runtime: Runtime
) -> None:
    known = Known(client, "outbox")
    code = request_code(known, runtime)
    [message] = outbox(runtime)
    assert message["to"] == "outbox@example.com"
    files = list((Path(runtime.settings.data_dir) / "outbox").iterdir())
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600

    first = client.get("/v1/me/export", headers=with_code(known, code))
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/zip"
    again = client.get("/v1/me/export", headers=with_code(known, code))
    assert (again.status_code, again.json()["error"]) == (401, "VerificationFailed")


def test_code_is_stored_only_as_a_keyed_hash(client: TestClient, runtime: Runtime) -> None:
    known = Known(client, "hashed")
    code = request_code(known, runtime)
    with runtime.work() as session:
        [row] = session.scalars(select(VerificationCode)).all()
        assert code not in row.code_hash and len(row.code_hash) == 64
        assert row.subject_id == subject_of(known)


def test_wrong_codes_count_and_lock_the_code_after_five(
    client: TestClient, runtime: Runtime
) -> None:
    known = Known(client, "guesser")
    code = request_code(known, runtime)
    wrong = "00000000" if code != "00000000" else "11111111"
    for _ in range(5):
        response = client.delete("/v1/me", headers=with_code(known, wrong))
        assert (response.status_code, response.json()["error"]) == (401, "VerificationFailed")
    response = client.delete("/v1/me", headers=with_code(known, code))
    assert (response.status_code, response.json()["error"]) == (429, "TooManyAttempts")
    assert client.get("/v1/me", headers=known.headers).json()["profile"]["status"] == "active"
    # A fresh code works again.
    fresh = request_code(known, runtime)
    assert client.get("/v1/me/export", headers=with_code(known, fresh)).status_code == 200


def test_an_expired_code_and_a_replaced_code_are_refused(
    client: TestClient, runtime: Runtime
) -> None:
    known = Known(client, "expiry")
    old = request_code(known, runtime)
    new = request_code(known, runtime)
    if old != new:
        response = client.get("/v1/me/export", headers=with_code(known, old))
        assert response.status_code == 401
    later = runtime.clock() + timedelta(minutes=16)
    runtime.rights = dataclasses.replace(runtime.rights, clock=lambda: later)
    response = client.get("/v1/me/export", headers=with_code(known, new))
    assert (response.status_code, response.json()["error"]) == (401, "VerificationFailed")


def test_sending_codes_is_rate_limited(client: TestClient, runtime: Runtime) -> None:
    known = Known(client, "flood")
    for _ in range(5):
        request_code(known, runtime)
    response = client.post("/v1/me/verification", headers=known.headers)
    assert (response.status_code, response.json()["error"]) == (429, "TooManyAttempts")
    assert len(outbox(runtime)) == 5


def test_anonymous_chat_needs_no_code(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    response = client.post("/v1/me/verification", headers=chat.headers)
    assert response.status_code == 200
    assert (response.json()["required"], response.json()["sent"]) == (False, False)
    assert outbox(runtime) == []
    assert client.get("/v1/me/export", headers=chat.headers).status_code == 200


def test_verification_needs_a_token(client: TestClient) -> None:
    response = client.post("/v1/me/verification")
    assert (response.status_code, response.json()["error"]) == (401, "InvalidToken")
    long_code = {"Authorization": "Bearer x", "X-Verification-Code": "9" * 40}
    assert client.get("/v1/me/export", headers=long_code).status_code == 422
