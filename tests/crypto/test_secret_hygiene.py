from __future__ import annotations

import base64
import copy
import pickle
from pathlib import Path

import pytest

from confide.config import Settings
from confide.crypto import (
    Argon2idParams,
    DataKey,
    Keyring,
    KeyringError,
    LocalKeyProvider,
    MasterKeyVersion,
    Passphrase,
    SecretKey,
    generate_data_key,
)
from confide.runtime import open_keyring

from .conftest import FIXED_TIME, assert_no_secret


def test_secret_key_repr_and_str_are_masked() -> None:
    key = SecretKey(bytes(range(32)), id="k1")

    assert repr(key) == "SecretKey(id='k1', ***)"
    assert str(key) == "SecretKey(id='k1', ***)"
    assert f"{key}" == "SecretKey(id='k1', ***)"
    assert_no_secret(repr(key) + str(key), key)


def test_data_key_repr_never_shows_key_bytes() -> None:
    data_key = generate_data_key()

    assert repr(data_key) == (
        f"DataKey(id={data_key.id!r}, key=SecretKey(id={data_key.id!r}, ***))"
    )
    assert_no_secret(repr(data_key) + str(data_key), data_key.key)


def test_master_key_version_repr_never_shows_key_bytes() -> None:
    version = MasterKeyVersion(
        id="mk-1", created_at=FIXED_TIME, state="active", key=SecretKey.generate(id="mk-1")
    )

    assert "SecretKey(id='mk-1', ***)" in repr(version)
    assert_no_secret(repr(version) + str(version), version.key)


def test_keyring_repr_never_shows_master_keys_or_index_root(
    keyring: Keyring, keyring_path: Path
) -> None:
    keyring.rotate()
    text = repr(keyring) + str(keyring)

    assert text.startswith(f"Keyring(path={str(keyring_path)!r}, versions=[")
    assert_no_secret(text, *(v.key for v in keyring.versions))
    assert_no_secret(text, keyring._index_root)
    assert_no_secret(text, keyring.derive_key("blind-index:customers.email"))


def test_secret_key_equality_compares_material_and_id() -> None:
    material = bytes(range(32))

    assert SecretKey(material, id="a") == SecretKey(bytes(material), id="a")
    assert SecretKey(material, id="a") != SecretKey(material, id="b")
    assert SecretKey(material, id="a") != SecretKey(bytes(32), id="a")
    assert SecretKey(material, id="a") != material


def test_secret_key_is_immutable_and_refuses_to_be_pickled() -> None:
    key = SecretKey.generate(id="k1")

    with pytest.raises(AttributeError, match="immutable"):
        key._material = bytes(32)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(generate_data_key())
    assert copy.deepcopy(key) is key


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_secret_key_needs_exactly_32_bytes(size: int) -> None:
    with pytest.raises(ValueError) as caught:
        SecretKey(b"\x07" * size)

    assert str(caught.value) == f"SecretKey needs exactly 32 bytes, got {size}"


def test_secret_key_rejects_text() -> None:
    with pytest.raises(TypeError, match="must be bytes"):
        SecretKey("a" * 32)  # type: ignore[arg-type]


def test_data_key_equality_uses_the_key_material() -> None:
    data_key = generate_data_key()

    assert data_key == DataKey(id=data_key.id, key=data_key.key)
    assert data_key != DataKey(id=data_key.id, key=SecretKey.generate(id=data_key.id))


PASSPHRASE = "correct horse battery staple"
FAST_KDF = Argon2idParams(iterations=1, lanes=1, memory_cost=8 * 1024)


def test_passphrase_is_masked_immutable_and_refuses_to_be_pickled() -> None:
    passphrase = Passphrase(PASSPHRASE)

    assert repr(passphrase) == str(passphrase) == f"{passphrase}" == "Passphrase(***)"
    with pytest.raises(AttributeError, match="immutable"):
        passphrase._value = b"x"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(passphrase)


def test_protected_keyring_errors_and_repr_never_show_the_passphrase_or_keys(
    keyring_path: Path,
) -> None:
    keyring = Keyring.create(keyring_path, passphrase=Passphrase(PASSPHRASE, kdf=FAST_KDF))
    texts = [repr(keyring), str(keyring)]
    for attempt in (None, Passphrase(PASSPHRASE[::-1])):
        with pytest.raises(KeyringError) as caught:
            Keyring.load(keyring_path, passphrase=attempt)
        texts += [str(caught.value), repr(caught.value)]
        assert caught.value.__cause__ is None

    text = "\n".join(texts)
    assert PASSPHRASE not in text and PASSPHRASE[::-1] not in text
    assert_no_secret(text, *(v.key for v in keyring.versions), keyring._index_root)


def test_settings_repr_masks_the_passphrase_and_master_key() -> None:
    master = SecretKey.generate().reveal()
    settings = Settings(keyring_passphrase=PASSPHRASE, master_key=base64.b64encode(master).decode())

    text = repr(settings) + str(settings) + str(settings.model_dump())
    assert PASSPHRASE not in text
    assert_no_secret(text, master)


def test_key_provider_and_wrapped_key_reprs_show_no_key_bytes(keyring: Keyring) -> None:
    data_key = generate_data_key()
    provider = LocalKeyProvider(keyring)
    wrapped = provider.wrap(data_key)

    text = repr(provider) + repr(wrapped)
    assert repr(wrapped) == (
        f"WrappedDataKey(version_id={keyring.active.id!r}, blob=<{len(wrapped.blob)} bytes>)"
    )
    assert_no_secret(text, data_key.key, keyring.active.key, wrapped.blob)


def test_empty_passphrase_from_the_environment_is_a_clear_setup_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, keyring_passphrase="")

    with pytest.raises(KeyringError, match=r"passphrase \(CONFIDE_KEYRING_PASSPHRASE\) is empty"):
        open_keyring(settings, create=True)
    assert not settings.keyring_path.exists()
