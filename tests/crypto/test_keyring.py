from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest

from confide.crypto import (
    DataKey,
    DecryptionError,
    Keyring,
    KeyringError,
    MasterKeyVersion,
    SecretKey,
    generate_data_key,
    open_or_create,
)

from .conftest import FIXED_TIME, assert_no_secret

MASTER_B64 = base64.b64encode(bytes(range(32))).decode()


# -- wrapping data keys ----------------------------------------------------------------


def test_wrapped_data_key_unwraps_to_the_same_key(keyring: Keyring, data_key: DataKey) -> None:
    unwrapped = keyring.unwrap_data_key(data_key.id, keyring.wrap_data_key(data_key))

    assert unwrapped.id == data_key.id
    assert unwrapped.key.reveal() == data_key.key.reveal()
    assert unwrapped == data_key


def test_wrapped_blob_is_version_master_id_nonce_then_sealed_key(
    keyring: Keyring, data_key: DataKey
) -> None:
    blob = keyring.wrap_data_key(data_key)
    master_id = keyring.active.id.encode("ascii")

    assert blob[0] == 1
    assert blob[1] == len(master_id)
    assert blob[2 : 2 + len(master_id)] == master_id
    assert len(blob) == 1 + 1 + len(master_id) + 12 + 32 + 16
    assert data_key.key.reveal() not in blob


def test_unwrap_with_a_different_keyring_fails(
    keyring: Keyring, data_key: DataKey, tmp_path: Path
) -> None:
    other = Keyring.create(tmp_path / "other.json")

    with pytest.raises(DecryptionError):
        other.unwrap_data_key(data_key.id, keyring.wrap_data_key(data_key))


def test_unwrap_under_another_data_key_id_fails(keyring: Keyring, data_key: DataKey) -> None:
    blob = keyring.wrap_data_key(data_key)

    with pytest.raises(DecryptionError):
        keyring.unwrap_data_key(generate_data_key().id, blob)
    with pytest.raises(DecryptionError):
        keyring.unwrap_data_key("not a valid id", blob)


def test_flipping_any_byte_of_a_wrapped_key_fails_unwrap(
    keyring: Keyring, data_key: DataKey
) -> None:
    blob = keyring.wrap_data_key(data_key)

    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x80
        with pytest.raises(DecryptionError):
            keyring.unwrap_data_key(data_key.id, bytes(tampered))


def test_unwrap_of_an_unknown_format_version_fails(keyring: Keyring, data_key: DataKey) -> None:
    blob = bytearray(keyring.wrap_data_key(data_key))
    blob[0] = 2

    with pytest.raises(DecryptionError):
        keyring.unwrap_data_key(data_key.id, bytes(blob))


def test_unwrap_with_a_retired_version_fails_but_decrypt_only_works(
    keyring: Keyring, data_key: DataKey
) -> None:
    blob = keyring.wrap_data_key(data_key)
    old = keyring.active
    newer = MasterKeyVersion(
        id="mk-newer", created_at=FIXED_TIME, state="active", key=SecretKey.generate()
    )
    root = SecretKey.generate()
    decrypt_only = Keyring([dataclasses.replace(old, state="decrypt-only"), newer], index_root=root)
    retired = Keyring([dataclasses.replace(old, state="retired"), newer], index_root=root)

    assert decrypt_only.unwrap_data_key(data_key.id, blob) == data_key
    with pytest.raises(DecryptionError):
        retired.unwrap_data_key(data_key.id, blob)


def test_keyring_needs_exactly_one_active_version() -> None:
    def version(version_id: str) -> MasterKeyVersion:
        return MasterKeyVersion(
            id=version_id, created_at=FIXED_TIME, state="active", key=SecretKey.generate()
        )

    with pytest.raises(KeyringError, match="has 2 active master key versions; exactly 1"):
        Keyring([version("mk-a"), version("mk-b")], index_root=SecretKey.generate())
    with pytest.raises(KeyringError, match="has 0 active master key versions"):
        Keyring([], index_root=SecretKey.generate())


# -- creating and loading --------------------------------------------------------------


def test_created_keyring_has_one_active_version_stamped_by_the_clock(keyring: Keyring) -> None:
    (version,) = keyring.versions

    assert keyring.active is version
    assert version.state == "active"
    assert version.created_at == FIXED_TIME
    assert version.id.startswith("mk-")


def test_loaded_keyring_unwraps_what_the_creator_wrapped(
    keyring: Keyring, keyring_path: Path, data_key: DataKey
) -> None:
    blob = keyring.wrap_data_key(data_key)
    loaded = Keyring.load(keyring_path)

    assert [(v.id, v.state, v.created_at) for v in loaded.versions] == [
        (keyring.active.id, "active", FIXED_TIME)
    ]
    assert loaded.unwrap_data_key(data_key.id, blob) == data_key


def test_open_or_create_creates_once_then_loads(keyring_path: Path) -> None:
    created = open_or_create(keyring_path)
    reopened = Keyring.open_or_create(keyring_path)

    assert reopened.active.id == created.active.id
    assert reopened.derive_key("p").reveal() == created.derive_key("p").reveal()


