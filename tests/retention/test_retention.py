"""The retention job: each category goes once its period ends, a dry run changes nothing,
and an expired conversation says so."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from confide.consent.models import ConsentRecord
from confide.conversations.models import Conversation, Feedback, Message
from confide.retention import RetentionPeriods, run_retention
from confide.rights import queue
from confide.rights.models import RightsRequest, RightsRequestEvent
from confide.runtime import Runtime
from tests.conftest import Chat
from tests.consent.helpers import decide, subject_id


def age(runtime: Runtime, chat: Chat, days: float, *, what: str = "all") -> None:
    """Move one conversation's times ``days`` into the past, as if it happened then."""
    conversation_id = uuid.UUID(chat.id)
    delta = timedelta(days=days)
    targets = {
        "conversation": (
            select(Conversation).where(Conversation.id == conversation_id),
            "updated_at",
        ),
        "messages": (
            select(Message).where(Message.conversation_id == conversation_id),
            "created_at",
        ),
        "feedback": (
            select(Feedback).where(Feedback.conversation_id == conversation_id),
            "created_at",
        ),
        "consents": (
            select(ConsentRecord).where(ConsentRecord.subject_id == subject_id(chat)),
            "decided_at",
        ),
    }
    with runtime.work() as session:
        for name, (query, column) in targets.items():
            if what in ("all", name):
                for row in session.scalars(query):
                    setattr(row, column, getattr(row, column) - delta)


def rows(runtime: Runtime, chat: Chat) -> dict[str, object]:
    conversation_id = uuid.UUID(chat.id)
    with runtime.work() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None

        def count(model: type, *where: object) -> int:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        return {
            "status": conversation.status,
            "state": conversation.state_ct is not None,
            "messages": count(Message, Message.conversation_id == conversation_id),
            "redacted": count(
                Message, Message.conversation_id == conversation_id, Message.redacted_ct.isnot(None)
            ),
            "feedback": count(Feedback, Feedback.conversation_id == conversation_id),
            "consents": count(ConsentRecord, ConsentRecord.subject_id == subject_id(chat)),
        }


def run(runtime: Runtime, *, dry_run: bool = False, **periods: int) -> dict[str, dict[str, int]]:
    report = run_retention(
        runtime.sessions, RetentionPeriods(**periods), runtime.clock(), dry_run=dry_run
    )
    assert report.dry_run is dry_run
    return {name: c.counts for name, c in report.categories.items()}


def feedback(chat: Chat) -> int:
    response = chat.client.post(
        f"/v1/conversations/{chat.id}/feedback",
        json={"rating": "up", "comment": "Quick answer, thanks"},
        headers=chat.headers,
    )
    return response.status_code


def test_a_transcript_goes_90_days_after_the_last_activity_and_the_shell_says_expired(
    runtime: Runtime, client: TestClient
) -> None:
    old, recent = Chat(client), Chat(client)
    for chat in (old, recent):
        chat.say("How long do refunds take?")
        assert feedback(chat) == 201
    age(runtime, old, 91)
    age(runtime, recent, 89)

    counts = run(runtime, redacted_copies=0, feedback=0)
    assert counts["transcripts"] == {"conversations": 1, "messages": 3, "feedback": 1}
    assert rows(runtime, old) == {
        "status": "expired",
        "state": False,
        "messages": 0,
        "redacted": 0,
        "feedback": 0,
        "consents": 0,
    }
    assert rows(runtime, recent)["messages"] == 3

    transcript = client.get(f"/v1/conversations/{old.id}", headers=old.headers)
    assert transcript.status_code == 200
    assert (transcript.json()["status"], transcript.json()["messages"]) == ("expired", [])
    said = client.post(
        f"/v1/conversations/{old.id}/messages", json={"text": "hello?"}, headers=old.headers
    )
    assert said.status_code == 410
    assert said.json()["error"] == "ConversationExpired"
    assert "retention period" in said.json()["detail"]
    assert feedback(old) == 410
    assert rows(runtime, old)["messages"] == 0

    # A second run finds nothing more.
    assert run(runtime)["transcripts"] == {"conversations": 0, "messages": 0, "feedback": 0}


def test_the_clock_decides_what_has_expired(runtime: Runtime, chat: Chat) -> None:
    chat.say("Where is my order?")
    assert run(runtime)["transcripts"]["conversations"] == 0
    now = runtime.clock()
    runtime.clock = lambda: now + timedelta(days=90, minutes=1)
    assert run(runtime)["transcripts"]["conversations"] == 1
    assert rows(runtime, chat)["status"] == "expired"


