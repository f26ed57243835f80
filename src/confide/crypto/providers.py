"""Key providers: who holds the key-encryption key that wraps customers' data keys.

A :class:`KeyProvider` wraps and unwraps data keys and says which key-encryption-key
versions it can unwrap. The local keyring (:class:`LocalKeyProvider`) is the one
implementation today; an external KMS, such as HashiCorp Vault / OpenBao Transit, is meant to
fit the same protocol without the master key ever leaving it. That Transit provider is not
written yet (see docs/crypto.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from confide.crypto._encoding import parse_envelope
from confide.crypto._keyring import WRAP_FORMAT, Keyring
from confide.crypto._keys import DataKey

__all__ = ["KeyProvider", "LocalKeyProvider", "WrappedDataKey"]


@dataclass(frozen=True, slots=True)
class WrappedDataKey:
    """A data key sealed by a provider, and the key-encryption-key version that sealed it.

    ``version_id`` is what ``data_keys.master_version`` records; ``blob`` is opaque to
    everyone but the provider.
    """

    version_id: str
    blob: bytes

    def __repr__(self) -> str:
        return f"WrappedDataKey(version_id={self.version_id!r}, blob=<{len(self.blob)} bytes>)"


@runtime_checkable
class KeyProvider(Protocol):
    """Wraps data keys under a key-encryption key it holds, and unwraps them again.

    Implementations bind a wrapped key to its data key id (a wrapped key moved to another
    customer's row does not unwrap) and raise :class:`DecryptionError` for any failed unwrap.
    """

    @property
    def name(self) -> str:
        """A non-secret label for logs and messages, e.g. ``local-keyring``."""
        ...

    def wrap(self, data_key: DataKey) -> WrappedDataKey:
        """Seal ``data_key`` under the current key-encryption-key version."""
        ...

    def unwrap(self, data_key_id: str, wrapped: bytes) -> DataKey:
        """Open a wrapped data key; DecryptionError if it does not open."""
        ...

    def can_unwrap(self, version_id: str) -> bool:
        """Whether keys wrapped under ``version_id`` can still be unwrapped here."""
        ...


class LocalKeyProvider:
    """The keyring file (or ``CONFIDE_MASTER_KEY``) as a key provider."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    @property
    def name(self) -> str:
        return "local-keyring"

    def wrap(self, data_key: DataKey) -> WrappedDataKey:
        blob = self._keyring.wrap_data_key(data_key)
        # The version named in the blob's header, not keyring.active read separately: a
        # rotation in between must not mislabel the blob.
        return WrappedDataKey(version_id=parse_envelope(blob, WRAP_FORMAT).key_id, blob=blob)

    def unwrap(self, data_key_id: str, wrapped: bytes) -> DataKey:
        return self._keyring.unwrap_data_key(data_key_id, wrapped)

    def can_unwrap(self, version_id: str) -> bool:
        version = self._keyring.get_version(version_id)
        return version is not None and version.state != "retired"

    def __repr__(self) -> str:
        return f"LocalKeyProvider({self._keyring!r})"
