"""Re-keying one customer: every sealed field moves to a fresh data key, the old key is
destroyed, other customers are untouched."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import LargeBinary, select

from confide.conversations.models import Conversation, Feedback, Message
from confide.crypto import field_key_id
from confide.db import unit_of_work
from confide.keys.service import SEALED_COLUMNS
from confide.models import Base
from confide.orders.models import ReturnRequest
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault.models import DataKeyRecord
from tests.conftest import Chat
from tests.keys.conftest import cli_json, fresh_client
from tests.storage.test_encryption_at_rest import _delivered_returnable


def _subject_of(runtime: Runtime, chat: Chat) -> Subject:
    with unit_of_work(runtime.sessions) as session:
        conversation = session.get(Conversation, uuid.UUID(chat.id))
        subject = session.get(Subject, conversation.subject_id)
        assert subject is not None
        return subject


def _blobs_of(runtime: Runtime, subject_id: uuid.UUID) -> list[bytes]:
    with unit_of_work(runtime.sessions) as session:
        subject = session.get(Subject, subject_id)
        conversations = select(Conversation.id).where(Conversation.subject_id == subject_id)
        blobs = [subject.email_ct, subject.name_ct, subject.external_id_ct]
        blobs += session.scalars(
            select(Conversation.state_ct).where(Conversation.subject_id == subject_id)
        ).all()
        sealed = (
            Message.text_ct,
            Message.redacted_ct,
            Feedback.comment_ct,
            ReturnRequest.reason_ct,
        )
        for column in sealed:
            model = column.class_
            blobs += session.scalars(
                select(column).where(model.conversation_id.in_(conversations))
            ).all()
    return [b for b in blobs if b is not None]


def test_every_ciphertext_column_is_known_to_rekey() -> None:
    sealed = {(c.model.__tablename__, c.attribute) for c in SEALED_COLUMNS}
    binary = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, LargeBinary) and column.name.endswith("_ct")
    }
    assert binary == sealed


def test_rekey_one_customer_leaves_others_untouched_and_everything_readable(
    client: TestClient, runtime: Runtime
) -> None:
    response = client.post(
        "/v1/conversations",
        json={"customer": {"email": "ada@example.com", "name": "Ada", "external_id": "c-1"}},
    )
    start = response.json()
    target = Chat.__new__(Chat)
    target.client, target.id, target.token = client, start["conversation_id"], start["token"]
    target.say("I'd like to return an item")
    target.say(_delivered_returnable(runtime)[0])
    done = target.say("it broke")
    assert "return_reference" in done["result"], done
    client.post(
        f"/v1/conversations/{target.id}/feedback",
        json={"rating": "down", "comment": "slow"},
        headers=target.headers,
    )
    other = Chat(client)
    other.say("hello there")
    subject, bystander = _subject_of(runtime, target), _subject_of(runtime, other)
    bystander_blobs = _blobs_of(runtime, bystander.id)
    before = client.get(f"/v1/conversations/{target.id}", headers=target.headers).json()
    old_blobs = _blobs_of(runtime, subject.id)
    # identifiers, state, messages and their redacted copies, comment, reason
    assert len(old_blobs) == 3 + 1 + 7 + 7 + 1 + 1

    code, result = cli_json(runtime.settings, "keys", "rekey", str(subject.id))
    assert code == 0
    assert result["subject_id"] == str(subject.id) and result["fields"] == 20
    assert result["old_data_key"] == subject.data_key_id
    new_key = result["new_data_key"]

    new_blobs = _blobs_of(runtime, subject.id)
    assert len(new_blobs) == 20 and not set(new_blobs) & set(old_blobs)
    assert {field_key_id(b) for b in new_blobs} == {new_key}
    assert _blobs_of(runtime, bystander.id) == bystander_blobs
    with unit_of_work(runtime.sessions) as session:
        old_record = session.get(DataKeyRecord, subject.data_key_id)
        assert old_record.wrapped is None and old_record.destroyed_at is not None
        assert session.get(Subject, subject.id).data_key_id == new_key

    # Both the worker that had the old key cached and a freshly started one read it all.
    for reader in (client,):
        after = reader.get(f"/v1/conversations/{target.id}", headers=target.headers).json()
        assert after == before
    with fresh_client(runtime.settings) as fresh:
        after = fresh.get(f"/v1/conversations/{target.id}", headers=target.headers).json()
        assert after == before
        assert (
            fresh.post(
                f"/v1/conversations/{target.id}/messages",
                json={"text": "thanks"},
                headers=target.headers,
            ).status_code
            == 200
        )
        assert (
            fresh.get(f"/v1/conversations/{other.id}", headers=other.headers).json()["messages"][1][
                "text"
            ]
            == "hello there"
        )


def test_rekey_of_an_unknown_customer_is_a_clear_error(runtime: Runtime) -> None:
    code, error = cli_json(runtime.settings, "keys", "rekey", str(uuid.uuid4()))
    assert code == 1 and error == {"error": "SubjectNotFound", "detail": "no such customer"}
