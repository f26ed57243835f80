"""The keyring: master key versions that wrap data keys, plus the root for derived keys."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.crypto._encoding import (
    KEY_SIZE,
    NONCE_SIZE,
    is_valid_key_id,
    length_prefixed,
    pack_header,
    parse_envelope,
)
from confide.crypto._errors import DecryptionError, KeyringError
from confide.crypto._keyfile import (
    INDEX_ROOT_ID,
    PROTECTION_NONE,
    KeyfileContents,
    KeyfileExistsError,
    locked,
    read_keyfile,
    write_keyfile,
)
from confide.crypto._keys import DataKey, MasterKeyVersion, SecretKey
from confide.crypto._protection import Passphrase

__all__ = ["WRAP_FORMAT", "Clock", "Keyring", "open_or_create", "utc_now"]

WRAP_FORMAT = 1
_WRAP_AAD_LABEL = b"confide.data-key.v1"
_DERIVE_LABEL = b"confide.derive.v1"
_ENV_ID_LABEL = b"confide.master-key-id.v1"
_ENV_INDEX_ROOT_INFO = b"confide.index-root.v1"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock: the current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Keyring:
    """Master key versions (exactly one active) and a stable root for derived keys.

    Build it once at startup with :meth:`open_or_create`, :meth:`load` or
    :meth:`from_master_key` and inject it; it never reads the environment itself.
    """

    def __init__(
        self,
        versions: Iterable[MasterKeyVersion],
        *,
        index_root: SecretKey,
        path: Path | None = None,
        clock: Clock = utc_now,
        passphrase: Passphrase | None = None,
    ) -> None:
        self._versions = _checked(tuple(versions), path)
        # Kept so that every later read and write of the file stays sealed under it.
        self._passphrase = passphrase
        self._index_root = index_root
        self._path = path
        self._clock = clock
        self._derived: dict[str, SecretKey] = {}
        # What the file looked like when these versions were read; see refresh().
        self._stamp = _file_stamp(path) if path is not None else None

    # -- construction -------------------------------------------------------------------

    @classmethod
    def create(
        cls, path: Path, *, clock: Clock = utc_now, passphrase: Passphrase | None = None
    ) -> Keyring:
        """Create a new keyring file (mode 0600, atomic) with one fresh active version.

        Refuses to overwrite an existing file. With ``passphrase`` the secrets are sealed.
        """
        path = Path(path)
        if os.path.lexists(path):
            raise KeyfileExistsError(f"refusing to overwrite existing keyring file {path}")
        contents = KeyfileContents(
            versions=(_new_version(clock),),
            index_root=SecretKey.generate(id=INDEX_ROOT_ID),
        )
        write_keyfile(path, contents, replace=False, passphrase=passphrase)
        return cls(
            contents.versions,
            index_root=contents.index_root,
            path=path,
            clock=clock,
            passphrase=passphrase,
        )

    @classmethod
    def load(
        cls, path: Path, *, clock: Clock = utc_now, passphrase: Passphrase | None = None
    ) -> Keyring:
        """Load a keyring file; KeyringError if missing, unreadable, corrupt or not 0600,
        or if it is passphrase-protected and ``passphrase`` is missing or wrong."""
        path = Path(path)
        stamp = _file_stamp(path)
        contents = read_keyfile(path, passphrase)
        sealed = contents.protection != PROTECTION_NONE
        keyring = cls(
            contents.versions,
            index_root=contents.index_root,
            path=path,
            clock=clock,
            passphrase=passphrase if sealed else None,
        )
        keyring._stamp = stamp
        return keyring

    @classmethod
    def open_or_create(
        cls, path: Path, *, clock: Clock = utc_now, passphrase: Passphrase | None = None
    ) -> Keyring:
        """Load the keyring file at ``path``, creating it first if it does not exist."""
        path = Path(path)
        if not os.path.lexists(path):
            try:
                return cls.create(path, clock=clock, passphrase=passphrase)
            except KeyfileExistsError:
                pass  # another process created it first; load theirs
        return cls.load(path, clock=clock, passphrase=passphrase)

    @classmethod
    def from_master_key(
        cls, b64: str, *, index_root: str | None = None, clock: Clock = utc_now
    ) -> Keyring:
        """A single-version keyring from a master key given as standard base64 of 32 bytes
        (env ``CONFIDE_MASTER_KEY``).

        The version id is derived from the key, so it is stable across restarts. Unless
        ``index_root`` (base64 of 32 bytes) is given, the index root is derived from the
        master key, so derived keys then change if the master key does.
        """
        material = _decode_b64_key(b64, "the master key (CONFIDE_MASTER_KEY)")
        fingerprint = hmac.new(material, _ENV_ID_LABEL, hashlib.sha256).hexdigest()
        version_id = f"env-{fingerprint[:16]}"
        if index_root is None:
            root = _hkdf(material, _ENV_INDEX_ROOT_INFO)
        else:
            root = _decode_b64_key(index_root, "the index root")
        version = MasterKeyVersion(
            id=version_id,
            created_at=clock(),
            state="active",
            key=SecretKey(material, id=version_id),
        )
        return cls((version,), index_root=SecretKey(root, id=INDEX_ROOT_ID), clock=clock)

    # -- inspection ---------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The keyring file, or None for a keyring built from an environment key."""
        return self._path

    @property
    def passphrase_protected(self) -> bool:
        """Whether the keyring file's secrets are sealed under a passphrase."""
        return self._passphrase is not None

    @property
    def versions(self) -> tuple[MasterKeyVersion, ...]:
        """All master key versions, oldest first."""
        return self._versions

    @property
    def active(self) -> MasterKeyVersion:
        """The version that wraps new data keys."""
        return next(v for v in self._versions if v.state == "active")

    def get_version(self, version_id: str) -> MasterKeyVersion | None:
        """The version with this id, or None."""
        return next((v for v in self._versions if v.id == version_id), None)

    def __repr__(self) -> str:
        states = ", ".join(f"{v.id}:{v.state}" for v in self._versions)
        where = str(self._path) if self._path is not None else "<environment>"
        return f"Keyring(path={where!r}, versions=[{states}])"

    __str__ = __repr__

    # -- data keys ----------------------------------------------------------------------

    def wrap_data_key(self, data_key: DataKey) -> bytes:
        """Encrypt a data key under the active master key, bound to the data key's id."""
        master = self.active
        nonce = os.urandom(NONCE_SIZE)
        header = pack_header(WRAP_FORMAT, master.id, nonce)
        aad = header + length_prefixed(_WRAP_AAD_LABEL, data_key.id.encode("ascii"))
        return header + AESGCM(master.key.reveal()).encrypt(nonce, data_key.key.reveal(), aad)

    def unwrap_data_key(self, data_key_id: str, blob: bytes) -> DataKey:
        """Decrypt a wrapped data key with any non-retired version; else DecryptionError."""
        if not is_valid_key_id(data_key_id):
            raise DecryptionError()
        envelope = parse_envelope(blob, WRAP_FORMAT)
        master = self.get_version(envelope.key_id)
        if master is None or master.state == "retired":
            raise DecryptionError()
        aad = envelope.header + length_prefixed(_WRAP_AAD_LABEL, data_key_id.encode("ascii"))
        try:
            material = AESGCM(master.key.reveal()).decrypt(envelope.nonce, envelope.body, aad)
        except InvalidTag:
            raise DecryptionError() from None
        if len(material) != KEY_SIZE:
            raise DecryptionError()
        return DataKey(id=data_key_id, key=SecretKey(material, id=data_key_id))

    # -- derived keys -------------------------------------------------------------------

    def derive_key(self, purpose: str) -> SecretKey:
        """HKDF-SHA256 key for ``purpose`` (e.g. ``"blind-index:customers.email"``).

        Derived from the index root, not the master key, so it survives master key rotation.
        """
        if not purpose:
            raise ValueError("derive_key: purpose must not be empty")
        key = self._derived.get(purpose)
        if key is None:
            info = length_prefixed(_DERIVE_LABEL, purpose.encode("utf-8"))
            key = SecretKey(_hkdf(self._index_root.reveal(), info), id=f"derived:{purpose}")
            self._derived[purpose] = key
        return key

    # -- lifecycle ----------------------------------------------------------------------

    def rotate(self) -> MasterKeyVersion:
        """Add a fresh active version; the previous active one becomes decrypt-only.

        Saves the file first (atomically, under a lock) and refuses if the file changed
        since this keyring was loaded. Existing wrapped keys stay readable; rewrap them to
        move them to the new version.
        """
        if self._path is None:
            raise KeyringError(
                "a keyring built from an environment master key cannot be rotated in place"
            )
        new = _new_version(self._clock)
        self._save_versions(
            lambda versions: (
                *(
                    dataclasses.replace(v, state="decrypt-only") if v.state == "active" else v
                    for v in versions
                ),
                new,
            )
        )
        return new

    def retire(self, version_id: str) -> MasterKeyVersion:
        """Mark a decrypt-only version ``retired``: from then on it unwraps nothing.

        Saved like :meth:`rotate` (atomically, under the lock, refusing if the file changed
        since it was loaded). The caller checks first that no data key is still wrapped under
        the version. The active version cannot be retired; retiring twice is a no-op.
        """
        if self._path is None:
            raise KeyringError(
                "a keyring built from an environment master key has no versions to retire"
            )
        target = self.get_version(version_id)
        if target is None:
            raise KeyringError(f"the keyring has no master key version {version_id!r}")
        if target.state == "active":
            raise KeyringError(f"{version_id} is the active master key version; rotate first")
        if target.state == "retired":
            return target
        retired = dataclasses.replace(target, state="retired")
        self._save_versions(
            lambda versions: tuple(retired if v.id == version_id else v for v in versions)
        )
        return retired

    def _save_versions(
        self, change: Callable[[tuple[MasterKeyVersion, ...]], tuple[MasterKeyVersion, ...]]
    ) -> None:
        """Write ``change(versions)`` to the file atomically, under the lock, refusing if the
        file changed since this keyring was loaded; then adopt the new versions."""
        assert self._path is not None
        with locked(self._path):
            on_disk = read_keyfile(self._path, self._passphrase)
            if _states(on_disk.versions) != _states(self._versions):
                raise KeyringError(
                    f"keyring file {self._path} changed since it was loaded; load it again"
                )
            versions = change(self._versions)
            write_keyfile(
                self._path,
                KeyfileContents(versions, self._index_root),
                replace=True,
                passphrase=self._passphrase,
            )
            self._stamp = _file_stamp(self._path)
        self._versions = versions

    def refresh(self) -> bool:
        """Re-read the keyring file if another process rotated or retired a version since.

        One ``stat`` when nothing changed. Returns whether the versions were reloaded. A file
        whose index root changed is refused: every blind index would silently stop matching.
        """
        if self._path is None:
            return False
        stamp = _file_stamp(self._path)
        if stamp == self._stamp:
            return False
        contents = read_keyfile(self._path, self._passphrase)
        if contents.index_root != self._index_root:
            raise KeyringError(
                f"keyring file {self._path} now holds a different index root; restart Confide"
            )
        self._versions = _checked(contents.versions, self._path)
        self._stamp = stamp
        return True


