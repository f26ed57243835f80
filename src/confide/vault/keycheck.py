"""The startup check: refuse a keyring that cannot open the data keys already in the database.

Without it, a wrong ``CONFIDE_MASTER_KEY`` or a lost keyring file would let Confide start,
wrap new customers under the new key and leave every existing customer unreadable; a deleted
keyring file would even be replaced by a fresh one. Checking costs one grouped count and at
most a few unwraps per master version.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from confide.crypto import DecryptionError, KeyProvider
from confide.errors import ConfideError
from confide.vault.models import DataKeyRecord

__all__ = ["KeyringMismatch", "check_keys_open_data_keys", "refuse_new_keyring_over_data_keys"]

_LIVE = (DataKeyRecord.destroyed_at.is_(None), DataKeyRecord.wrapped.is_not(None))
# One damaged row is that customer's problem, not a wrong key: any of a few samples will do.
_SAMPLES = 3
_RESTORE = (
    "restore the keyring file that belongs to this database, or set the CONFIDE_MASTER_KEY "
    "it was created with"
)


class KeyringMismatch(ConfideError):
    """The keyring does not hold the keys that wrap this database's customer data keys."""

    status_code = 500


def live_data_keys_by_version(session: Session) -> dict[str, int]:
    """Data keys not shredded, counted by the master key version that wraps them."""
    query = (
        select(DataKeyRecord.master_version, func.count())
        .where(*_LIVE)
        .group_by(DataKeyRecord.master_version)
    )
    return {version: count for version, count in session.execute(query)}


def some_wrapped_keys(session: Session, version_id: str, limit: int) -> list[tuple[str, bytes]]:
    query = (
        select(DataKeyRecord.id, DataKeyRecord.wrapped)
        .where(DataKeyRecord.master_version == version_id, *_LIVE)
        .order_by(DataKeyRecord.id)
        .limit(limit)
    )
    return [(key_id, bytes(wrapped)) for key_id, wrapped in session.execute(query) if wrapped]


def refuse_new_keyring_over_data_keys(session: Session, where: str) -> None:
    """Raise if a fresh keyring would strand data keys already in the database."""
    counts = live_data_keys_by_version(session)
    if counts:
        raise KeyringMismatch(
            f"{where} is missing but this database holds {sum(counts.values())} customer data "
            f"keys wrapped by master key version(s) {', '.join(sorted(counts))}: refusing to "
            f"start with a new keyring, which would strand them; {_RESTORE}"
        )


def check_keys_open_data_keys(session: Session, provider: KeyProvider, where: str) -> None:
    """Raise unless ``provider`` holds, and unwraps with, every version the database uses.

    ``where`` names the keyring in messages (a file path or the environment variable).
    """
    counts = live_data_keys_by_version(session)
    missing = sorted(v for v in counts if not provider.can_unwrap(v))
    if missing:
        stranded = sum(counts[v] for v in missing)
        raise KeyringMismatch(
            f"this database holds {stranded} customer data keys wrapped by master key "
            f"version(s) {', '.join(missing)}, which {where} does not hold: refusing to start "
            f"rather than strand them; {_RESTORE}"
        )
    for version in sorted(counts):
        samples = some_wrapped_keys(session, version, _SAMPLES)
        if samples and not any(_unwraps(provider, *sample) for sample in samples):
            raise KeyringMismatch(
                f"{where} has master key version {version}, but it does not unwrap this "
                f"database's data keys (a wrong key or a damaged keyring): refusing to start; "
                f"{_RESTORE}"
            )


def _unwraps(provider: KeyProvider, key_id: str, wrapped: bytes) -> bool:
    try:
        provider.unwrap(key_id, wrapped)
    except DecryptionError:
        return False
    return True
