"""Blind indexes: a customer is found by email or phone without decrypting anything, and
neither identifier is stored in the clear."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from confide.runtime import Runtime
from confide.subjects.identifiers import InvalidIdentifier, normalise_email, normalise_phone
from confide.subjects.service import find_subjects, shred_subject
from tests.conftest import cli_json


def _start(client: TestClient, **customer: str) -> str:
    response = client.post("/v1/conversations", json={"customer": customer})
    assert response.status_code == 201, response.text
    subject_id: str = response.json()["subject_id"]
    return subject_id


def test_a_customer_is_found_by_email_and_by_phone_in_any_common_format(
    client: TestClient, runtime: Runtime
) -> None:
    ada = _start(client, email="Ada.Lovelace@Example.com", phone="(202) 555-0143")
    _start(client, email="grace@example.com", phone="+1 202 555 0199")
    with runtime.work() as session:
        by_email = find_subjects(session, runtime.vault, email="  ada.lovelace@example.COM ")
        by_phone = find_subjects(session, runtime.vault, phone="+12025550143")
        by_local = find_subjects(session, runtime.vault, phone="202.555.0143")
        nobody = find_subjects(session, runtime.vault, email="nobody@example.com")
    assert [str(s.id) for s in by_email] == [ada]
    assert [str(s.id) for s in by_phone] == [str(s.id) for s in by_local] == [ada]
    assert nobody == []


def test_an_erased_customer_can_no_longer_be_found(client: TestClient, runtime: Runtime) -> None:
    import uuid

    subject_id = _start(client, email="erase.me@example.com", phone="202-555-0150")
    with runtime.work() as session:
        shred_subject(session, runtime.vault, uuid.UUID(subject_id))
    with runtime.work() as session:
        assert find_subjects(session, runtime.vault, email="erase.me@example.com") == []
        assert find_subjects(session, runtime.vault, phone="202-555-0150") == []


@pytest.mark.parametrize(
    ("customer", "detail"),
    [
        ({"email": "not-an-email"}, "email is not a valid email address"),
        ({"email": "a b@example.com"}, "email is not a valid email address"),
        ({"phone": "call me maybe"}, "phone is not a phone number"),
        ({"phone": "+1 12"}, "phone is not a possible phone number"),
    ],
)
def test_invalid_identifiers_are_refused_and_create_nothing(
    client: TestClient, runtime: Runtime, customer: dict[str, str], detail: str
) -> None:
    from sqlalchemy import func, select

    from confide.subjects.models import Subject

    with runtime.work() as session:
        before = session.scalar(select(func.count()).select_from(Subject))
    response = client.post("/v1/conversations", json={"customer": customer})
    assert (response.status_code, response.json()) == (
        422,
        {"error": "InvalidIdentifier", "detail": detail},
    )
    with runtime.work() as session:
        assert session.scalar(select(func.count()).select_from(Subject)) == before


def test_normalisation() -> None:
    assert normalise_email(" Ada@Example.COM ") == "ada@example.com"
    assert normalise_phone("(202) 555-0143", "US") == "+12025550143"
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
    with pytest.raises(InvalidIdentifier):
        normalise_email("@example.com")


def test_subjects_find_on_the_command_line(client: TestClient, runtime: Runtime) -> None:
    ada = _start(client, email="ada@example.com")
    code, found = cli_json(runtime.settings, "subjects", "find", "--email", "ADA@example.com")
    assert code == 0
    assert found == [{"subject_id": ada, "status": "active"}]
    code, error = cli_json(runtime.settings, "subjects", "find")
    assert code == 1 and error["error"] == "InvalidIdentifier"