def open_or_create(
    path: Path, *, clock: Clock = utc_now, passphrase: Passphrase | None = None
) -> Keyring:
    """Shorthand for :meth:`Keyring.open_or_create`."""
    return Keyring.open_or_create(path, clock=clock, passphrase=passphrase)


def _new_version(clock: Clock) -> MasterKeyVersion:
    version_id = f"mk-{secrets.token_hex(8)}"
    return MasterKeyVersion(
        id=version_id, created_at=clock(), state="active", key=SecretKey.generate(id=version_id)
    )


def _checked(
    versions: tuple[MasterKeyVersion, ...], path: Path | None
) -> tuple[MasterKeyVersion, ...]:
    where = f"keyring file {path}" if path is not None else "keyring"
    active = sum(1 for v in versions if v.state == "active")
    if active != 1:
        raise KeyringError(f"{where} has {active} active master key versions; exactly 1 needed")
    if len({v.id for v in versions}) != len(versions):
        raise KeyringError(f"{where} has duplicate master key version ids")
    return versions


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    # rotate() and retire() publish by rename, so the inode changes even within one mtime tick.
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _states(versions: Iterable[MasterKeyVersion]) -> list[tuple[str, str]]:
    return [(v.id, v.state) for v in versions]


def _hkdf(ikm: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=KEY_SIZE, salt=None, info=info).derive(ikm)


def _decode_b64_key(value: str, what: str) -> bytes:
    text = value.strip()
    if not text:
        raise KeyringError(f"{what} is empty; expected standard base64 of {KEY_SIZE} bytes")
    try:
        material = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{what} is not valid standard base64") from None
    if len(material) != KEY_SIZE:
        raise KeyringError(f"{what} must decode to {KEY_SIZE} bytes, not {len(material)}")
    return material
