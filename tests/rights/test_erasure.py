"""Erasure: data key shredded, rows and derived copies deleted, a tombstone and a signed
receipt; nothing readable afterwards, backups included."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from confide.backups import create_backup, restore_backup
from confide.consent.models import ConsentRecord
from confide.conversations.models import Conversation, Feedback, Message
from confide.rights.models import ErasureTombstone, RightsRequest, VerificationCode
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.subjects.service import find_subjects
from confide.vault.ledger import shredded_ids
from confide.vault.models import DataKeyRecord
from tests.backups.helpers import restarted
from tests.conftest import Chat, cli_json
from tests.rights.helpers import Known, me, request_code, subject_of, with_code


def _count(runtime: Runtime, model: type, *where: object) -> int:
    with runtime.work() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _erase(client: TestClient, runtime: Runtime, known: Known) -> dict[str, object]:
    code = request_code(known, runtime)
    response = client.delete("/v1/me", headers=with_code(known, code))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_erasure_deletes_everything_keeps_a_tombstone_and_signs_a_receipt(
    client: TestClient, runtime: Runtime
) -> None:
    known, other = Known(client, "erase-me"), Known(client, "keep-me")
    known.say("my card ends 4242")
    client.post(
        f"/v1/conversations/{known.id}/feedback",
        json={"rating": "up", "comment": "thanks"},
        headers=known.headers,
    )
    subject_id = subject_of(known)
    pseudonym = me(known)["profile"]["pseudonymous_id"]
    with runtime.work() as session:
        key_id = session.get(Subject, subject_id).data_key_id  # type: ignore[union-attr]

    body = _erase(client, runtime, known)

    receipt = body["receipt"]
    assert isinstance(receipt, dict)
    assert receipt["version"] == "confide-erasure-receipt-v1"
    assert receipt["dataKeyShredded"] is True
    assert receipt["rowsDeleted"]["messages"] == 3
    assert receipt["rowsDeleted"]["feedback"] == 1
    assert receipt["piiPrincipalId"] == pseudonym
    verified = client.post("/v1/consent-receipts/verify", json=body).json()
    assert verified["valid"] is True
    receipt["reason"] = "changed"
    assert client.post("/v1/consent-receipts/verify", json=body).json()["valid"] is False

    assert key_id in shredded_ids(runtime.settings.data_dir)
    conv_id = uuid.UUID(known.id)
    assert _count(runtime, Subject, Subject.id == subject_id) == 0
    assert _count(runtime, Conversation, Conversation.id == conv_id) == 0
    assert _count(runtime, Message, Message.conversation_id == conv_id) == 0
    assert _count(runtime, Feedback, Feedback.conversation_id == conv_id) == 0
    assert _count(runtime, VerificationCode, VerificationCode.subject_id == subject_id) == 0
    assert _count(runtime, ConsentRecord, ConsentRecord.subject_id == subject_id) == 0
    with runtime.work() as session:
        [tombstone] = session.scalars(select(ErasureTombstone)).all()
        assert tombstone.subject_pseudonym == receipt["piiPrincipalId"]
        assert str(tombstone.receipt_id) == receipt["erasureReceiptID"]
        [request] = session.scalars(select(RightsRequest)).all()
        assert (request.type, request.status, request.subject_id) == ("erasure", "completed", None)
        assert request.subject_pseudonym == tombstone.subject_pseudonym
        assert session.get(DataKeyRecord, key_id).wrapped is None  # type: ignore[union-attr]
        assert find_subjects(session, runtime.vault, email="erase-me@example.com") == []
    # The token opens nothing any more; the other customer is untouched.
    assert client.get("/v1/me", headers=known.headers).status_code == 401
    assert me(other)["profile"]["identifiers"]["email"] == "keep-me@example.com"


def test_erase_then_restore_backup_keeps_subject_unreadable(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    known, kept = Known(client, "restore-erased"), Known(client, "restore-kept")
    known.say("my address is 1 Example Street")
    path = tmp_path / "before-erasure.backup"
    create_backup(runtime.engine, runtime.keyring, path)
    kept_before = client.get(f"/v1/conversations/{kept.id}", headers=kept.headers).json()

    _erase(client, runtime, known)
    summary = restore_backup(
        runtime.engine, runtime.keyring, path, ledger_dir=runtime.settings.data_dir, force=True
    )

    assert summary.reshredded == 1
    with restarted(runtime) as fresh:
        # The backup brought the rows back, but nothing in them decrypts.
        transcript = fresh.get(f"/v1/conversations/{known.id}", headers=known.headers).json()
        assert transcript["status"] == "erased"
        assert {m["text"] for m in transcript["messages"]} == {None}
        body = fresh.get("/v1/me", headers=known.headers).json()
        assert (body["profile"]["status"], body["profile"]["identifiers"]) == ("erased", None)
        export = fresh.get("/v1/me/export", headers=known.headers)
        assert (export.status_code, export.json()["error"]) == (410, "SubjectErased")
        response = fresh.post("/v1/me/verification", headers=known.headers)
        assert response.status_code == 410
        assert fresh.get(f"/v1/conversations/{kept.id}", headers=kept.headers).json() == kept_before
    with runtime.work() as session:
        assert find_subjects(session, runtime.vault, email="restore-erased@example.com") == []
        subject = session.get(Subject, subject_of(known))
        assert subject is not None and subject.email_ct is None and subject.name_ct is None


def test_erasing_again_after_a_restore_finishes_the_job(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    chat = Chat(client)
    path = tmp_path / "b.backup"
    create_backup(runtime.engine, runtime.keyring, path)
    assert client.delete("/v1/me", headers=chat.headers).status_code == 200
    restore_backup(
        runtime.engine, runtime.keyring, path, ledger_dir=runtime.settings.data_dir, force=True
    )
    with restarted(runtime) as fresh:
        response = fresh.delete("/v1/me", headers=chat.headers)
        assert response.status_code == 200
        assert response.json()["receipt"]["dataKeyShredded"] is False
    assert _count(runtime, ErasureTombstone) == 1


def test_cli_erase_prints_the_receipt_and_refuses_bad_input(
    client: TestClient, runtime: Runtime
) -> None:
    known = Known(client, "cli-erase")
    sid = str(subject_of(known))
    code, body = cli_json(runtime.settings, "subjects", "erase", sid, "--reason", "   ")
    assert (code, body["error"]) == (1, "InvalidRightsInput")
    assert me(known)["profile"]["status"] == "active"

    code, body = cli_json(
        runtime.settings, "subjects", "erase", sid, "--reason", "customer letter of 1 March"
    )
    assert code == 0, body
    assert body["receipt"]["reason"] == "customer letter of 1 March"
    assert body["receipt"]["channel"] == "cli"
    code, body = cli_json(runtime.settings, "subjects", "erase", sid, "--reason", "again")
    assert (code, body["error"]) == (1, "SubjectNotFound")
    code, body = cli_json(runtime.settings, "subjects", "requests")
    assert [(r["type"], r["status"], r["subject_id"]) for r in body] == [
        ("erasure", "completed", None)
    ]


def test_erasure_leaves_no_plaintext_in_the_database_files(
    client: TestClient, runtime: Runtime
) -> None:
    known = Known(client, "plaintext-check")
    known.say("zebra-unique-marker-0143")
    _erase(client, runtime, known)
    files = _database_files(runtime)
    # The check can see plain text: the published privacy notice is stored as such.
    assert any(b"Northwind Goods" in raw for raw in files)
    for raw in files:
        assert b"plaintext-check@example.com" not in raw
        assert b"zebra-unique-marker-0143" not in raw


def _database_files(runtime: Runtime) -> list[bytes]:
    """The bytes of every file the database keeps: SQLite's file, WAL and journal; on
    PostgreSQL every table, index and TOAST file of this database, flushed to disk first
    (read through pg_read_binary_file, which needs a superuser, as the test server has)."""
    if runtime.engine.dialect.name == "sqlite":
        folder = Path(runtime.settings.resolved_database_url.split("///", 1)[1]).parent
        return [path.read_bytes() for path in folder.iterdir() if path.is_file()]
    with runtime.engine.connect() as conn:
        if not conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar():
            pytest.skip("reading PostgreSQL's files needs a superuser")
        conn.execute(text("CHECKPOINT"))
        paths = (
            conn.execute(
                text(
                    "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't', 'i') "
                    "AND pg_relation_filepath(c.oid) IS NOT NULL"
                )
            )
            .scalars()
            .all()
        )
        assert paths
        files = []
        for path in paths:
            raw = conn.execute(
                text("SELECT pg_read_binary_file(CAST(:p AS text))"), {"p": path}
            ).scalar()
            files.append(bytes(raw or b""))
        return files
