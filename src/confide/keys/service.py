"""Master key lifecycle: status, rotate, rewrap, retire; re-key one customer.

Rotation adds a master key version; rewrapping moves data keys to it without touching a
single message (only the 32-byte data keys are unwrapped and wrapped again); retiring a
version that no longer wraps anything makes it useless to anyone who steals it later.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from confide.consent.models import ConsentRecord
from confide.conversations.models import Conversation, Feedback, Message
from confide.crypto import DecryptionError, Keyring, MasterKeyVersion
from confide.db import Base, unit_of_work
from confide.keys import repository
from confide.keys.errors import (
    MasterVersionActive,
    MasterVersionInUse,
    MasterVersionNotFound,
    RotationUnavailable,
)
from confide.learning.models import LearningExample
from confide.orders.models import ReturnRequest
from confide.personalization.models import Profile
from confide.subjects.models import Subject
from confide.subjects.service import get_subject_or_raise
from confide.vault import FieldRef, Purpose, SubjectErased, Vault

SECONDS_PER_DAY = 86400


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """A column whose values the vault seals under the customer's data key."""

    model: type[Base]
    attribute: str
    table: str
    column: str


# Every sealed column (a test fails if a *_ct column is missing here): re-keying a customer
# re-encrypts exactly these.
SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    SealedColumn(Subject, "email_ct", "subjects", "email"),
    SealedColumn(Subject, "phone_ct", "subjects", "phone"),
    SealedColumn(Subject, "name_ct", "subjects", "name"),
    SealedColumn(Subject, "external_id_ct", "subjects", "external_id"),
    SealedColumn(Conversation, "state_ct", "conversations", "state"),
    SealedColumn(Conversation, "pseudonyms_ct", "conversations", "pseudonyms"),
    SealedColumn(Message, "text_ct", "messages", "text"),
    SealedColumn(Message, "redacted_ct", "messages", "redacted"),
    SealedColumn(Feedback, "comment_ct", "feedback", "comment"),
    SealedColumn(ReturnRequest, "reason_ct", "return_requests", "reason"),
    SealedColumn(ConsentRecord, "receipt_ct", "consent_records", "receipt"),
    SealedColumn(LearningExample, "text_ct", "learning_examples", "text"),
    SealedColumn(LearningExample, "answer_ct", "learning_examples", "answer"),
    SealedColumn(Profile, "data_ct", "profiles", "data"),
)


# -- status ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyWarning:
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class VersionStatus:
    id: str
    created_at: datetime
    state: str
    data_keys: int


@dataclass(frozen=True, slots=True)
class KeyStatus:
    versions: list[VersionStatus]
    active: str
    active_age_days: float
    rotation_period_days: int
    warnings: list[KeyWarning] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for version in data["versions"]:
            version["created_at"] = version["created_at"].isoformat()
        return data


def age_days(version: MasterKeyVersion, now: datetime) -> float:
    return (now - version.created_at).total_seconds() / SECONDS_PER_DAY


def rotation_due(keyring: Keyring, period_days: int, now: datetime) -> bool:
    return period_days > 0 and age_days(keyring.active, now) >= period_days


def key_status(
    session: Session, keyring: Keyring, *, rotation_period_days: int, now: datetime
) -> KeyStatus:
    """Versions with their data key counts, and what needs doing."""
    keyring.refresh()
    counts = repository.count_live_keys_by_version(session)
    versions = [
        VersionStatus(v.id, v.created_at, v.state, counts.get(v.id, 0)) for v in keyring.versions
    ]
    active = keyring.active
    warnings = _age_warnings(keyring, rotation_period_days, now)
    warnings += _wrapping_warnings(keyring, counts)
    return KeyStatus(
        versions=versions,
        active=active.id,
        active_age_days=round(age_days(active, now), 2),
        rotation_period_days=rotation_period_days,
        warnings=warnings,
    )


def _age_warnings(keyring: Keyring, period_days: int, now: datetime) -> list[KeyWarning]:
    if not rotation_due(keyring, period_days, now):
        return []
    active = keyring.active
    detail = (
        f"the active master key {active.id} is {age_days(active, now):.0f} days old, "
        f"older than the rotation period of {period_days} days"
    )
    if keyring.path is None:
        detail += (
            "; a master key from CONFIDE_MASTER_KEY cannot be rotated in place: "
            "move to a keyring file (confide init) to rotate"
        )
    else:
        detail += ": run `confide keys rotate`"
    return [KeyWarning("rotation-due", detail)]


def _wrapping_warnings(keyring: Keyring, counts: dict[str, int]) -> list[KeyWarning]:
    warnings = []
    for version_id, count in sorted(counts.items()):
        version = keyring.get_version(version_id)
        if version is None:
            warnings.append(
                KeyWarning(
                    "unknown-version",
                    f"{count} data keys are wrapped under master key version {version_id}, "
                    "which this keyring does not hold: they cannot be decrypted",
                )
            )
        elif version.state == "retired":
            warnings.append(
                KeyWarning(
                    "retired-version-in-use",
                    f"{count} data keys are wrapped under retired version {version_id}: "
                    "they cannot be decrypted",
                )
            )
        elif version.state == "decrypt-only":
            warnings.append(
                KeyWarning(
                    "old-version-in-use",
                    f"{count} data keys are still wrapped under decrypt-only version "
                    f"{version_id}: run `confide keys rewrap`",
                )
            )
    return warnings


