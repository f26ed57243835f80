"""Rectification: identifiers sealed again and re-indexed; bad input changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from confide.subjects.service import find_subjects
from tests.conftest import Chat, cli_json
from tests.rights.helpers import Known, me, request_code, subject_of, with_code


def _found(runtime: Runtime, **identifier: str) -> int:
    with runtime.work() as session:
        return len(find_subjects(session, runtime.vault, **identifier))  # type: ignore[arg-type]


def test_patch_me_reseals_and_reindexes(client: TestClient, runtime: Runtime) -> None:
    known = Known(client, "old")
    code = request_code(known, runtime)
    response = client.patch(
        "/v1/me",
        json={"email": " New@Example.com ", "phone": "(202) 555-0188", "name": "Ada New"},
        headers=with_code(known, code),
    )
    assert response.status_code == 200, response.text
    assert response.json()["identifiers"] == {
        "email": "new@example.com",
        "phone": "+12025550188",
        "name": "Ada New",
        "external_id": None,
    }
    assert _found(runtime, email="new@example.com") == 1
    assert _found(runtime, email="old@example.com") == 0
    assert _found(runtime, phone="+1 202 555 0188") == 1
    assert _found(runtime, phone="+1 202 555 0143") == 0
    [request] = me(known)["requests"]
    assert (request["type"], request["status"]) == ("rectification", "completed")
    assert request["details"] == {"fields": ["email", "name", "phone"]}


def test_patch_me_removes_a_field_with_an_empty_string(client: TestClient) -> None:
    chat = Chat(client)
    response = client.patch("/v1/me", json={"name": "Ada"}, headers=chat.headers)
    assert response.json()["identifiers"]["name"] == "Ada"
    response = client.patch("/v1/me", json={"name": ""}, headers=chat.headers)
    assert response.json()["identifiers"]["name"] is None


def test_bad_rectification_changes_nothing(client: TestClient, runtime: Runtime) -> None:
    chat = Known(client, "kept")
    # A refused change leaves the code unused (its transaction rolls back).
    headers = with_code(chat, request_code(chat, runtime))
    for body, status in (
        ({"email": "not-an-email"}, 422),
        ({"phone": "12"}, 422),
        ({}, 422),
        ({"favourite_colour": "blue"}, 422),
        ({"name": "x" * 201}, 422),
    ):
        response = client.patch("/v1/me", json=body, headers=headers)
        assert response.status_code == status, body
        assert set(response.json()) == {"error", "detail"}
        assert "not-an-email" not in response.json()["detail"]
    bad_json = {**headers, "Content-Type": "application/json"}
    assert client.patch("/v1/me", content=b"{", headers=bad_json).status_code == 400
    assert me(chat)["profile"]["identifiers"]["email"] == "kept@example.com"
    assert _found(runtime, email="kept@example.com") == 1
    assert me(chat)["requests"] == []
    assert client.patch("/v1/me", json={"name": "Ada"}, headers=headers).status_code == 200


def test_cli_rectify(client: TestClient, runtime: Runtime) -> None:
    known = Known(client, "cli-rectify")
    sid = str(subject_of(known))
    code, body = cli_json(
        runtime.settings, "subjects", "rectify", sid, "--email", "fixed@example.com"
    )
    assert code == 0, body
    assert body["rectified"] == ["email"] and "identifiers" not in body
    assert me(known)["profile"]["identifiers"]["email"] == "fixed@example.com"
    code, body = cli_json(runtime.settings, "subjects", "rectify", sid, "--email", "bad")
    assert (code, body["error"]) == (1, "InvalidIdentifier")
    assert "bad" not in body["detail"]
    code, body = cli_json(runtime.settings, "subjects", "rectify", sid)
    assert (code, body["error"]) == (1, "InvalidRightsInput")
