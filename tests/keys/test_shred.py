"""Crypto-shredding one customer: their transcript reads as erased, others are intact, and
no wrapped key of theirs is left in the database's bytes."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.conversations.models import Conversation
from confide.db import purge_old_page_versions, unit_of_work
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.subjects.service import shred_subject
from confide.vault.models import DataKeyRecord
from tests.conftest import Chat
from tests.keys.conftest import fresh_client, fresh_runtime
from tests.storage.test_encryption_at_rest import _database_bytes, _delivered_returnable


def _subject_of(runtime: Runtime, chat: Chat) -> Subject:
    with unit_of_work(runtime.sessions) as session:
        conversation = session.get(Conversation, uuid.UUID(chat.id))
        subject = session.get(Subject, conversation.subject_id)
        assert subject is not None
        return subject


def _wrapped(runtime: Runtime, key_id: str) -> bytes | None:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(DataKeyRecord.wrapped).where(DataKeyRecord.id == key_id))


def test_shredded_customer_reads_as_erased_and_others_stay_readable(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    erased, kept = Chat(client), Chat(client)
    erased.say("I'd like to return an item")
    erased.say(_delivered_returnable(runtime)[0])
    erased.say("it broke")
    client.post(
        f"/v1/conversations/{erased.id}/feedback",
        json={"rating": "down", "comment": "slow"},
        headers=erased.headers,
    )
    kept.say("hello there")
    subject = _subject_of(runtime, erased)
    wrapped_key = _wrapped(runtime, subject.data_key_id)
    assert wrapped_key is not None and len(wrapped_key) == 81  # header 21, nonce 12, key 32, tag 16

    with unit_of_work(runtime.sessions) as session:
        assert shred_subject(session, runtime.vault, subject.id) is True
    with unit_of_work(runtime.sessions) as session:
        assert shred_subject(session, runtime.vault, subject.id) is False  # already done
    purge_old_page_versions(runtime.engine)

    transcript = client.get(f"/v1/conversations/{erased.id}", headers=erased.headers)
    assert transcript.status_code == 200
    body = transcript.json()
    assert body["status"] == "erased"
    assert [m["seq"] for m in body["messages"]] == [1, 2, 3, 4, 5, 6, 7]
    assert all(m["text"] is None for m in body["messages"])

    posted = client.post(
        f"/v1/conversations/{erased.id}/messages", json={"text": "hi"}, headers=erased.headers
    )
    assert posted.status_code == 410
    assert posted.json() == {
        "error": "SubjectErased",
        "detail": "this conversation's personal data has been erased; start a new conversation",
    }
    feedback = client.post(
        f"/v1/conversations/{erased.id}/feedback", json={"rating": "up"}, headers=erased.headers
    )
    assert feedback.status_code == 410 and feedback.json()["error"] == "SubjectErased"

    with fresh_client(runtime.settings) as fresh:
        other = fresh.get(f"/v1/conversations/{kept.id}", headers=kept.headers).json()
        assert other["status"] == "open" and other["messages"][1]["text"] == "hello there"
        again = fresh.get(f"/v1/conversations/{erased.id}", headers=erased.headers).json()
        assert again["status"] == "erased"

    with unit_of_work(runtime.sessions) as session:
        record = session.get(DataKeyRecord, subject.data_key_id)
        row = session.get(Subject, subject.id)
        assert record.wrapped is None and record.destroyed_at is not None
        assert row.status == "erased" and row.email_index is None and row.name_ct is None
    assert wrapped_key not in _database_bytes(runtime, tmp_path)


def test_a_worker_with_the_key_cached_stops_decrypting_once_another_shreds_it(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    chat.say("hello there")  # this worker's vault now caches the data key
    subject = _subject_of(runtime, chat)
    with (
        fresh_runtime(runtime.settings) as other_worker,
        unit_of_work(other_worker.sessions) as session,
    ):
        shred_subject(session, other_worker.vault, subject.id)
    body = client.get(f"/v1/conversations/{chat.id}", headers=chat.headers).json()
    assert body["status"] == "erased" and body["messages"][1]["text"] is None