# -- rotate, retire ---------------------------------------------------------------------------


def rotate_master_key(keyring: Keyring) -> MasterKeyVersion:
    """A new active version; new data keys are wrapped under it at once, old versions keep
    unwrapping until their keys are rewrapped."""
    if keyring.path is None:
        raise RotationUnavailable(
            "the master key comes from CONFIDE_MASTER_KEY and cannot be rotated in place; "
            "use a keyring file (confide init) to rotate"
        )
    keyring.refresh()
    return keyring.rotate()


def retire_master_key(session: Session, keyring: Keyring, version_id: str) -> MasterKeyVersion:
    """Retire a decrypt-only version once no data key is wrapped under it."""
    keyring.refresh()
    version = keyring.get_version(version_id)
    if version is None:
        raise MasterVersionNotFound(f"the keyring has no master key version {version_id}")
    if version.state == "active":
        raise MasterVersionActive(
            f"{version_id} is the active master key version: rotate first, then rewrap"
        )
    in_use = repository.count_live_keys_under(session, version_id)
    if in_use:
        raise MasterVersionInUse(
            f"{in_use} data keys are still wrapped under {version_id}: "
            "run `confide keys rewrap` first"
        )
    return keyring.retire(version_id)


# -- rewrap -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RewrapProgress:
    total: int
    done: int
    failed: int
    batches: int


@dataclass(frozen=True, slots=True)
class RewrapSummary:
    active: str
    total: int
    rewrapped: int
    failed: list[str]
    remaining: int
    batches: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rewrap_data_keys(
    sessions: sessionmaker[Session],
    keyring: Keyring,
    *,
    batch_size: int = 1000,
    pause_seconds: float = 0.0,
    on_batch: Callable[[RewrapProgress], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RewrapSummary:
    """Wrap every data key under the active version, one committed batch at a time.

    No message is decrypted: each data key is unwrapped with its old version and wrapped
    again. Each row's update is atomic and the old wrapping stays valid until it is
    replaced, so a run killed at any point loses nothing and the next run finishes the
    job. ``on_batch`` is called after each commit. A key that cannot be unwrapped is
    reported in ``failed`` and left as it is.
    """
    started = time.perf_counter()
    keyring.refresh()
    active = keyring.active.id
    with unit_of_work(sessions) as session:
        total = repository.count_keys_to_rewrap(session, active)
    done, batches, failed, after = 0, 0, list[str](), ""
    while True:
        with unit_of_work(sessions) as session:
            rows = repository.next_rewrap_batch(session, active, after, batch_size)
            if not rows:
                break
            updates, batch_failed = _rewrapped(keyring, rows)
            repository.replace_wrappings(session, updates)
        after, done, batches = rows[-1][0], done + len(updates), batches + 1
        failed += batch_failed
        if on_batch is not None:
            on_batch(RewrapProgress(total, done, len(failed), batches))
        if pause_seconds > 0:
            sleep(pause_seconds)
    with unit_of_work(sessions) as session:
        remaining = repository.count_keys_to_rewrap(session, active)
    seconds = round(time.perf_counter() - started, 3)
    return RewrapSummary(active, total, done, failed, remaining, batches, seconds)


def _rewrapped(
    keyring: Keyring, rows: list[tuple[str, str, bytes]]
) -> tuple[list[repository.Rewrapped], list[str]]:
    updates: list[repository.Rewrapped] = []
    failed: list[str] = []
    active = keyring.active.id
    for key_id, old_version, wrapped in rows:
        try:
            data_key = keyring.unwrap_data_key(key_id, wrapped)
        except DecryptionError:
            failed.append(key_id)
            continue
        new_wrapped = keyring.wrap_data_key(data_key)
        updates.append(
            repository.Rewrapped(
                key_id=key_id, old_version=old_version, new_version=active, new_wrapped=new_wrapped
            )
        )
    return updates, failed


# -- re-key one customer ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RekeyResult:
    subject_id: uuid.UUID
    old_data_key: str
    new_data_key: str
    fields: int

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "subject_id": str(self.subject_id)}


def rekey_subject(session: Session, vault: Vault, subject_id: uuid.UUID) -> RekeyResult:
    """Give one customer a fresh data key: every sealed field is decrypted with the old key
    and sealed under the new one, then the old key is destroyed, all in the caller's
    transaction (so either everything moves, or nothing does)."""
    subject = get_subject_or_raise(session, subject_id, for_update=True)
    old_key = subject.data_key_id
    if vault.is_erased(session, old_key):
        raise SubjectErased("this customer's data has been erased; there is nothing to re-key")
    new_key = vault.create_data_key(session)
    fields = 0
    for sealed in SEALED_COLUMNS:
        for row in repository.rows_of_subject(session, sealed.model, subject):
            blob = getattr(row, sealed.attribute)
            if blob is None:
                continue
            ref = FieldRef(sealed.table, sealed.column, str(row.id))
            text = vault.open(session, old_key, ref, blob, Purpose.KEY_MANAGEMENT)
            setattr(row, sealed.attribute, vault.seal(session, new_key, ref, text))
            fields += 1
    subject.data_key_id = new_key
    session.flush()
    vault.shred(session, old_key, erasure=False)
    return RekeyResult(subject.id, old_key, new_key, fields)
