"""Consent changes and rights requests made through the API are audit entries, by
pseudonym, in the same transaction as the change."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.audit.models import AuditEntry
from confide.conversations.models import Conversation
from confide.runtime import Runtime
from tests.conftest import Chat


def _entries(runtime: Runtime) -> list[AuditEntry]:
    with runtime.work() as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        session.expunge_all()
    return rows


def _subject_id(runtime: Runtime, chat: Chat) -> uuid.UUID:
    with runtime.work() as session:
        conversation = session.get(Conversation, uuid.UUID(chat.id))
        assert conversation is not None
        return conversation.subject_id


def test_consent_and_rights_requests_are_audited(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    subject_id = _subject_id(runtime, chat)
    h = chat.headers
    assert client.put("/v1/me/consents/improvement", json={"granted": True}, headers=h).is_success
    assert client.put("/v1/me/consents/improvement", json={"granted": False}, headers=h).is_success
    assert client.post("/v1/me/restriction", headers=h).is_success
    assert client.delete("/v1/me/restriction", headers=h).is_success
    assert client.delete("/v1/me", headers=h).status_code == 200

    entries = _entries(runtime)
    assert [(e.action, e.actor) for e in entries] == [
        ("consent.grant", "customer:api"),
        ("consent.withdraw", "customer:api"),
        ("rights.restriction", "customer:api"),
        ("rights.restriction", "customer:api"),
        ("rights.erasure", "customer:api"),
    ]
    assert {e.subject for e in entries} == {runtime.audit.subject_pseudonym(subject_id)}
    assert entries[0].reason == "improvement"
    for entry in entries:
        assert str(subject_id) not in repr(entry.__dict__)
        assert subject_id.hex not in repr(entry.__dict__)
    with runtime.work() as session:
        assert runtime.audit.verify(session).ok


def test_a_refused_consent_change_writes_no_entry(client: TestClient, runtime: Runtime) -> None:
    chat = Chat(client)
    response = client.put(
        "/v1/me/consents/no-such-purpose", json={"granted": True}, headers=chat.headers
    )
    assert response.status_code == 404
    assert _entries(runtime) == []
