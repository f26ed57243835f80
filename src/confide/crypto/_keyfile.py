"""The keyring file on disk: JSON, mode 0600, written atomically (see docs/crypto.md)."""

from __future__ import annotations

import base64
import binascii
import errno
import json
import os
import secrets
import stat
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from confide.crypto._encoding import KEY_SIZE
from confide.crypto._errors import KeyringError
from confide.crypto._keys import MASTER_KEY_STATES, MasterKeyVersion, SecretKey
from confide.crypto._protection import (
    PROTECTION_ARGON2ID,
    PROTECTION_SCRYPT,
    Passphrase,
    open_secrets,
    seal_secrets,
)

FILE_FORMAT = 1
FILE_KIND = "confide.keyring"
INDEX_ROOT_ID = "index-root"
# "secrets.protection" names how the secret half of the file is stored: "none" (plain
# "index_root"/"master_keys" members) or a passphrase scheme (Argon2id or scrypt +
# AES-256-GCM) that replaces them with one sealed blob, leaving "versions" readable.
PROTECTION_NONE = "none"
PASSPHRASE_PROTECTIONS = (PROTECTION_ARGON2ID, PROTECTION_SCRYPT)
_MAX_FILE_BYTES = 1 << 20
_POSIX = os.name == "posix"


class KeyfileExistsError(KeyringError):
    """Raised instead of overwriting an existing keyring file."""


@dataclass(frozen=True, slots=True)
class KeyfileContents:
    """What a keyring file holds: master key versions and the index root secret."""

    versions: tuple[MasterKeyVersion, ...]
    index_root: SecretKey
    # How the file that was read stores its secrets; writing is decided by the passphrase.
    protection: str = PROTECTION_NONE


def encode_keyfile(contents: KeyfileContents, passphrase: Passphrase | None = None) -> bytes:
    """Serialise to the JSON document described in docs/crypto.md; with ``passphrase``,
    the secrets are sealed under a key derived from it."""
    document: dict[str, Any] = {
        "format": FILE_FORMAT,
        "kind": FILE_KIND,
        "versions": [
            {"id": v.id, "created_at": v.created_at.isoformat(), "state": v.state}
            for v in contents.versions
        ],
    }
    plain = {
        "index_root": _b64(contents.index_root),
        "master_keys": {v.id: _b64(v.key) for v in contents.versions},
    }
    if passphrase is None:
        document["secrets"] = {"protection": PROTECTION_NONE, **plain}
    else:
        document["secrets"] = seal_secrets(plain, document, passphrase)
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _b64(key: SecretKey) -> str:
    return base64.b64encode(key.reveal()).decode("ascii")


def read_keyfile(path: Path, passphrase: Passphrase | None = None) -> KeyfileContents:
    """Read and validate a keyring file; every problem is a KeyringError naming the file.

    A passphrase-protected file needs ``passphrase``; an unprotected one ignores it.
    """
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise KeyringError(f"keyring path {path} is not a regular file")
        with path.open("rb") as handle:
            _check_permissions(path, os.fstat(handle.fileno()).st_mode)
            raw = handle.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyringError(f"keyring file not found: {path}") from None
    except OSError as exc:
        raise KeyringError(f"cannot read keyring file {path}: {exc.strerror}") from None
    if len(raw) > _MAX_FILE_BYTES:
        raise KeyringError(f"keyring file {path} is corrupt: larger than {_MAX_FILE_BYTES} bytes")
    return _Decoder(path, passphrase).decode(raw)


def _check_permissions(path: Path, mode: int) -> None:
    if _POSIX and mode & 0o077:
        raise KeyringError(
            f"keyring file {path} has mode {stat.S_IMODE(mode):04o}, so other users can "
            f"access it; restrict it with: chmod 600 {path}"
        )


