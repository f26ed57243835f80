from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from confide.crypto import Keyring, KeyringError

from .conftest import assert_no_secret, fixed_clock

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _write(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


def test_created_keyring_file_has_mode_0600_and_no_temp_files_left(
    keyring: Keyring, keyring_path: Path
) -> None:
    assert keyring_path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in keyring_path.parent.iterdir()) == ["keyring.json"]


def test_created_keyring_file_follows_the_documented_format(
    keyring: Keyring, keyring_path: Path
) -> None:
    document = _document(keyring_path)

    assert document["format"] == 1
    assert document["kind"] == "confide.keyring"
    assert document["versions"] == [
        {"id": keyring.active.id, "created_at": "2025-01-02T03:04:05+00:00", "state": "active"}
    ]
    assert document["secrets"]["protection"] == "none"
    assert sorted(document["secrets"]["master_keys"]) == [keyring.active.id]
    assert len(document["secrets"]["index_root"]) == 44


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o620])
def test_keyring_file_readable_or_writable_by_others_is_refused(
    keyring: Keyring, keyring_path: Path, mode: int
) -> None:
    keyring_path.chmod(mode)

    with pytest.raises(KeyringError) as caught:
        Keyring.load(keyring_path)

    assert str(caught.value) == (
        f"keyring file {keyring_path} has mode {mode:04o}, so other users can access it; "
        f"restrict it with: chmod 600 {keyring_path}"
    )


def test_create_refuses_to_overwrite_an_existing_keyring(
    keyring: Keyring, keyring_path: Path
) -> None:
    before = keyring_path.read_bytes()

    with pytest.raises(KeyringError, match="refusing to overwrite existing keyring file"):
        Keyring.create(keyring_path, clock=fixed_clock)

    assert keyring_path.read_bytes() == before


def test_create_refuses_to_overwrite_any_existing_file(keyring_path: Path) -> None:
    keyring_path.write_text("someone else's file")

    with pytest.raises(KeyringError, match="refusing to overwrite"):
        Keyring.create(keyring_path)

    assert keyring_path.read_text() == "someone else's file"


def test_create_in_a_missing_directory_is_a_keyring_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match=r"cannot write keyring file .*No such file"):
        Keyring.create(tmp_path / "missing" / "keyring.json")


def test_loading_a_missing_keyring_file_is_a_keyring_error(keyring_path: Path) -> None:
    with pytest.raises(KeyringError) as caught:
        Keyring.load(keyring_path)

    assert str(caught.value) == f"keyring file not found: {keyring_path}"


def test_loading_a_directory_is_a_keyring_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="is not a regular file"):
        Keyring.load(tmp_path)


def test_loading_a_non_json_file_hides_its_contents(keyring_path: Path) -> None:
    _write(keyring_path, '{"secrets": {"index_root": "c2VjcmV0LWluZGV4LXJvb3Q=" ')

    with pytest.raises(KeyringError) as caught:
        Keyring.load(keyring_path)

    assert str(caught.value) == (
        f"keyring file {keyring_path} is corrupt: not a valid JSON document"
    )
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None


def test_loading_a_non_utf8_file_is_corrupt(keyring_path: Path) -> None:
    keyring_path.write_bytes(b"\xff\xfe\x00secret")
    keyring_path.chmod(0o600)

    with pytest.raises(KeyringError, match="is corrupt: not a valid JSON document"):
        Keyring.load(keyring_path)


def _corrupt(document: dict[str, Any], change: str) -> None:
    secrets_part = document["secrets"]
    version_id = document["versions"][0]["id"]
    if change == "short-master-key":
        secrets_part["master_keys"][version_id] = secrets_part["master_keys"][version_id][:20]
    elif change == "master-key-not-base64":
        secrets_part["master_keys"][version_id] = "%%%%"
    elif change == "missing-index-root":
        del secrets_part["index_root"]
    elif change == "unknown-state":
        document["versions"][0]["state"] = "paused"
    elif change == "no-versions":
        document["versions"] = []
    elif change == "orphan-version":
        document["versions"][0]["id"] = "mk-elsewhere"
    elif change == "naive-created-at":
        document["versions"][0]["created_at"] = "2025-01-02T03:04:05"
    elif change == "no-active-version":
        document["versions"][0]["state"] = "decrypt-only"
    elif change == "wrong-kind":
        document["kind"] = "something-else"
    elif change == "not-an-object":
        document.clear()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("short-master-key", 'the key of "versions\\[0\\]" is not base64 of 32 bytes'),
        ("master-key-not-base64", 'the key of "versions\\[0\\]" is not valid base64'),
        ("missing-index-root", '"secrets.index_root" is not a string'),
        ("unknown-state", '"versions\\[0\\]" has an unknown state'),
        ("no-versions", '"versions" is not a non-empty list'),
        ("orphan-version", "has no id with a matching key in secrets.master_keys"),
        ("naive-created-at", '"versions\\[0\\]" has an invalid id or created_at'),
        ("no-active-version", "has 0 active master key versions"),
        ("wrong-kind", '"kind" is not "confide.keyring"'),
        ("not-an-object", '"kind" is not'),
    ],
)
def test_structurally_corrupt_keyring_is_a_keyring_error_without_key_bytes(
    keyring: Keyring, keyring_path: Path, change: str, message: str
) -> None:
    document = _document(keyring_path)
    secret_strings = [
        document["secrets"]["index_root"],
        *document["secrets"]["master_keys"].values(),
    ]
    _corrupt(document, change)
    _write(keyring_path, json.dumps(document))

    with pytest.raises(KeyringError, match=message) as caught:
        Keyring.load(keyring_path)

    for encoded in secret_strings:
        assert encoded not in str(caught.value)
        assert encoded[:20] not in str(caught.value)
    assert_no_secret(str(caught.value), keyring.active.key)


def test_keyring_of_a_newer_format_names_both_formats(keyring: Keyring, keyring_path: Path) -> None:
    document = _document(keyring_path)
    document["format"] = 2
    _write(keyring_path, json.dumps(document))

    with pytest.raises(KeyringError) as caught:
        Keyring.load(keyring_path)

    assert str(caught.value) == (
        f"keyring file {keyring_path} has format 2; this version of Confide reads format 1"
    )


def test_keyring_with_an_unknown_protection_scheme_is_refused_clearly(
    keyring: Keyring, keyring_path: Path
) -> None:
    document = _document(keyring_path)
    document["secrets"] = {"protection": "rot13+aes-256-gcm", "sealed": "AAAA"}
    _write(keyring_path, json.dumps(document))

    with pytest.raises(KeyringError, match="uses a protection scheme this version of Confide"):
        Keyring.load(keyring_path)


def test_a_huge_file_is_refused_without_reading_it_all(keyring_path: Path) -> None:
    _write(keyring_path, " " * ((1 << 20) + 1))

    with pytest.raises(KeyringError, match="is corrupt: larger than 1048576 bytes"):
        Keyring.load(keyring_path)
