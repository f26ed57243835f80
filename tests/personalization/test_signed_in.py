"""Signed-in customers: the operator's backend signs external_id (identity_hash), and only a
signed external_id ever finds a customer again; a typed one never does."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from confide.config import Settings
from confide.crypto import identity_hash
from confide.runtime import Runtime
from confide.subjects.models import Subject

SECRET = "identity-secret-for-tests-only"
ACCOUNT = "account-4711"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"identity_secret": SecretStr(SECRET)})


def signed(external_id: str = ACCOUNT, **more: str) -> dict[str, Any]:
    customer = {"external_id": external_id, "identity_hash": identity_hash(SECRET, external_id)}
    return {"customer": {**customer, **more}}


def start(client: TestClient, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.post("/v1/conversations", json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def subjects(runtime: Runtime) -> int:
    with runtime.work() as session:
        return int(session.scalar(select(func.count()).select_from(Subject)) or 0)


def test_the_same_signed_in_customer_is_recognised_and_greeted(
    client: TestClient, runtime: Runtime
) -> None:
    first = start(client, signed(name="Alex Example"))
    headers = {"Authorization": f"Bearer {first['token']}"}
    consent = client.put("/v1/me/consents/personalization", json={"granted": True}, headers=headers)
    assert consent.status_code == 200, consent.text
    again = start(client, signed())
    assert again["subject_id"] == first["subject_id"]
    assert again["personal_greeting"]["text"].startswith("Welcome back, Alex Example!")
    assert subjects(runtime) == 1


def test_a_typed_external_id_never_finds_a_signed_in_customer(
    client: TestClient, runtime: Runtime
) -> None:
    first = start(client, signed(name="Alex Example"))
    typed = start(client, {"customer": {"external_id": ACCOUNT}})
    assert typed["subject_id"] != first["subject_id"]
    # Nor does a customer who once typed it become findable by a later signature.
    other = "account-0815"
    start(client, {"customer": {"external_id": other}})
    signed_other = start(client, signed(other))
    assert start(client, signed(other))["subject_id"] == signed_other["subject_id"]
    assert subjects(runtime) == 4


@pytest.mark.parametrize(
    ("customer", "status", "error"),
    [
        ({"external_id": ACCOUNT, "identity_hash": "0" * 64}, 401, "InvalidIdentity"),
        (
            {"external_id": "account-4712", "identity_hash": identity_hash(SECRET, ACCOUNT)},
            401,
            "InvalidIdentity",
        ),
        ({"identity_hash": identity_hash(SECRET, ACCOUNT)}, 422, "MessageInvalid"),
        ({"external_id": ACCOUNT, "identity_hash": "not hex"}, 422, "ValidationError"),
    ],
)
def test_a_bad_signature_is_refused_and_changes_nothing(
    client: TestClient, runtime: Runtime, customer: dict[str, str], status: int, error: str
) -> None:
    body = start(client, {"customer": customer}, status)
    assert body["error"] == error
    assert subjects(runtime) == 0


def test_an_erased_signed_in_customer_starts_afresh(client: TestClient, runtime: Runtime) -> None:
    first = start(client, signed())
    erased = client.delete("/v1/me", headers={"Authorization": f"Bearer {first['token']}"})
    assert erased.status_code == 200, erased.text
    assert start(client, signed())["subject_id"] != first["subject_id"]


def test_a_restricted_signed_in_customer_cannot_start_a_conversation(
    client: TestClient, runtime: Runtime
) -> None:
    first = start(client, signed())
    headers = {"Authorization": f"Bearer {first['token']}"}
    assert client.post("/v1/me/restriction", headers=headers).status_code == 200
    assert start(client, signed(), 423)["error"] == "SubjectRestricted"
    assert subjects(runtime) == 1
