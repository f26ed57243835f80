from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from confide.crypto import (
    DataKey,
    Keyring,
    MasterKeyVersion,
    SecretKey,
    generate_data_key,
)

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
