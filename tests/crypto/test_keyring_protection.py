"""Passphrase-protected keyring files: sealed secrets, clear versions, clear refusals."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from confide.crypto import (
    Argon2idParams,
    DataKey,
    Keyring,
    KeyringError,
    Passphrase,
    ScryptParams,
)
from confide.crypto._keyfile import KeyfileContents, read_keyfile, write_keyfile

from .conftest import assert_no_secret, fixed_clock

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

PASSPHRASE = "correct horse battery staple"
# Cheap parameters for the tests that only exercise the file logic; the defaults are
# exercised by the tests that check the documented format.
FAST = Argon2idParams(iterations=1, lanes=1, memory_cost=8 * 1024)


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document))
    path.chmod(0o600)


@pytest.fixture
def sealed_path(keyring_path: Path) -> Path:
    Keyring.create(keyring_path, clock=fixed_clock, passphrase=Passphrase(PASSPHRASE, kdf=FAST))
    return keyring_path


def test_protected_keyring_follows_the_documented_format(keyring_path: Path) -> None:
    keyring = Keyring.create(keyring_path, clock=fixed_clock, passphrase=Passphrase(PASSPHRASE))
    document = _document(keyring_path)

    assert keyring_path.stat().st_mode & 0o777 == 0o600
    assert document["format"] == 1 and document["kind"] == "confide.keyring"
    assert document["versions"] == [
        {"id": keyring.active.id, "created_at": "2025-01-02T03:04:05+00:00", "state": "active"}
    ]
    secrets_part = document["secrets"]
    assert sorted(secrets_part) == ["kdf", "nonce", "protection", "sealed"]
    assert secrets_part["protection"] == "argon2id+aes-256-gcm"
    kdf = dict(secrets_part["kdf"])
    assert len(base64.b64decode(kdf.pop("salt"))) == 16
    assert kdf == {"name": "argon2id", "iterations": 3, "lanes": 4, "memory_cost": 65536}
    assert len(base64.b64decode(secrets_part["nonce"])) == 12
    # index root and one master key as JSON, sealed: ciphertext plus a 16-byte tag
    assert len(base64.b64decode(secrets_part["sealed"])) > 2 * 32 + 16
    assert keyring.passphrase_protected


def test_protected_keyring_file_holds_no_key_material_or_passphrase(keyring_path: Path) -> None:
    keyring = Keyring.create(keyring_path, passphrase=Passphrase(PASSPHRASE, kdf=FAST))
    keyring.rotate()
    text = keyring_path.read_text()

    assert_no_secret(text, *(v.key for v in keyring.versions), keyring._index_root)
    assert PASSPHRASE not in text


def test_loaded_protected_keyring_unwraps_what_the_creator_wrapped(
    keyring_path: Path, data_key: DataKey
) -> None:
    created = Keyring.create(keyring_path, passphrase=Passphrase(PASSPHRASE, kdf=FAST))
    wrapped = created.wrap_data_key(data_key)

    loaded = Keyring.load(keyring_path, passphrase=Passphrase(PASSPHRASE))

    assert loaded.unwrap_data_key(data_key.id, wrapped) == data_key
    assert loaded.derive_key("blind-index:x") == created.derive_key("blind-index:x")
    assert loaded.passphrase_protected


def test_protected_keyring_without_a_passphrase_is_refused_and_left_unchanged(
    sealed_path: Path,
) -> None:
    before = sealed_path.read_bytes()

    with pytest.raises(KeyringError) as caught:
        Keyring.load(sealed_path)

    assert str(caught.value) == (
        f"keyring file {sealed_path} is passphrase-protected: set CONFIDE_KEYRING_PASSPHRASE"
    )
    assert sealed_path.read_bytes() == before


def test_protected_keyring_with_a_wrong_passphrase_is_refused_and_left_unchanged(
    sealed_path: Path,
) -> None:
    before = sealed_path.read_bytes()

    with pytest.raises(KeyringError) as caught:
        Keyring.load(sealed_path, passphrase=Passphrase(PASSPHRASE + "!"))

    assert str(caught.value) == f"wrong passphrase or damaged keyring file {sealed_path}"
    assert caught.value.__cause__ is None
    assert sealed_path.read_bytes() == before


def test_open_or_create_with_a_wrong_passphrase_does_not_replace_the_keyring(
    sealed_path: Path,
) -> None:
    before = sealed_path.read_bytes()

    with pytest.raises(KeyringError, match="wrong passphrase"):
        Keyring.open_or_create(sealed_path, passphrase=Passphrase("not it"))

    assert sealed_path.read_bytes() == before


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["versions"][0].update(state="decrypt-only"),
        lambda d: d["versions"][0].update(created_at="2030-01-01T00:00:00+00:00"),
        lambda d: d["secrets"]["kdf"].update(iterations=2),
        lambda d: d.update(note="added"),
        lambda d: d["secrets"].update(
            sealed=base64.b64encode(
                bytes([base64.b64decode(d["secrets"]["sealed"])[0] ^ 1])
                + base64.b64decode(d["secrets"]["sealed"])[1:]
            ).decode()
        ),
    ],
    ids=["state", "created_at", "kdf-cost", "extra-member", "sealed-byte"],
)
def test_any_edit_of_a_protected_keyring_is_detected(sealed_path: Path, tamper: Any) -> None:
    document = _document(sealed_path)
    tamper(document)
    _write(sealed_path, document)

    with pytest.raises(KeyringError) as caught:
        Keyring.load(sealed_path, passphrase=Passphrase(PASSPHRASE))

    assert str(caught.value) == f"wrong passphrase or damaged keyring file {sealed_path}"


@pytest.mark.parametrize(
    ("kdf", "problem"),
    [
        ({"name": "argon2id", "iterations": 3, "lanes": 4, "memory_cost": 1 << 40}, "kdf"),
        ({"name": "argon2id", "iterations": "3", "lanes": 4, "memory_cost": 8192}, "kdf"),
        ({"name": "scrypt", "n": 1000, "r": 8, "p": 1}, "kdf"),
        ({"name": "pbkdf2", "iterations": 1}, "kdf"),
        ({"name": "argon2id", "iterations": 1, "lanes": 1, "memory_cost": 8192}, "salt"),
    ],
)
def test_unusable_kdf_parameters_are_refused_before_deriving(
    sealed_path: Path, kdf: dict[str, Any], problem: str
) -> None:
    document = _document(sealed_path)
    document["secrets"]["kdf"] = kdf if problem == "kdf" else {**kdf, "salt": "AAAA"}
    _write(sealed_path, document)

    with pytest.raises(KeyringError) as caught:
        Keyring.load(sealed_path, passphrase=Passphrase(PASSPHRASE))

    assert str(caught.value).startswith(f"keyring file {sealed_path} is corrupt: ")


def test_scrypt_protection_round_trips(keyring_path: Path, data_key: DataKey) -> None:
    kdf = ScryptParams(n=2**14, r=8, p=1)
    created = Keyring.create(keyring_path, passphrase=Passphrase(PASSPHRASE, kdf=kdf))
    wrapped = created.wrap_data_key(data_key)
    secrets_part = _document(keyring_path)["secrets"]

    loaded = Keyring.load(keyring_path, passphrase=Passphrase(PASSPHRASE))

    assert secrets_part["protection"] == "scrypt+aes-256-gcm"
    assert {k: v for k, v in secrets_part["kdf"].items() if k != "salt"} == {
        "name": "scrypt",
        "n": 2**14,
        "r": 8,
        "p": 1,
    }
    assert loaded.unwrap_data_key(data_key.id, wrapped) == data_key


def test_rotating_a_protected_keyring_keeps_it_sealed_under_a_fresh_salt(
    sealed_path: Path, data_key: DataKey
) -> None:
    keyring = Keyring.load(sealed_path, passphrase=Passphrase(PASSPHRASE, kdf=FAST))
    old_wrapped = keyring.wrap_data_key(data_key)
    old_salt = _document(sealed_path)["secrets"]["kdf"]["salt"]

    keyring.rotate()
    document = _document(sealed_path)
    reloaded = Keyring.load(sealed_path, passphrase=Passphrase(PASSPHRASE))

    assert document["secrets"]["protection"] == "argon2id+aes-256-gcm"
    assert document["secrets"]["kdf"]["salt"] != old_salt
    assert [v["state"] for v in document["versions"]] == ["decrypt-only", "active"]
    assert reloaded.unwrap_data_key(data_key.id, old_wrapped) == data_key
    assert sealed_path.stat().st_mode & 0o777 == 0o600


def test_an_unprotected_keyring_still_loads_and_stays_unprotected_with_a_passphrase(
    keyring: Keyring, keyring_path: Path, data_key: DataKey
) -> None:
    wrapped = keyring.wrap_data_key(data_key)

    loaded = Keyring.load(keyring_path, passphrase=Passphrase(PASSPHRASE))
    loaded.rotate()

    assert not loaded.passphrase_protected
    assert _document(keyring_path)["secrets"]["protection"] == "none"
    assert loaded.unwrap_data_key(data_key.id, wrapped) == data_key


def test_replacing_a_protected_keyring_without_the_passphrase_is_refused(
    sealed_path: Path,
) -> None:
    contents = read_keyfile(sealed_path, Passphrase(PASSPHRASE))
    before = sealed_path.read_bytes()

    with pytest.raises(KeyringError, match="refusing to replace passphrase-protected"):
        write_keyfile(
            sealed_path, KeyfileContents(contents.versions, contents.index_root), replace=True
        )

    assert sealed_path.read_bytes() == before


def test_an_empty_passphrase_is_refused() -> None:
    with pytest.raises(KeyringError) as caught:
        Passphrase("")

    assert str(caught.value) == "the keyring passphrase (CONFIDE_KEYRING_PASSPHRASE) is empty"


@pytest.mark.parametrize(
    "kdf",
    [
        Argon2idParams(iterations=0),
        Argon2idParams(memory_cost=7),
        ScryptParams(n=3000),
        ScryptParams(r=0),
    ],
)
def test_out_of_range_kdf_parameters_are_refused(kdf: Argon2idParams | ScryptParams) -> None:
    with pytest.raises(ValueError, match=r"KDF parameter|power of two"):
        Passphrase(PASSPHRASE, kdf=kdf)
