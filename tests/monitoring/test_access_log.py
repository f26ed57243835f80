"""One JSON access line per request: route template, never the id, token or query string."""

from __future__ import annotations

import json
import logging

import pytest

from confide.logs import JsonFormatter
from tests.conftest import Chat


def test_each_request_writes_one_json_access_line_with_the_route_template(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    chat.say("Where is my order?")
    chat.client.get(f"/v1/conversations/{chat.id}?email=ada@example.com", headers=chat.headers)
    access = [r for r in caplog.records if r.name == "confide.access"]
    lines = [json.loads(JsonFormatter().format(r)) for r in access]
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("POST", "/v1/conversations/{conversation_id}/messages", 200),
        ("GET", "/v1/conversations/{conversation_id}", 200),
    ]
    first = lines[0]
    assert set(first) == {
        "time",
        "level",
        "logger",
        "message",
        "method",
        "route",
        "status",
        "duration_ms",
    }
    assert first["logger"] == "confide.access" and first["level"] == "INFO"
    assert first["message"].startswith("POST /v1/conversations/{conversation_id}/messages 200 ")
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0


def test_no_log_line_of_a_conversation_holds_its_id_token_or_query(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    chat.say("I want to talk to a real person please")
    chat.client.get(f"/v1/conversations/{chat.id}?email=ada@example.com", headers=chat.headers)
    chat.client.get(f"/v1/conversations/{chat.id}/nothing-here", headers=chat.headers)
    written = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "confide.access" in written
    for secret in (chat.id, chat.token, "ada@example.com", "nothing-here"):
        assert secret not in written
