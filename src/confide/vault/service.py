"""The vault: the only place personal data is encrypted and decrypted.

Each customer has a data key (AES-256), stored only wrapped under the keyring's master key.
Every field ciphertext is bound to its table, column and row through the associated data, so a
ciphertext copied into another row or column does not decrypt.

Crypto-shredding (:meth:`Vault.shred`) removes a customer's wrapped data key: every copy of
their fields, backups included, becomes unreadable at once, whatever their number. Unwrapped
keys are cached per process, but every use first reads the key's row in the caller's
transaction (once per session: the identity map keeps it), so a key shredded by another
worker stops decrypting in this one at its next transaction.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from confide.crypto import (
    DataKey,
    Keyring,
    KeyringError,
    associated_data,
    blind_index,
    decrypt_text,
    encrypt_text,
    generate_data_key,
    hash_token,
)
from confide.vault.errors import PurposeNotPermitted, SubjectErased
from confide.vault.ledger import record_shredded
from confide.vault.models import DataKeyRecord

log = logging.getLogger(__name__)


class Purpose(StrEnum):
    """Why personal data is read; the policy layer decides which purposes a read may serve."""

    SERVICE = "service"
    KEY_MANAGEMENT = "key-management"
    PERSONALIZATION = "personalization"
    IMPROVEMENT = "improvement"
    ANALYTICS = "analytics"
    HUMAN_REVIEW = "human_review"


# Answering the customer (contract) and key operations read without asking the policy;
# every other purpose is checked against consent and legal basis on each read.
UNGUARDED_PURPOSES = frozenset({Purpose.SERVICE, Purpose.KEY_MANAGEMENT})

# (session, data key id, purpose) -> None, or raises PurposeNotPermitted.
PurposeGuard = Callable[[Session, str, str], None]


def refuse_unguarded(session: Session, key_id: str, purpose: str) -> None:
    """A vault built without a policy reads for no purpose beyond service."""
    raise PurposeNotPermitted(f"no policy is configured: reading for {purpose} is refused")


@dataclass(frozen=True, slots=True)
class FieldRef:
    table: str
    column: str
    row_id: str

    def aad(self) -> bytes:
        return associated_data(self.table, self.column, self.row_id)


class Vault:
    def __init__(
        self,
        keyring: Keyring,
        *,
        ledger_dir: Path,
        cache_size: int = 4096,
        guard: PurposeGuard = refuse_unguarded,
        on_open: Callable[[str], None] | None = None,
    ) -> None:
        self._keyring = keyring
        # Told the purpose of every field decrypted (metrics count decrypts by purpose).
        self._on_open = on_open
        # The policy layer's check, asked before reads for purposes beyond service.
        self._guard = guard
        # Shredded key ids are also written here, outside the database (see vault.ledger).
        self._ledger_dir = ledger_dir
        self._index_key = keyring.derive_key("blind-index/v1")
        self._token_key = keyring.derive_key("bearer-token/v1")
        # Unwrapping costs an AES operation and a row read; keep recently used data keys.
        self._cache: OrderedDict[str, DataKey] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Vault(keyring={self._keyring!r}, cached_keys={len(self._cache)})"

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    def create_data_key(self, session: Session) -> str:
        data_key = generate_data_key()
        # Another process may have rotated: never wrap a new key under a demoted version.
        self._refresh_keyring()
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
        """Decrypt one field for ``purpose``; other purposes than service and key management
        first pass the policy check (PurposeNotPermitted, 403, when they may not)."""
        if purpose not in UNGUARDED_PURPOSES:
            self._guard(session, key_id, purpose)
        text = decrypt_text(self._data_key(session, key_id), blob, aad=ref.aad())
        if self._on_open is not None:
            self._on_open(str(purpose))
        return text

    def index(self, kind: str, normalised_value: str) -> str:
        """A blind index: find a record by an identifier without storing it in the clear."""
        return blind_index(self._index_key, f"{kind}:{normalised_value}")

    def token_hash(self, token: str) -> str:
        return hash_token(self._token_key, token)

    def is_erased(self, session: Session, key_id: str) -> bool:
        """Whether this data key was shredded (or never existed): nothing under it decrypts."""
        return _live_record(session, key_id) is None

    def shred(
        self,
        session: Session,
        key_id: str,
        *,
        now: datetime | None = None,
        erasure: bool = True,
    ) -> bool:
        """Crypto-shred: delete the wrapped data key and mark it destroyed, in the caller's
        transaction; evict it from this process's cache. One row, whatever the customer's
        data volume. Returns False if it was already destroyed."""
        record = session.get(DataKeyRecord, key_id, with_for_update=True)
        self.evict(key_id)
        if record is None or record.destroyed_at is not None:
            return False
        if erasure:
            # Before the commit: a crash in between over-erases rather than letting a later
            # restore of an older backup bring the key back. A key retired by re-keying
            # (erasure=False) is not recorded: restoring an older backup must not erase a
            # customer who was only re-keyed.
            record_shredded(self._ledger_dir, key_id, now=now)
        record.wrapped = None
        record.destroyed_at = now or datetime.now(UTC)
        session.flush()
        return True

    def evict(self, key_id: str) -> None:
        """Forget an unwrapped data key held in this process."""
        with self._lock:
            self._cache.pop(key_id, None)

    def _data_key(self, session: Session, key_id: str) -> DataKey:
        record = _live_record(session, key_id)
        if record is None or record.wrapped is None:
            self.evict(key_id)
            raise SubjectErased("this customer's data has been erased")
        with self._lock:
            cached = self._cache.get(key_id)
            if cached is not None:
                self._cache.move_to_end(key_id)
                return cached
        # A key wrapped by a version another process just created needs the new file.
        self._refresh_keyring()
        data_key = self._keyring.unwrap_data_key(key_id, record.wrapped)
        self._remember(data_key)
        return data_key

    def _refresh_keyring(self) -> None:
        try:
            self._keyring.refresh()
        except KeyringError as exc:
            # Keep serving with the versions already loaded; the message names no secret.
            log.warning("could not reload the keyring: %s", exc)

    def _remember(self, data_key: DataKey) -> None:
        with self._lock:
            self._cache[data_key.id] = data_key
            self._cache.move_to_end(data_key.id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


_SESSION_KEYS = "confide.vault.data_keys"


@event.listens_for(Session, "after_transaction_end")
def _forget_checked_keys(session: Session, transaction: SessionTransaction) -> None:
    # A shred committed by another worker must be seen by this session's next transaction.
    if transaction.parent is None:
        session.info.pop(_SESSION_KEYS, None)


def _live_record(session: Session, key_id: str) -> DataKeyRecord | None:
    # The row is read once per session (transaction). The identity map holds objects only
    # weakly, so the session keeps a strong reference to the rows it has checked.
    held: dict[str, DataKeyRecord] = session.info.setdefault(_SESSION_KEYS, {})
    record = held.get(key_id)
    if record is None:
        record = session.get(DataKeyRecord, key_id)
        if record is not None:
            held[key_id] = record
    if record is None or record.wrapped is None or record.destroyed_at is not None:
        return None
    return record
