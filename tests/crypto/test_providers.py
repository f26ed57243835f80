"""The key provider interface, with the local keyring as its implementation."""

from __future__ import annotations

import pytest

from confide.crypto import (
    DataKey,
    DecryptionError,
    KeyProvider,
    Keyring,
    LocalKeyProvider,
    WrappedDataKey,
)


def test_the_local_keyring_is_a_key_provider(keyring: Keyring) -> None:
    provider = LocalKeyProvider(keyring)

    assert isinstance(provider, KeyProvider)
    assert provider.name == "local-keyring"


def test_local_provider_wraps_under_the_active_version_and_unwraps(
    keyring: Keyring, data_key: DataKey
) -> None:
    provider = LocalKeyProvider(keyring)

    wrapped = provider.wrap(data_key)

    assert isinstance(wrapped, WrappedDataKey)
    assert wrapped.version_id == keyring.active.id
    assert provider.unwrap(data_key.id, wrapped.blob) == data_key
    assert keyring.unwrap_data_key(data_key.id, wrapped.blob) == data_key


def test_local_provider_unwraps_keys_of_a_demoted_version_after_rotation(
    keyring: Keyring, data_key: DataKey
) -> None:
    provider = LocalKeyProvider(keyring)
    before = provider.wrap(data_key)

    keyring.rotate()
    after = provider.wrap(data_key)

    assert after.version_id == keyring.active.id != before.version_id
    assert provider.can_unwrap(before.version_id) and provider.can_unwrap(after.version_id)
    assert provider.unwrap(data_key.id, before.blob) == data_key


def test_local_provider_refuses_another_keyrings_keys_and_moved_keys(
    keyring: Keyring, data_key: DataKey, tmp_path: object
) -> None:
    provider = LocalKeyProvider(keyring)
    other = LocalKeyProvider(Keyring.from_master_key("A" * 43 + "="))
    wrapped = other.wrap(data_key)

    assert not provider.can_unwrap(wrapped.version_id)
    with pytest.raises(DecryptionError):
        provider.unwrap(data_key.id, wrapped.blob)
    with pytest.raises(DecryptionError):
        provider.unwrap("another-key-id", provider.wrap(data_key).blob)