def test_a_dry_run_counts_what_a_run_deletes_and_changes_nothing(
    runtime: Runtime, client: TestClient
) -> None:
    chats = [Chat(client) for _ in range(3)]
    for chat in chats:
        chat.say("Do you ship to Canada?")
        decide(chat, "improvement", True)
        assert feedback(chat) == 201
    age(runtime, chats[0], 2000)
    age(runtime, chats[1], 45)
    before = [rows(runtime, chat) for chat in chats]

    planned = run(runtime, dry_run=True)
    assert [rows(runtime, chat) for chat in chats] == before
    assert planned == {
        "transcripts": {"conversations": 1, "messages": 3, "feedback": 1},
        "redacted_copies": {"messages": 6},
        "feedback": {"feedback": 1},
        "rights_requests": {"requests": 0},
        "audit_entries": {},
        "consent_records": {"subjects": 1, "consent_records": 1},
    }
    done = run(runtime)
    assert done["transcripts"] == planned["transcripts"]
    assert done["consent_records"] == planned["consent_records"]
    # The redacted copies and feedback of the expired conversation went with its transcript.
    assert done["redacted_copies"] == {"messages": 3}
    assert done["feedback"] == {"feedback": 0}
    assert [rows(runtime, chat)["messages"] for chat in chats] == [0, 3, 3]
    assert [rows(runtime, chat)["redacted"] for chat in chats] == [0, 0, 3]
    assert run(runtime, dry_run=True)["transcripts"]["conversations"] == 0


def test_a_redacted_copy_alone_goes_after_its_shorter_period(runtime: Runtime, chat: Chat) -> None:
    chat.say("How long do refunds take?")
    age(runtime, chat, 31, what="messages")
    assert run(runtime)["redacted_copies"] == {"messages": 3}
    assert rows(runtime, chat) | {"state": None} == {
        "status": "open",
        "state": None,
        "messages": 3,
        "redacted": 0,
        "feedback": 0,
        "consents": 0,
    }
    # The customer still reads the conversation.
    transcript = chat.client.get(f"/v1/conversations/{chat.id}", headers=chat.headers).json()
    assert transcript["messages"][1]["text"] == "How long do refunds take?"


def test_feedback_goes_after_its_own_period(runtime: Runtime, chat: Chat) -> None:
    assert feedback(chat) == 201
    age(runtime, chat, 91, what="feedback")
    counts = run(runtime)
    assert counts["feedback"] == {"feedback": 1}
    assert counts["transcripts"]["conversations"] == 0
    assert rows(runtime, chat)["feedback"] == 0


def test_consent_records_stay_while_relevant_then_for_their_period(
    runtime: Runtime, client: TestClient
) -> None:
    active, gone = Chat(client), Chat(client)
    for chat in (active, gone):
        decide(chat, "personalization", True)
        decide(chat, "personalization", False)
    age(runtime, active, 1096, what="consents")  # decided long ago, but still chatting
    age(runtime, gone, 1096)
    counts = run(runtime)
    assert counts["consent_records"] == {"subjects": 1, "consent_records": 2}
    assert rows(runtime, active)["consents"] == 2
    assert rows(runtime, gone)["consents"] == 0


def test_a_period_of_zero_keeps_a_category_forever(runtime: Runtime, chat: Chat) -> None:
    age(runtime, chat, 10_000)
    report = run_retention(
        runtime.sessions,
        RetentionPeriods(transcripts=0, redacted_copies=0, feedback=0, consent_records=0),
        runtime.clock(),
    )
    assert report.categories["transcripts"].cutoff is None
    assert report.total == 0
    assert rows(runtime, chat)["messages"] == 1


def test_closed_rights_requests_go_after_their_period_and_open_ones_stay(
    runtime: Runtime, client: TestClient
) -> None:
    chat = Chat(client)
    now = runtime.clock()
    with runtime.work() as session:
        pseudonym = runtime.rights.pseudonym(subject_id(chat))
        # Still open after 800 days (overdue): kept whatever its age.
        queue.file_request(
            session,
            subject_id(chat),
            pseudonym,
            "restriction",
            channel="api",
            now=now - timedelta(days=800),
        )
        old = queue.complete_request(
            session,
            subject_id(chat),
            pseudonym,
            "access",
            channel="api",
            now=now - timedelta(days=731),
        )
        queue.complete_request(
            session,
            subject_id(chat),
            pseudonym,
            "access",
            channel="api",
            now=now - timedelta(days=100),
        )
    assert run(runtime, dry_run=True)["rights_requests"] == {"requests": 1}
    assert run(runtime)["rights_requests"] == {"requests": 1}
    with runtime.work() as session:
        assert session.get(RightsRequest, old.id) is None
        assert session.scalar(select(func.count()).select_from(RightsRequest)) == 2
        assert (
            session.scalar(
                select(func.count())
                .select_from(RightsRequestEvent)
                .where(RightsRequestEvent.request_id == old.id)
            )
            == 0
        )


def test_without_an_audit_log_the_run_says_it_did_not_check_audit_entries(
    runtime: Runtime,
) -> None:
    report = run_retention(runtime.sessions, RetentionPeriods(), runtime.clock())
    assert "no audit log was given" in (report.categories["audit_entries"].note or "")
    assert report.categories["audit_entries"].counts == {}
    assert report.categories["audit_entries"].period_days == 365


def test_periods_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from confide.config import Settings

    monkeypatch.setenv("CONFIDE_RETENTION_TRANSCRIPTS_DAYS", "30")
    monkeypatch.setenv("CONFIDE_RETENTION_CONSENT_RECORDS_DAYS", "0")
    periods = RetentionPeriods.from_settings(Settings())
    assert (periods.transcripts, periods.consent_records, periods.feedback) == (30, 0, 90)
