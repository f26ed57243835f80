"""The vault: the only place personal data is encrypted and decrypted.

Each customer has a data key (AES-256), stored only wrapped under the keyring's master key.
Every field ciphertext is bound to its table, column and row through the associated data, so a
ciphertext copied into another row or column does not decrypt.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from confide.crypto import (
    DataKey,
    Keyring,
    associated_data,
    blind_index,
    decrypt_text,
    encrypt_text,
    generate_data_key,
    hash_token,
)
from confide.vault.errors import SubjectErased
from confide.vault.models import DataKeyRecord


class Purpose(StrEnum):
    """Why personal data is read; the policy layer decides which purposes a read may serve."""

    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class FieldRef:
    table: str
    column: str
    row_id: str

    def aad(self) -> bytes:
        return associated_data(self.table, self.column, self.row_id)


class Vault:
    def __init__(self, keyring: Keyring, *, cache_size: int = 4096) -> None:
        self._keyring = keyring
        self._index_key = keyring.derive_key("blind-index/v1")
        self._token_key = keyring.derive_key("bearer-token/v1")
        # Unwrapping costs an AES operation and a row read; keep recently used data keys.
        self._cache: OrderedDict[str, DataKey] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Vault(keyring={self._keyring!r}, cached_keys={len(self._cache)})"

    def create_data_key(self, session: Session) -> str:
        data_key = generate_data_key()
        wrapped = self._keyring.wrap_data_key(data_key)
        session.add(
            DataKeyRecord(id=data_key.id, master_version=self._keyring.active.id, wrapped=wrapped)
        )
        # Rows that reference the key come next; without an ORM relationship the session does
        # not order inserts by foreign key, so this row is written first.
        session.flush()
        self._remember(data_key)
        return data_key.id

    def seal(self, session: Session, key_id: str, ref: FieldRef, text: str) -> bytes:
        return encrypt_text(self._data_key(session, key_id), text, aad=ref.aad())

    def open(
        self, session: Session, key_id: str, ref: FieldRef, blob: bytes, purpose: Purpose
    ) -> str:
        """Decrypt one field for ``purpose``."""
        return decrypt_text(self._data_key(session, key_id), blob, aad=ref.aad())

    def index(self, kind: str, normalised_value: str) -> str:
        """A blind index: find a record by an identifier without storing it in the clear."""
        return blind_index(self._index_key, f"{kind}:{normalised_value}")

    def token_hash(self, token: str) -> str:
        return hash_token(self._token_key, token)

    def _data_key(self, session: Session, key_id: str) -> DataKey:
        with self._lock:
            cached = self._cache.get(key_id)
            if cached is not None:
                self._cache.move_to_end(key_id)
                return cached
        record = session.get(DataKeyRecord, key_id)
        if record is None or record.wrapped is None or record.destroyed_at is not None:
            raise SubjectErased("this customer's data has been erased")
        data_key = self._keyring.unwrap_data_key(key_id, record.wrapped)
        self._remember(data_key)
        return data_key

    def _remember(self, data_key: DataKey) -> None:
        with self._lock:
            self._cache[data_key.id] = data_key
            self._cache.move_to_end(data_key.id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
