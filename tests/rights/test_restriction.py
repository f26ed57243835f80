"""Restriction freezes every purpose and new messages; objection stops analytics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from confide.policy.errors import ObjectionInForce, ProcessingRestricted
from confide.runtime import Runtime
from tests.conftest import Chat, cli_json
from tests.rights.helpers import me, subject_of


def test_restriction_refuses_new_messages_and_every_purpose_until_lifted(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    client.put("/v1/me/consents/improvement", json={"granted": True}, headers=chat.headers)
    response = client.post("/v1/me/restriction", headers=chat.headers)
    assert response.status_code == 200
    assert response.json()["restricted"] is True

    said = client.post(
        f"/v1/conversations/{chat.id}/messages", json={"text": "hello"}, headers=chat.headers
    )
    assert said.status_code == 423
    assert said.json()["error"] == "SubjectRestricted"
    assert "restricted" in said.json()["detail"]
    feedback = client.post(
        f"/v1/conversations/{chat.id}/feedback", json={"rating": "up"}, headers=chat.headers
    )
    assert feedback.status_code == 423
    purposes = {p["name"]: p for p in me(chat)["purposes"]}
    assert {p["processing_allowed"] for p in purposes.values()} == {False}
    assert {p["reason"] for p in purposes.values()} == {"restricted"}
    with runtime.work() as session, pytest.raises(ProcessingRestricted):
        runtime.policy.require_purpose(session, subject_of(chat), "improvement")
    # Storage and access go on: the transcript is still there for the customer.
    transcript = client.get(f"/v1/conversations/{chat.id}", headers=chat.headers).json()
    assert len(transcript["messages"]) == 1

    lifted = client.delete("/v1/me/restriction", headers=chat.headers)
    assert lifted.json() == {"restricted": False, "restricted_at": None, "objected": []}
    chat.say("hello again")
    with runtime.work() as session:
        runtime.policy.require_purpose(session, subject_of(chat), "improvement")
    assert [r["details"]["lift"] for r in me(chat)["requests"]] == [False, True]


def test_objection_stops_analytics_only(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    response = client.post(
        "/v1/me/objection", json={"purposes": ["analytics"]}, headers=chat.headers
    )
    assert response.status_code == 200
    assert response.json()["objected"] == ["analytics"]
    purposes = {p["name"]: p for p in me(chat)["purposes"]}
    assert (purposes["analytics"]["processing_allowed"], purposes["analytics"]["reason"]) == (
        False,
        "objected",
    )
    assert purposes["service"]["processing_allowed"] is True
    with runtime.work() as session, pytest.raises(ObjectionInForce):
        runtime.policy.require_purpose(session, subject_of(chat), "analytics")
    chat.say("still talking")

    response = client.post("/v1/me/objection", json={"lift": True}, headers=chat.headers)
    assert response.json()["objected"] == []
    with runtime.work() as session:
        runtime.policy.require_purpose(session, subject_of(chat), "analytics")


def test_objection_refuses_purposes_not_open_to_it(client: TestClient) -> None:
    chat = Chat(client)
    for body, status, error in (
        ({"purposes": ["service"]}, 409, "PurposeNotObjectable"),
        ({"purposes": ["improvement"]}, 409, "PurposeNotObjectable"),
        ({"purposes": ["nonsense"]}, 404, "UnknownPurpose"),
        ({"purposes": []}, 422, "InvalidRightsInput"),
        ({"purposes": "analytics"}, 422, "ValidationError"),
        ({"lift": "yes"}, 422, "ValidationError"),
    ):
        response = client.post("/v1/me/objection", json=body, headers=chat.headers)
        assert (response.status_code, response.json()["error"]) == (status, error), body
    assert me(chat)["processing"]["objected"] == []
    assert me(chat)["requests"] == []
    assert client.post("/v1/me/objection", json={}).status_code == 401
    assert client.post("/v1/me/restriction").status_code == 401


def test_cli_restrict_and_object(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    sid = str(subject_of(chat))
    code, body = cli_json(runtime.settings, "subjects", "restrict", sid)
    assert (code, body["restricted"], body["subject_id"]) == (0, True, sid)
    assert me(chat)["processing"]["restricted"] is True
    code, body = cli_json(runtime.settings, "subjects", "restrict", sid, "--lift")
    assert (code, body["restricted"]) == (0, False)
    code, body = cli_json(runtime.settings, "subjects", "object", sid)
    assert (code, body["objected"]) == (0, ["analytics"])
    code, body = cli_json(runtime.settings, "subjects", "object", sid, "--purpose", "service")
    assert (code, body["error"]) == (1, "PurposeNotObjectable")
    code, body = cli_json(runtime.settings, "subjects", "object", sid, "--lift")
    assert (code, body["objected"]) == (0, [])
    code, body = cli_json(runtime.settings, "subjects", "restrict", "not-an-id")
    assert (code, body["error"]) == (1, "InvalidRightsInput")