# -- derived keys ----------------------------------------------------------------------


def test_derived_key_is_stable_across_reloads(keyring: Keyring, keyring_path: Path) -> None:
    reloaded = Keyring.load(keyring_path)

    assert (
        reloaded.derive_key("blind-index:customers.email").reveal()
        == keyring.derive_key("blind-index:customers.email").reveal()
    )


def test_derived_keys_differ_per_purpose_and_per_keyring(keyring: Keyring, tmp_path: Path) -> None:
    other = Keyring.create(tmp_path / "other.json")
    email = keyring.derive_key("blind-index:customers.email").reveal()

    assert keyring.derive_key("blind-index:customers.phone").reveal() != email
    assert keyring.derive_key("pseudonym:llm").reveal() != email
    assert other.derive_key("blind-index:customers.email").reveal() != email


def test_derived_key_is_not_the_master_key(keyring: Keyring) -> None:
    derived = keyring.derive_key("token-hash:staff-session")

    assert derived.reveal() != keyring.active.key.reveal()
    assert derived.id == "derived:token-hash:staff-session"


def test_derive_key_rejects_an_empty_purpose(keyring: Keyring) -> None:
    with pytest.raises(ValueError, match="purpose must not be empty"):
        keyring.derive_key("")


# -- rotation --------------------------------------------------------------------------


def test_rotate_adds_an_active_version_and_demotes_the_old_one(
    keyring: Keyring, keyring_path: Path, data_key: DataKey
) -> None:
    old_id = keyring.active.id
    old_blob = keyring.wrap_data_key(data_key)

    new = keyring.rotate()
    reloaded = Keyring.load(keyring_path)

    assert [(v.id, v.state) for v in reloaded.versions] == [
        (old_id, "decrypt-only"),
        (new.id, "active"),
    ]
    assert keyring.active.id == new.id != old_id
    assert reloaded.unwrap_data_key(data_key.id, old_blob) == data_key
    new_blob = reloaded.wrap_data_key(data_key)
    assert new_blob[2 : 2 + len(new.id)] == new.id.encode()
    assert keyring.unwrap_data_key(data_key.id, new_blob) == data_key


def test_rotate_keeps_derived_keys_and_file_mode(keyring: Keyring, keyring_path: Path) -> None:
    before = keyring.derive_key("blind-index:customers.email").reveal()

    keyring.rotate()

    assert Keyring.load(keyring_path).derive_key("blind-index:customers.email").reveal() == before
    assert keyring_path.stat().st_mode & 0o777 == 0o600


def test_rotate_refuses_when_the_file_changed_since_loading(
    keyring: Keyring, keyring_path: Path
) -> None:
    Keyring.load(keyring_path).rotate()  # another process rotates first

    with pytest.raises(KeyringError, match="changed since it was loaded"):
        keyring.rotate()
    assert len(Keyring.load(keyring_path).versions) == 2


def test_rotate_refuses_for_an_environment_keyring() -> None:
    with pytest.raises(KeyringError, match="environment master key cannot be rotated"):
        Keyring.from_master_key(MASTER_B64).rotate()


# -- master key from the environment ---------------------------------------------------


def test_environment_master_key_gives_a_stable_version_id_and_derived_keys() -> None:
    first = Keyring.from_master_key(MASTER_B64)
    second = Keyring.from_master_key(MASTER_B64 + "\n")

    assert first.active.id == second.active.id == "env-39605a7eded5f174"
    assert first.path is None
    assert first.derive_key("p").reveal() == second.derive_key("p").reveal()


def test_environment_keyring_unwraps_across_restarts(data_key: DataKey) -> None:
    blob = Keyring.from_master_key(MASTER_B64).wrap_data_key(data_key)

    assert Keyring.from_master_key(MASTER_B64).unwrap_data_key(data_key.id, blob) == data_key


def test_environment_keyring_with_an_explicit_index_root_derives_from_it() -> None:
    root = base64.b64encode(bytes(32)).decode()
    other_master = base64.b64encode(bytes(range(1, 33))).decode()

    first = Keyring.from_master_key(MASTER_B64, index_root=root)
    second = Keyring.from_master_key(other_master, index_root=root)

    assert first.derive_key("p").reveal() == second.derive_key("p").reveal()
    assert (
        first.derive_key("p").reveal()
        != Keyring.from_master_key(MASTER_B64).derive_key("p").reveal()
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64!!", "is not valid standard base64"),
        ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "is not valid standard base64"),
        (base64.b64encode(bytes(range(16))).decode(), "must decode to 32 bytes, not 16"),
        (base64.b64encode(bytes(range(64))).decode(), "must decode to 32 bytes, not 64"),
        ("   ", "is empty"),
    ],
    ids=["garbage", "missing-padding", "16-bytes", "64-bytes", "blank"],
)
def test_bad_environment_master_key_is_a_clear_keyring_error(value: str, message: str) -> None:
    with pytest.raises(KeyringError, match=message) as caught:
        Keyring.from_master_key(value)

    assert "CONFIDE_MASTER_KEY" in str(caught.value)
    assert value.strip() == "" or value not in str(caught.value)
    assert_no_secret(str(caught.value), bytes(range(16)))
