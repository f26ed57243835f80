"""Bad input gets a clear 4xx JSON error and changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Chat


def _messages(client: TestClient, chat: Chat) -> list[dict[str, object]]:
    messages: list[dict[str, object]] = client.get(
        f"/v1/conversations/{chat.id}", headers=chat.headers
    ).json()["messages"]
    return messages


def _post_raw(client: TestClient, chat: Chat, content: bytes) -> tuple[int, dict[str, str]]:
    response = client.post(
        f"/v1/conversations/{chat.id}/messages",
        content=content,
        headers={**chat.headers, "Content-Type": "application/json"},
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("content", "status", "error"),
    [
        (b'{"text": ""}', 422, "MessageInvalid"),
        (b'{"text": "   \\n\\t "}', 422, "MessageInvalid"),
        (b'{"text": "a\\u0000b"}', 422, "MessageInvalid"),
        (b"{}", 422, "ValidationError"),
        (b'{"text": 42}', 422, "ValidationError"),
        (b'{"text": "hi", "extra": 1}', 422, "ValidationError"),
        (b'{"text": "hi"', 400, "BadRequest"),
        (b"", 422, "ValidationError"),
        ('{"text": "caf\xe9"}'.encode("latin-1"), 400, "BadRequest"),
        (b"\xff\xfe\x00garbage", 400, "BadRequest"),
    ],
    ids=[
        "empty",
        "blank",
        "nul",
        "missing",
        "wrong-type",
        "unknown-field",
        "truncated",
        "no-body",
        "latin-1",
        "binary",
    ],
)
def test_malformed_messages_are_refused_and_store_nothing(
    client: TestClient, chat: Chat, content: bytes, status: int, error: str
) -> None:
    before = _messages(client, chat)
    code, body = _post_raw(client, chat, content)
    assert (code, body["error"]) == (status, error)
    assert body["detail"]
    assert _messages(client, chat) == before


def test_a_message_over_the_limit_is_refused_with_the_limit_stated(
    client: TestClient, chat: Chat
) -> None:
    code, body = _post_raw(client, chat, b'{"text": "' + b"a" * 4001 + b'"}')
    assert (code, body) == (
        413,
        {"error": "MessageTooLong", "detail": "a message is at most 4000 characters"},
    )
    code, _ = _post_raw(client, chat, b'{"text": "' + b"a" * 4000 + b'"}')
    assert code == 200


def test_a_body_over_the_byte_limit_is_refused_before_it_is_read(
    client: TestClient, chat: Chat
) -> None:
    before = _messages(client, chat)
    code, body = _post_raw(client, chat, b'{"text": "' + b"a" * 70_000 + b'"}')
    assert (code, body["error"]) == (413, "PayloadTooLarge")
    assert "65536 bytes" in body["detail"]
    assert _messages(client, chat) == before


def test_a_malformed_conversation_id_is_a_422(client: TestClient, chat: Chat) -> None:
    response = client.get("/v1/conversations/not-a-uuid", headers=chat.headers)
    assert response.status_code == 422 and response.json()["error"] == "ValidationError"


def test_unknown_route_and_method_are_json_errors(client: TestClient) -> None:
    assert client.get("/v1/nothing").json()["error"] == "NotFound"
    response = client.delete("/v1/conversations")
    assert (response.status_code, response.json()["error"]) == (405, "MethodNotAllowed")


@pytest.mark.parametrize(
    "body",
    [{"rating": "meh"}, {"rating": "up", "solved": "maybe"}, {}, {"rating": "up", "x": 1}],
)
def test_bad_feedback_is_refused(client: TestClient, chat: Chat, body: dict[str, object]) -> None:
    response = client.post(f"/v1/conversations/{chat.id}/feedback", json=body, headers=chat.headers)
    assert response.status_code == 422 and response.json()["error"] == "ValidationError"


def test_bad_customer_details_are_refused(client: TestClient) -> None:
    response = client.post("/v1/conversations", json={"customer": {"email": "x" * 300}})
    assert response.status_code == 422
