"""What the assistant learns from: only with consent to `improvement`, only redacted text,
and a withdrawal stops contributions and removes what was taken, at once."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from confide.audit.models import AuditEntry
from confide.learning import repository
from confide.learning.service import open_example
from confide.runtime import Runtime
from tests.conftest import Chat

UNANSWERED = "My name is Jane Doe, what is the weather like on the moon?"
ANSWERED = "How long do refunds take?"


def consent(client: TestClient, chat: Chat, granted: bool) -> None:
    response = client.put(
        "/v1/me/consents/improvement", json={"granted": granted}, headers=chat.headers
    )
    assert response.status_code == 200, response.text


def stored(runtime: Runtime) -> list[tuple[str, str, str | None, str]]:
    """(kind, signal, intent, redacted text) of every example, oldest first."""
    with runtime.work() as session:
        out = []
        for example in repository.examples(session):
            opened = open_example(session, runtime.learning, example)
            assert opened is not None
            out.append((example.kind, example.signal, example.intent, opened.text))
        return out


def test_without_consent_nothing_is_collected(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    assert chat.say(UNANSWERED)["decision"] == "out_of_scope"
    assert chat.say(ANSWERED)["decision"] == "answer"
    assert stored(runtime) == []


def test_a_gap_and_a_rephrasing_are_collected_redacted(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    consent(client, chat, True)
    chat.say(UNANSWERED)
    chat.say(ANSWERED)
    redacted = "My name is <PERSON>, what is the weather like on the moon?"
    assert stored(runtime) == [
        ("gap", "unanswered", None, redacted),
        ("phrasing", "rephrase", "refund_policy", redacted),
    ]
    with runtime.work() as session:
        [example, _] = repository.examples(session)
        assert b"Jane" not in example.text_ct and b"moon" not in example.text_ct  # sealed
        assert example.contributor == runtime.audit.subject_pseudonym(
            uuid.UUID(chat.start["subject_id"])
        )


def test_feedback_confirms_a_phrasing_or_marks_a_gap(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    consent(client, chat, True)
    up = chat.say(ANSWERED)
    down = chat.say("How do I change my delivery address?")
    for reply, rating in [(up, "up"), (down, "down")]:
        response = client.post(
            f"/v1/conversations/{chat.id}/feedback",
            json={"rating": rating, "message_id": reply["message_id"]},
            headers=chat.headers,
        )
        assert response.status_code == 201, response.text
    kinds = [(k, s, t) for k, s, _, t in stored(runtime)]
    assert kinds == [
        ("phrasing", "feedback_up", ANSWERED),
        ("gap", "feedback_down", "How do I change my delivery address?"),
    ]


def test_withdrawal_deletes_the_examples_and_stops_new_ones(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    other = Chat(client)
    consent(client, chat, True)
    consent(client, other, True)
    chat.say(UNANSWERED)
    other.say(UNANSWERED)
    assert len(stored(runtime)) == 2

    consent(client, chat, False)
    chat.say("What is the capital of Mongolia?")
    with runtime.work() as session:
        remaining = repository.examples(session)
        assert [e.subject_id for e in remaining] == [uuid.UUID(other.start["subject_id"])]
        [entry] = session.query(AuditEntry).filter_by(action="learning.unlearn").all()
        assert (entry.actor, entry.reason) == ("system", "improvement stopped")


def test_erasure_removes_the_customers_examples(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    consent(client, chat, True)
    chat.say(UNANSWERED)
    erased = client.delete("/v1/me", headers=chat.headers)
    assert erased.status_code == 200
    statement = erased.json()["receipt"]["learning"]
    assert statement["examplesDeleted"] == 1
    assert statement["activeModelContainsYourData"] is False
    with runtime.work() as session:
        assert repository.examples(session) == []


def test_the_export_shows_what_the_assistant_may_learn_from(
    client: TestClient, runtime: Runtime
) -> None:
    from tests.rights.helpers import unzip

    chat = Chat(client)
    consent(client, chat, True)
    chat.say(UNANSWERED)
    data, page = unzip(client.get("/v1/me/export", headers=chat.headers).content)
    assert [(e["kind"], e["text"]) for e in data["learning"]] == [
        ("gap", "My name is <PERSON>, what is the weather like on the moon?")
    ]
    assert "What the assistant may learn from" in page


def test_the_customer_sees_how_many_excerpts_were_kept(client: TestClient) -> None:
    chat = Chat(client)
    consent(client, chat, True)
    chat.say(UNANSWERED)
    me = client.get("/v1/me", headers=chat.headers).json()
    assert me["derived"] == {"personalization_profile": False, "learning_examples": 1}
    summary = chat.say("What do you know about me?")["text"]
    assert "1 redacted excerpt for improving the assistant" in summary
