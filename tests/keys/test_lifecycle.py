"""Rotate, rewrap, retire: every message stays readable; a retired version opens nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.crypto import DecryptionError, Keyring
from confide.db import unit_of_work
from confide.keys import errors, service
from confide.runtime import Runtime
from confide.vault.models import DataKeyRecord
from tests.conftest import Chat
from tests.keys.conftest import FakeClock, bulk_data_keys, cli_json, fresh_client


def _wrappings(runtime: Runtime) -> dict[str, tuple[str, bytes]]:
    with unit_of_work(runtime.sessions) as session:
        rows = session.execute(
            select(DataKeyRecord.id, DataKeyRecord.master_version, DataKeyRecord.wrapped)
        )
        return {key_id: (version, bytes(wrapped)) for key_id, version, wrapped in rows}


def _transcript_texts(client: TestClient, chat: Chat) -> list[str]:
    response = client.get(f"/v1/conversations/{chat.id}", headers=chat.headers)
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["messages"]]


def test_rotate_rewrap_retire_keeps_every_message_readable_through_the_api(
    client: TestClient, runtime: Runtime
) -> None:
    before = [Chat(client) for _ in range(3)]
    for i, chat in enumerate(before):
        chat.say(f"hello, I am customer {i}")
    first = runtime.keyring.active.id

    code, rotated = cli_json(runtime.settings, "keys", "rotate")
    assert code == 0 and rotated["active"] != first
    second = str(rotated["active"])
    # The server's keyring was loaded before the rotation: it picks the new version up.
    after = Chat(client)
    after.say("hello, I came after the rotation")
    versions = {v for v, _ in _wrappings(runtime).values()}
    assert versions == {first, second}

    code, summary = cli_json(runtime.settings, "keys", "rewrap", "--batch-size", "2")
    assert code == 0
    assert summary["rewrapped"] == 3 and summary["remaining"] == 0 and summary["failed"] == []
    assert summary["batches"] == 2 and summary["active"] == second
    assert {v for v, _ in _wrappings(runtime).values()} == {second}

    code, retired = cli_json(runtime.settings, "keys", "retire", first)
    assert code == 0 and retired == {"retired": first, "state": "retired"}
    assert Keyring.load(runtime.settings.keyring_path).get_version(first).state == "retired"

    # A freshly started worker: no cached data keys, keyring read from the file.
    with fresh_client(runtime.settings) as fresh:
        for i, chat in enumerate(before):
            assert _transcript_texts(fresh, chat)[1] == f"hello, I am customer {i}"
        assert _transcript_texts(fresh, after)[1] == "hello, I came after the rotation"


def test_retire_is_refused_while_a_data_key_is_still_wrapped_under_the_version(
    client: TestClient, runtime: Runtime
) -> None:
    Chat(client), Chat(client)
    old = runtime.keyring.active.id
    cli_json(runtime.settings, "keys", "rotate")
    code, error = cli_json(runtime.settings, "keys", "retire", old)
    assert code == 1
    assert error == {
        "error": "MasterVersionInUse",
        "detail": f"2 data keys are still wrapped under {old}: run `confide keys rewrap` first",
    }
    assert Keyring.load(runtime.settings.keyring_path).get_version(old).state == "decrypt-only"


def test_retiring_the_active_version_or_an_unknown_one_is_refused(runtime: Runtime) -> None:
    active = runtime.keyring.active.id
    code, error = cli_json(runtime.settings, "keys", "retire", active)
    assert code == 1 and error["error"] == "MasterVersionActive"
    code, error = cli_json(runtime.settings, "keys", "retire", "mk-0000000000000000")
    assert code == 1 and error["error"] == "MasterVersionNotFound"


def test_a_retired_version_decrypts_nothing(runtime: Runtime) -> None:
    keyring = runtime.keyring
    material = bulk_data_keys(runtime, keyring, 3)
    old = keyring.active.id
    old_wrappings = _wrappings(runtime)
    service.rotate_master_key(keyring)
    summary = service.rewrap_data_keys(runtime.sessions, keyring)
    assert summary.rewrapped == 3
    with unit_of_work(runtime.sessions) as session:
        service.retire_master_key(session, keyring, old)
    reloaded = Keyring.load(runtime.settings.keyring_path)
    for key_id, (version, blob) in old_wrappings.items():
        assert version == old
        for ring in (keyring, reloaded):
            with pytest.raises(DecryptionError):
                ring.unwrap_data_key(key_id, blob)
    for key_id, (_, blob) in _wrappings(runtime).items():
        assert reloaded.unwrap_data_key(key_id, blob).key.reveal() == material[key_id]


def test_status_counts_keys_per_version_and_warns_about_age_and_old_versions(
    client: TestClient, runtime: Runtime
) -> None:
    Chat(client), Chat(client)
    keyring = runtime.keyring
    old = keyring.active.id
    clock = FakeClock(keyring.active.created_at)
    new = service.rotate_master_key(keyring)
    Chat(client)

    clock.advance(days=30)
    with unit_of_work(runtime.sessions) as session:
        status = service.key_status(session, keyring, rotation_period_days=90, now=clock())
    data = status.as_dict()
    assert [(v["id"], v["state"], v["data_keys"]) for v in data["versions"]] == [
        (old, "decrypt-only", 2),
        (new.id, "active", 1),
    ]
    assert data["active"] == new.id and data["rotation_period_days"] == 90
    assert [w["code"] for w in data["warnings"]] == ["old-version-in-use"]
    assert data["warnings"][0]["detail"] == (
        f"2 data keys are still wrapped under decrypt-only version {old}: run `confide keys rewrap`"
    )

    clock.now = new.created_at
    clock.advance(days=91)
    service.rewrap_data_keys(runtime.sessions, keyring)
    with unit_of_work(runtime.sessions) as session:
        status = service.key_status(session, keyring, rotation_period_days=90, now=clock())
    assert status.active_age_days == 91.0
    assert [(w.code, w.detail) for w in status.warnings] == [
        (
            "rotation-due",
            f"the active master key {new.id} is 91 days old, older than the rotation "
            "period of 90 days: run `confide keys rotate`",
        )
    ]


def test_status_json_is_one_document_with_the_documented_fields(runtime: Runtime) -> None:
    code, data = cli_json(runtime.settings, "keys", "status")
    assert code == 0
    assert set(data) == {
        "versions",
        "active",
        "active_age_days",
        "rotation_period_days",
        "warnings",
    }
    assert data["rotation_period_days"] == 90 and data["warnings"] == []
    (version,) = data["versions"]
    assert version["state"] == "active" and version["data_keys"] == 0


def test_environment_master_key_cannot_rotate_and_status_warns_instead(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = Keyring.from_master_key("A" * 43 + "=")
    clock = FakeClock(keyring.active.created_at)
    clock.advance(days=100)
    with pytest.raises(errors.RotationUnavailable):
        service.rotate_master_key(keyring)
    with unit_of_work(runtime.sessions) as session:
        status = service.key_status(session, keyring, rotation_period_days=90, now=clock())
    assert [w.code for w in status.warnings] == ["rotation-due"]
    assert "CONFIDE_MASTER_KEY cannot be rotated in place" in status.warnings[0].detail
