"""Bad input gets a clear 4xx JSON error and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from confide.db import MAX_INTEGER
from confide.runtime import Runtime
from tests.conftest import Chat
from tests.staff.helpers import claimed_handoff, staff_headers


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
        (b'{"text": "a\\ud800b"}', 400, "BadRequest"),
        (b'{"text": "a\\udc00b"}', 400, "BadRequest"),
        (b'{"text": "a\\ude00\\ud83db"}', 400, "BadRequest"),
        ('{"text": "a\udc00b"}'.encode("utf-8", "surrogatepass"), 400, "BadRequest"),
        ('{"text": "hello"}'.encode("utf-16"), 400, "BadRequest"),
        (b'{"text": ' + b"[" * 3000 + b'"\\ud800"' + b"]" * 3000 + b"}", 400, "BadRequest"),
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
        "lone-high-surrogate",
        "lone-low-surrogate",
        "surrogates-out-of-order",
        "raw-surrogate-bytes",
        "utf-16",
        "deeply-nested-surrogate",
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


def test_a_character_written_as_a_surrogate_pair_is_taken(client: TestClient, chat: Chat) -> None:
    """The escapes of a pair make one character (json.dumps writes an emoji so): only a lone
    surrogate is refused."""
    code, _ = _post_raw(client, chat, b'{"text": "my parcel \\ud83d\\udce6 has not arrived"}')
    assert code == 200
    assert _messages(client, chat)[-2]["text"] == "my parcel \U0001f4e6 has not arrived"


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


def _integers(schema: dict[str, Any], components: dict[str, Any], where: str) -> Iterator[Any]:
    """(where, its schema) for each integer in ``schema``, through references and unions."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        yield from _integers(components[name], components, f"{where}:{name}")
        return
    for union in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(union, []):
            yield from _integers(option, components, where)
    if schema.get("type") == "integer":
        yield where, schema
    for name, prop in schema.get("properties", {}).items():
        yield from _integers(prop, components, f"{where}.{name}")
    if "items" in schema:
        yield from _integers(schema["items"], components, f"{where}[]")


def test_every_number_the_api_reads_has_a_bound_the_database_holds(client: TestClient) -> None:
    """A path, query or body integer without a maximum reaches the database whatever its size
    (PostgreSQL fails above 2**31 - 1, SQLite's driver from 2**63: a 500). The schematic guard
    for the whole class."""
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    read = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                where = f"{method.upper()} {path} {param['in']} {param['name']}"
                read.extend(_integers(param["schema"], components, where))
            for content in op.get("requestBody", {}).get("content", {}).values():
                read.extend(_integers(content["schema"], components, f"{method} {path} body"))
    assert len(read) >= 6  # versions, audit paging, alert paging, the reveal's message and minutes
    unbounded = [where for where, s in read if not _held(s.get("minimum"), s.get("maximum"))]
    assert unbounded == []


def _held(low: float | None, high: float | None) -> bool:
    """Whether a schema's bounds are ones the database holds (a body field's are written as
    floats: 2147483647.0)."""
    return low is not None and high is not None and low >= -MAX_INTEGER - 1 and high <= MAX_INTEGER


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/v1/privacy-notice/versions/{MAX_INTEGER + 1}", 422),
        (f"/v1/privacy-notice/versions/{MAX_INTEGER}", 404),
        (f"/privacy-notice/{MAX_INTEGER + 1}", 422),
        (f"/privacy-notice/{MAX_INTEGER}", 404),
        (f"/v1/audit/entries?after={MAX_INTEGER + 1}", 422),
        (f"/v1/audit/entries?after={MAX_INTEGER}", 200),
    ],
)
def test_a_number_larger_than_the_database_holds_is_refused(
    client: TestClient, runtime: Runtime, path: str, status: int
) -> None:
    """Found by the fuzzer (test_fuzz.py): 2**63 was a 500 on SQLite, and on PostgreSQL
    anything above 2**31 - 1; the largest number accepted is an ordinary miss (or an empty
    page) on both."""
    headers = staff_headers(client, runtime, "auditor-1", "auditor")
    before = len(client.get("/v1/audit/entries?limit=1000", headers=headers).json()["entries"])
    response = client.get(path, headers=headers)
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["error"] == "ValidationError"
        # Nothing was read, so nothing was audited: a refusal changes nothing.
        after = client.get("/v1/audit/entries?limit=1000", headers=headers).json()["entries"]
        assert len(after) == before + 1  # the one read that counts them
    elif status == 200:
        assert response.json()["entries"] == []


def test_a_reveal_of_a_message_beyond_the_databases_numbers_is_refused(
    client: TestClient, runtime: Runtime, chat: Chat
) -> None:
    agent = staff_headers(client, runtime, "agent-1", "agent")
    claimed_handoff(client, agent, chat)
    path = f"/v1/agent/conversations/{chat.id}"
    body = {"reason": "checking the order on file", "message_seq": MAX_INTEGER + 1}
    response = client.post(path + "/reveal", json=body, headers=agent)
    assert (response.status_code, response.json()["error"]) == (422, "ValidationError")
    body["message_seq"] = MAX_INTEGER
    response = client.post(path + "/reveal", json=body, headers=agent)
    assert response.status_code == 422 and response.json()["error"] == "RevealInvalid"


def test_a_nul_character_bound_for_the_database_is_refused_and_changes_nothing(
    client: TestClient, runtime: Runtime, chat: Chat
) -> None:
    """A reveal's reason is written to the audit log with the grant: with a NUL character in
    it (which PostgreSQL cannot hold) the request is a 422 and neither is written."""
    agent = staff_headers(client, runtime, "agent-1", "agent")
    auditor = staff_headers(client, runtime, "auditor-1", "auditor")
    claimed_handoff(client, agent, chat)
    path = f"/v1/agent/conversations/{chat.id}"

    def reveals() -> int:
        entries = client.get("/v1/audit/entries?limit=1000", headers=auditor).json()["entries"]
        return sum(1 for e in entries if "reveal" in e["action"])

    before = reveals()
    body = {"reason": "checking the \x00 order on file"}
    response = client.post(path + "/reveal", json=body, headers=agent)
    assert (response.status_code, response.json()["error"]) == (422, "TextInvalid")
    assert reveals() == before
    assert client.get(path, headers=agent).json()["revealed"] is False
    body["reason"] = "checking the order on file"
    assert client.post(path + "/reveal", json=body, headers=agent).status_code == 200
    assert reveals() == before + 1
    assert client.get(path, headers=agent).json()["revealed"] is True
