"""Tampering in the database itself: a modified ciphertext, wrapped keys swapped between
customers, a message moved to another customer: all DecryptionError, never wrong data."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from confide.conversations.models import Conversation, Message
from confide.crypto import DecryptionError
from confide.db import unit_of_work
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose, Vault
from confide.vault.models import DataKeyRecord
from tests.conftest import Chat


def _key_and_last_message(runtime: Runtime, chat: Chat) -> tuple[str, Message]:
    with unit_of_work(runtime.sessions) as session:
        conversation = session.get(Conversation, uuid.UUID(chat.id))
        subject = session.get(Subject, conversation.subject_id)
        message = session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.seq.desc())
            .limit(1)
        ).one()
        return subject.data_key_id, message


def _open(runtime: Runtime, key_id: str, message: Message, blob: bytes) -> str:
    # A fresh vault: nothing cached, every key unwrapped from the database.
    with unit_of_work(runtime.sessions) as session:
        ref = FieldRef("messages", "text", str(message.id))
        vault = Vault(runtime.keyring, ledger_dir=runtime.settings.data_dir)
        return vault.open(session, key_id, ref, blob, Purpose.SERVICE)


def test_a_flipped_bit_in_a_stored_message_is_a_decryption_error(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    chat.say("hello there")
    key_id, message = _key_and_last_message(runtime, chat)
    assert _open(runtime, key_id, message, message.text_ct) == message_text(runtime, chat)
    tampered = bytearray(message.text_ct)
    tampered[-20] ^= 0x01
    with unit_of_work(runtime.sessions) as session:
        session.execute(
            update(Message).where(Message.id == message.id).values(text_ct=bytes(tampered))
        )
    with pytest.raises(DecryptionError):
        _open(runtime, key_id, message, bytes(tampered))
    response = client.get(f"/v1/conversations/{chat.id}", headers=chat.headers)
    assert response.status_code == 500  # never the wrong text


def message_text(runtime: Runtime, chat: Chat) -> str:
    key_id, message = _key_and_last_message(runtime, chat)
    with unit_of_work(runtime.sessions) as session:
        ref = FieldRef("messages", "text", str(message.id))
        return runtime.vault.open(session, key_id, ref, message.text_ct, Purpose.SERVICE)


def test_wrapped_keys_swapped_between_two_customers_do_not_unwrap(
    client: TestClient, runtime: Runtime
) -> None:
    first, second = Chat(client), Chat(client)
    first.say("hello there")
    second.say("hello there")
    key_a, message_a = _key_and_last_message(runtime, first)
    key_b, _ = _key_and_last_message(runtime, second)
    with unit_of_work(runtime.sessions) as session:
        a, b = session.get(DataKeyRecord, key_a), session.get(DataKeyRecord, key_b)
        a.wrapped, b.wrapped = b.wrapped, a.wrapped
    with pytest.raises(DecryptionError):
        _open(runtime, key_a, message_a, message_a.text_ct)


def test_a_message_moved_to_another_customers_conversation_does_not_decrypt(
    client: TestClient, runtime: Runtime
) -> None:
    first, second = Chat(client), Chat(client)
    first.say("hello there")
    second.say("hello there")
    key_a, message_a = _key_and_last_message(runtime, first)
    key_b, message_b = _key_and_last_message(runtime, second)
    # B's row now holds A's ciphertext: wrong key id in the blob and wrong row in the AAD.
    with pytest.raises(DecryptionError):
        _open(runtime, key_b, message_b, message_a.text_ct)
    # Even with A's key, the AAD binds it to A's row.
    with pytest.raises(DecryptionError):
        _open(runtime, key_a, message_b, message_a.text_ct)


def test_a_wrapped_key_with_its_master_version_relabelled_does_not_unwrap(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    key_id, message = _key_and_last_message(runtime, chat)
    with unit_of_work(runtime.sessions) as session:
        record = session.get(DataKeyRecord, key_id)
        blob = bytearray(record.wrapped)
        blob[5] ^= 0x01  # a byte of the master version id in the header
        record.wrapped = bytes(blob)
    with pytest.raises(DecryptionError):
        _open(runtime, key_id, message, message.text_ct)
