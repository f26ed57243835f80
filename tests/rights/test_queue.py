"""The request queue: due one month after receipt, extended once with a reason, an
append-only history; `confide subjects requests --overdue` lists what is late."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from confide.rights import service
from confide.rights.queue import add_months
from confide.runtime import Runtime
from tests.conftest import Chat, cli_json
from tests.rights.helpers import Known, subject_of

RECEIVED = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 1, 31), 1, datetime(2026, 2, 28)),
        (datetime(2028, 1, 31), 1, datetime(2028, 2, 29)),
        (datetime(2026, 11, 15), 2, datetime(2027, 1, 15)),
        (datetime(2026, 12, 31), 3, datetime(2027, 3, 31)),
    ],
)
def test_add_months_keeps_the_day_or_the_months_last(
    moment: datetime, months: int, expected: datetime
) -> None:
    assert add_months(moment, months) == expected


def _file_old_request(runtime: Runtime, chat: Chat, type_: str = "erasure") -> str:
    """A request received on 31 January 2026 (by letter), still open."""
    old = dataclasses.replace(runtime.rights, clock=lambda: RECEIVED)
    with runtime.work() as session:
        return str(service.file_request(session, old, subject_of(chat), type_))


def test_overdue_lists_open_requests_past_their_due_date(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    request_id = _file_old_request(runtime, chat)
    assert client.get("/v1/me/export", headers=chat.headers).status_code == 200  # done now

    code, late = cli_json(runtime.settings, "subjects", "requests", "--overdue")
    assert code == 0
    assert [r["request_id"] for r in late] == [request_id]
    [request] = late
    assert (request["type"], request["status"], request["overdue"]) == ("erasure", "received", True)
    assert request["due_at"].startswith("2026-02-28T09:30")
    assert [e["status"] for e in request["history"]] == ["received"]
    code, every = cli_json(runtime.settings, "subjects", "requests")
    assert sorted(r["type"] for r in every) == ["access", "erasure"]


def test_extension_once_by_up_to_two_months_with_a_reason(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    request_id = _file_old_request(runtime, chat)
    for args, error in (
        (["--reason", "complex", "--months", "3"], "InvalidRightsInput"),
        (["--reason", "complex", "--months", "0"], "InvalidRightsInput"),
        (["--reason", "  "], "InvalidRightsInput"),
        (["--reason", "x" * 501], "InvalidRightsInput"),
    ):
        code, body = cli_json(runtime.settings, "subjects", "extend", request_id, *args)
        assert (code, body["error"]) == (1, error), args

    code, body = cli_json(
        runtime.settings, "subjects", "extend", request_id, "--reason", "many systems to search"
    )
    assert code == 0, body
    assert body["due_at"].startswith("2026-04-28T09:30")
    assert body["extension_reason"] == "many systems to search"
    assert [(e["kind"], e["note"]) for e in body["history"]] == [
        ("status", None),
        ("extended", "many systems to search"),
    ]
    code, body = cli_json(runtime.settings, "subjects", "extend", request_id, "--reason", "more")
    assert (code, body["error"]) == (1, "AlreadyExtended")
    code, body = cli_json(runtime.settings, "subjects", "requests", "--overdue")
    assert [r["due_at"][:10] for r in body] == ["2026-04-28"]


def test_a_completed_request_cannot_be_extended_and_unknown_ones_are_404(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    request_id = _file_old_request(runtime, chat, "access")
    assert client.get("/v1/me/export", headers=chat.headers).status_code == 200
    code, body = cli_json(runtime.settings, "subjects", "requests")
    [request] = body
    assert request["request_id"] == request_id  # the open request was completed
    assert [e["status"] for e in request["history"]] == ["received", "completed"]
    assert request["overdue"] is False
    code, body = cli_json(runtime.settings, "subjects", "extend", request_id, "--reason", "late")
    assert (code, body["error"]) == (1, "RequestClosed")
    code, body = cli_json(
        runtime.settings,
        "subjects",
        "extend",
        "00000000-0000-0000-0000-000000000000",
        "--reason",
        "x",
    )
    assert (code, body["error"]) == (1, "RequestNotFound")


def test_cli_request_records_a_received_request(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    sid = str(subject_of(chat))
    code, body = cli_json(runtime.settings, "subjects", "request", sid, "--type", "access")
    assert code == 0, body
    assert (body["type"], body["status"], body["channel"]) == ("access", "received", "cli")
    code, body = cli_json(runtime.settings, "subjects", "request", sid, "--type", "deletion")
    assert (code, body["error"]) == (1, "InvalidRightsInput")


def test_subjects_list_shows_no_personal_data_unless_asked(
    client: TestClient, runtime: Runtime
) -> None:
    known = Known(client, "listed")
    client.post("/v1/me/restriction", headers=known.headers)
    code, body = cli_json(runtime.settings, "subjects", "list")
    assert code == 0
    [row] = [r for r in body if r["subject_id"] == str(subject_of(known))]
    assert set(row) == {
        "subject_id",
        "pseudonymous_id",
        "status",
        "created_at",
        "conversations",
        "requests",
        "restricted",
    }
    assert (row["conversations"], row["requests"], row["restricted"]) == (1, 1, True)
    _, raw = cli_json(runtime.settings, "subjects", "list")
    assert "listed@example.com" not in str(raw)
    code, body = cli_json(runtime.settings, "subjects", "list", "--with-identifiers")
    [row] = [r for r in body if r["subject_id"] == str(subject_of(known))]
    assert row["identifiers"]["email"] == "listed@example.com"