class _Decoder:
    """Validates the JSON document; messages name fields, never their values."""

    def __init__(self, path: Path, passphrase: Passphrase | None = None) -> None:
        self._path = path
        self._passphrase = passphrase

    def corrupt(self, what: str) -> KeyringError:
        return KeyringError(f"keyring file {self._path} is corrupt: {what}")

    def decode(self, raw: bytes) -> KeyfileContents:
        document = _parse_json(raw)
        if document is _NOT_JSON:
            raise self.corrupt("not a valid JSON document")
        document = self.mapping(document, "the document")
        if document.get("kind") != FILE_KIND:
            raise self.corrupt(f'"kind" is not "{FILE_KIND}"')
        file_format = document.get("format")
        if file_format != FILE_FORMAT:
            shown = file_format if isinstance(file_format, int) else "missing or invalid"
            raise KeyringError(
                f"keyring file {self._path} has format {shown}; "
                f"this version of Confide reads format {FILE_FORMAT}"
            )
        secrets_part = self.mapping(document.get("secrets"), '"secrets"')
        protection = secrets_part.get("protection")
        if protection in PASSPHRASE_PROTECTIONS:
            bound = {k: v for k, v in document.items() if k != "secrets"}
            where = f"keyring file {self._path}"
            secrets_part = open_secrets(secrets_part, bound, self._passphrase, where)
        elif protection != PROTECTION_NONE:
            raise KeyringError(
                f"keyring file {self._path} uses a protection scheme "
                "this version of Confide cannot open"
            )
        master_keys = self.mapping(secrets_part.get("master_keys"), '"secrets.master_keys"')
        entries = document.get("versions")
        if not isinstance(entries, list) or not entries:
            raise self.corrupt('"versions" is not a non-empty list')
        versions = tuple(self.version(i, entry, master_keys) for i, entry in enumerate(entries))
        index_root = self.key(secrets_part.get("index_root"), '"secrets.index_root"', INDEX_ROOT_ID)
        return KeyfileContents(versions=versions, index_root=index_root, protection=str(protection))

    def mapping(self, value: object, what: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.corrupt(f"{what} is not a JSON object")
        return value

    def version(self, i: int, entry: object, master_keys: Mapping[str, Any]) -> MasterKeyVersion:
        where = f'"versions[{i}]"'
        fields = self.mapping(entry, where)
        version_id, state = fields.get("id"), fields.get("state")
        if not isinstance(version_id, str) or version_id not in master_keys:
            raise self.corrupt(f"{where} has no id with a matching key in secrets.master_keys")
        if state not in MASTER_KEY_STATES:
            raise self.corrupt(f"{where} has an unknown state")
        key = self.key(master_keys[version_id], f"the key of {where}", version_id)
        try:
            created_at = datetime.fromisoformat(str(fields.get("created_at")))
            return MasterKeyVersion(id=version_id, created_at=created_at, state=state, key=key)
        except ValueError:
            raise self.corrupt(f"{where} has an invalid id or created_at") from None

    def key(self, value: object, what: str, key_id: str) -> SecretKey:
        if not isinstance(value, str):
            raise self.corrupt(f"{what} is not a string")
        try:
            material = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise self.corrupt(f"{what} is not valid base64") from None
        if len(material) != KEY_SIZE:
            raise self.corrupt(f"{what} is not base64 of {KEY_SIZE} bytes")
        return SecretKey(material, id=key_id)


_NOT_JSON = object()


def _parse_json(raw: bytes) -> object:
    # Raised outside any except block so that no exception chains to the parser's error,
    # whose .doc / .object attributes hold the whole file, secrets included.
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return _NOT_JSON


def write_keyfile(
    path: Path, contents: KeyfileContents, *, replace: bool, passphrase: Passphrase | None = None
) -> None:
    """Write atomically (temp file, fsync, rename) with mode 0600, sealed if ``passphrase``.

    With ``replace=False`` an existing file is never overwritten, even in a race. Replacing
    a passphrase-protected file without a passphrase is refused: it would drop protection.
    """
    if replace and passphrase is None and _is_passphrase_protected(path):
        raise KeyringError(
            f"refusing to replace passphrase-protected keyring file {path} with an unprotected one"
        )
    data = encode_keyfile(contents, passphrase)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise KeyringError(f"cannot write keyring file {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if _POSIX:
                os.fchmod(handle.fileno(), 0o600)  # in case the umask or an ACL widened it
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _publish(tmp, path, replace=replace)
    except OSError as exc:
        raise KeyringError(f"cannot write keyring file {path}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _is_passphrase_protected(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_FILE_BYTES + 1)
    except OSError:
        return False
    document = _parse_json(raw)
    part = document.get("secrets") if isinstance(document, dict) else None
    return isinstance(part, dict) and part.get("protection") in PASSPHRASE_PROTECTIONS


def _publish(tmp: Path, path: Path, *, replace: bool) -> None:
    if replace:
        os.replace(tmp, path)
        return
    try:
        # link() fails if the target exists, unlike rename(): no window to clobber a keyring.
        os.link(tmp, path)
    except FileExistsError:
        raise KeyfileExistsError(f"refusing to overwrite existing keyring file {path}") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            raise KeyringError(f"cannot write keyring file {path}: {exc.strerror}") from None
        if path.exists():  # filesystem without hard links: check, then rename
            raise KeyfileExistsError(
                f"refusing to overwrite existing keyring file {path}"
            ) from None
        os.replace(tmp, path)


def _fsync_directory(directory: Path) -> None:
    if not _POSIX:
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``<path>.lock`` for a read-modify-write."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    lock_path = path.with_name(f"{path.name}.lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise KeyringError(f"cannot lock keyring file {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
