"""Invariant 1: personal data is encrypted before it reaches storage.

A unique marker sent as a message (and as customer details) must not appear anywhere in the
database's bytes: the SQLite file, its WAL and shared memory, or any row of PostgreSQL.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from confide.conversations.models import Message
from confide.crypto import DecryptionError
from confide.db import unit_of_work
from confide.runtime import Runtime
from confide.vault import FieldRef, Purpose
from tests.conftest import Chat


def _database_bytes(runtime: Runtime, tmp_path: Path) -> bytes:
    if runtime.engine.dialect.name == "sqlite":
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert any(p.name == "confide.db-wal" for p in files), "expected a WAL file"
        return b"".join(p.read_bytes() for p in files)
    dump = []
    with runtime.engine.connect() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in list(tables):
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dump.extend(
                    bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row
                )
    return b"\n".join(dump)


def test_message_text_and_customer_details_never_reach_storage_in_plaintext(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    marker = f"zebra-{uuid.uuid4().hex}"
    email = f"{marker}@example.com"
    response = client.post(
        "/v1/conversations",
        json={
            "customer": {
                "email": email,
                "name": f"Ada {marker}",
                "external_id": marker,
                "phone": "(202) 555-0177",
            }
        },
    )
    conversation = response.json()
    headers = {"Authorization": f"Bearer {conversation['token']}"}
    reply = client.post(
        f"/v1/conversations/{conversation['conversation_id']}/messages",
        json={"text": f"My order number is lost, my code is {marker}"},
        headers=headers,
    )
    assert reply.status_code == 200
    client.post(
        f"/v1/conversations/{conversation['conversation_id']}/feedback",
        json={"rating": "down", "comment": f"comment {marker}"},
        headers=headers,
    )
    transcript = client.get(
        f"/v1/conversations/{conversation['conversation_id']}", headers=headers
    ).json()
    assert marker in transcript["messages"][1]["text"]  # readable through the vault
    stored = _database_bytes(runtime, tmp_path)
    assert len(stored) > 1000
    assert marker.encode() not in stored
    assert conversation["token"].encode() not in stored
    assert b"2025550177" not in stored and b"555-0177" not in stored
    assert b"My order number is lost" not in stored


def test_return_reasons_and_dialogue_state_are_encrypted(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    marker = f"okapi-{uuid.uuid4().hex}"
    chat = Chat(client)
    chat.say("I'd like to return an item")
    orders = [o for o in _delivered_returnable(runtime)]
    chat.say(orders[0])
    done = chat.say(f"it broke, {marker}")
    assert "return_reference" in done["result"]
    assert marker.encode() not in _database_bytes(runtime, tmp_path)


def _delivered_returnable(runtime: Runtime) -> list[str]:
    from datetime import date

    from confide.orders.models import Order

    with unit_of_work(runtime.sessions) as session:
        return [
            o.number
            for o in session.scalars(select(Order).where(Order.status == "delivered"))
            if o.returnable_until and o.returnable_until >= date.today()
        ]


def test_a_ciphertext_moved_to_another_row_does_not_decrypt(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    chat.say("hello there")
    with unit_of_work(runtime.sessions) as session:
        first, second = session.scalars(
            select(Message)
            .where(Message.conversation_id == uuid.UUID(chat.id))
            .order_by(Message.seq)
            .limit(2)
        ).all()
        from confide.conversations.models import Conversation
        from confide.subjects.models import Subject

        conversation = session.get(Conversation, uuid.UUID(chat.id))
        subject = session.get(Subject, conversation.subject_id)
        ref = FieldRef("messages", "text", str(second.id))
        assert (
            runtime.vault.open(session, subject.data_key_id, ref, second.text_ct, Purpose.SERVICE)
            == "hello there"
        )
        with pytest.raises(DecryptionError):
            runtime.vault.open(session, subject.data_key_id, ref, first.text_ct, Purpose.SERVICE)


def test_each_customer_has_their_own_data_key(client: TestClient, runtime: Runtime) -> None:
    from confide.subjects.models import Subject

    Chat(client), Chat(client)
    with unit_of_work(runtime.sessions) as session:
        keys = session.scalars(select(Subject.data_key_id)).all()
    assert len(keys) == 2 and len(set(keys)) == 2
