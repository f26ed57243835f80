"""Backup files hold no plaintext personal data, and nothing readable without the keyring."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from confide.backups import create_backup
from confide.backups.codec import RecordReader
from confide.backups.format import read_chunks
from confide.runtime import Runtime


def test_backup_bytes_contain_no_message_name_email_or_token(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    marker = f"quokka-{uuid.uuid4().hex}"
    response = client.post(
        "/v1/conversations",
        json={
            "customer": {
                "email": f"{marker}@example.com",
                "name": f"Grace {marker}",
                "external_id": f"555-{marker}",
            }
        },
    )
    conversation = response.json()
    headers = {"Authorization": f"Bearer {conversation['token']}"}
    url = f"/v1/conversations/{conversation['conversation_id']}"
    assert (
        client.post(f"{url}/messages", json={"text": f"my zither broke, {marker}"}, headers=headers)
    ).status_code == 200
    client.post(f"{url}/feedback", json={"rating": "down", "comment": marker}, headers=headers)
    path = tmp_path / "b.backup"
    create_backup(runtime.engine, runtime.keyring, path)

    stored = path.read_bytes()
    assert len(stored) > 10_000
    for secret in (marker, conversation["token"], "Grace", "zither"):
        assert secret.encode() not in stored
    # Company content is in the backup, but only as ciphertext: the file reveals nothing.
    assert b"Northwind" not in stored and b"NW-10421" not in stored

    # Inside, once decrypted with the keyring, personal fields are still their ciphertext.
    with path.open("rb") as raw:
        inside = b"".join(
            payload for _, payload in RecordReader(read_chunks(raw, runtime.keyring, "b"), "b")
        )
    assert b"Northwind" in inside and b"NW-10421" in inside
    for secret in (marker, conversation["token"], "Grace", "zither"):
        assert secret.encode() not in inside
