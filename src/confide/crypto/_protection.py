"""Passphrase protection for the secret half of the keyring file (see docs/crypto.md).

A key-encryption key (KEK) is derived from the passphrase with Argon2id (RFC 9106) when the
installed ``cryptography`` has it (>= 44), else scrypt; it AES-256-GCM-seals the JSON of the
secrets. The associated data is the canonical JSON of everything else in the file, so the
master key versions and their states, kept readable, cannot be edited undetected either.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from confide.crypto._encoding import KEY_SIZE, NONCE_SIZE, length_prefixed
from confide.crypto._errors import KeyringError

try:  # cryptography >= 44
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    ARGON2ID_AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the installed cryptography
    ARGON2ID_AVAILABLE = False

__all__ = [
    "ARGON2ID_AVAILABLE",
    "PASSPHRASE_ENV",
    "PROTECTION_ARGON2ID",
    "PROTECTION_SCRYPT",
    "Argon2idParams",
    "KdfParams",
    "Passphrase",
    "ScryptParams",
    "default_kdf",
    "open_secrets",
    "seal_secrets",
]

PASSPHRASE_ENV = "CONFIDE_KEYRING_PASSPHRASE"  # noqa: S105 - a variable's name, not a secret
PROTECTION_ARGON2ID = "argon2id+aes-256-gcm"
PROTECTION_SCRYPT = "scrypt+aes-256-gcm"
_SEAL_LABEL = b"confide.keyring-secrets.v1"
_SALT_SIZE = 16
_MAX_SALT_SIZE = 64


class Passphrase:
    """The keyring passphrase: masked in ``repr``, immutable, refuses to be pickled."""

    __slots__ = ("_kdf", "_value")
    _kdf: KdfParams | None
    _value: bytes

    def __init__(self, value: str | bytes, *, kdf: KdfParams | None = None) -> None:
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if not raw:
            raise KeyringError(f"the keyring passphrase ({PASSPHRASE_ENV}) is empty")
        if kdf is not None:
            kdf.check()
        object.__setattr__(self, "_value", raw)
        object.__setattr__(self, "_kdf", kdf)

    @property
    def kdf(self) -> KdfParams:
        """The KDF and cost used when sealing; opening uses the parameters in the file."""
        return self._kdf or default_kdf()

    def reveal(self) -> bytes:
        """The passphrase as UTF-8 bytes, for the KDF only."""
        return self._value

    def __repr__(self) -> str:
        return "Passphrase(***)"

    __str__ = __repr__

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Passphrase is immutable")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("Passphrase cannot be pickled")


@dataclass(frozen=True, slots=True)
class Argon2idParams:
    """Argon2id cost; the default is RFC 9106's second recommended option (64 MiB, t=3, p=4)."""

    iterations: int = 3
    lanes: int = 4
    memory_cost: int = 64 * 1024  # KiB

    name: ClassVar[str] = "argon2id"

    def check(self) -> None:
        _in_range("iterations", self.iterations, 1, 64)
        _in_range("lanes", self.lanes, 1, 64)
        _in_range("memory_cost", self.memory_cost, 8 * self.lanes, 4 * 1024 * 1024)

    def derive(self, passphrase: Passphrase, salt: bytes) -> bytes:
        if not ARGON2ID_AVAILABLE:
            raise KeyringError(
                "this keyring is protected with Argon2id, which needs cryptography >= 44"
            )
        kdf = Argon2id(
            salt=salt,
            length=KEY_SIZE,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_cost,
        )
        return kdf.derive(passphrase.reveal())

    def to_json(self) -> dict[str, int | str]:
        return {
            "name": self.name,
            "iterations": self.iterations,
            "lanes": self.lanes,
            "memory_cost": self.memory_cost,
        }


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost, the fallback without Argon2id: N=2^17, r=8, p=1 (128 MiB)."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    name: ClassVar[str] = "scrypt"

    def check(self) -> None:
        _in_range("n", self.n, 2**10, 2**22)
        if self.n & (self.n - 1):
            raise ValueError("scrypt n must be a power of two")
        _in_range("r", self.r, 1, 32)
        _in_range("p", self.p, 1, 16)

    def derive(self, passphrase: Passphrase, salt: bytes) -> bytes:
        return Scrypt(salt=salt, length=KEY_SIZE, n=self.n, r=self.r, p=self.p).derive(
            passphrase.reveal()
        )

    def to_json(self) -> dict[str, int | str]:
        return {"name": self.name, "n": self.n, "r": self.r, "p": self.p}


KdfParams = Argon2idParams | ScryptParams


def default_kdf() -> KdfParams:
    """Argon2id if this ``cryptography`` has it, else scrypt."""
    return Argon2idParams() if ARGON2ID_AVAILABLE else ScryptParams()


def _in_range(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"KDF parameter {name} must be an integer from {low} to {high}")


def protection_name(kdf: KdfParams) -> str:
    return PROTECTION_ARGON2ID if isinstance(kdf, Argon2idParams) else PROTECTION_SCRYPT


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _aad(bound: Mapping[str, Any]) -> bytes:
    return length_prefixed(_SEAL_LABEL, _canonical(bound))


def seal_secrets(
    plain: Mapping[str, Any], bound: Mapping[str, Any], passphrase: Passphrase
) -> dict[str, Any]:
    """The protected ``secrets`` object: KDF parameters, salt, nonce and the sealed JSON.

    ``bound`` is the rest of the document; it is authenticated as associated data.
    """
    kdf = passphrase.kdf
    salt, nonce = os.urandom(_SALT_SIZE), os.urandom(NONCE_SIZE)
    kdf_json = {**kdf.to_json(), "salt": _b64(salt)}
    protected = {"protection": protection_name(kdf), "kdf": kdf_json, "nonce": _b64(nonce)}
    kek = kdf.derive(passphrase, salt)
    aad = _aad({**bound, "secrets": protected})
    sealed = AESGCM(kek).encrypt(nonce, _canonical(dict(plain)), aad)
    return {**protected, "sealed": _b64(sealed)}


def open_secrets(
    secrets_part: Mapping[str, Any],
    bound: Mapping[str, Any],
    passphrase: Passphrase | None,
    where: str,
) -> dict[str, Any]:
    """Decrypt a protected ``secrets`` object back into its plain JSON mapping.

    ``where`` names the file in messages. No passphrase, a wrong one, or any tampering is a
    KeyringError that says which, and never carries key material or the passphrase.
    """
    if passphrase is None:
        raise KeyringError(f"{where} is passphrase-protected: set {PASSPHRASE_ENV}")
    kdf, salt = _kdf_from_json(secrets_part.get("kdf"), secrets_part.get("protection"), where)
    nonce = _unb64(secrets_part.get("nonce"), where, exact=NONCE_SIZE)
    sealed = _unb64(secrets_part.get("sealed"), where)
    protected = {k: secrets_part[k] for k in ("protection", "kdf", "nonce")}
    kek = kdf.derive(passphrase, salt)
    try:
        plain = AESGCM(kek).decrypt(nonce, sealed, _aad({**bound, "secrets": protected}))
    except InvalidTag:
        raise KeyringError(f"wrong passphrase or damaged {where}") from None
    try:
        document = json.loads(plain.decode("utf-8"))
    except ValueError:  # raised outside this block: the parser's error would quote secrets
        document = None
    if not isinstance(document, dict):
        raise KeyringError(f"{where} is corrupt: the sealed secrets are not a JSON object")
    return document


def _kdf_from_json(value: object, protection: object, where: str) -> tuple[KdfParams, bytes]:
    if not isinstance(value, dict):
        raise KeyringError(f'{where} is corrupt: "secrets.kdf" is not a JSON object')
    fields = {k: v for k, v in value.items() if k not in ("name", "salt")}
    try:
        kdf: KdfParams
        if value.get("name") == "argon2id" and protection == PROTECTION_ARGON2ID:
            kdf = Argon2idParams(**fields)
        elif value.get("name") == "scrypt" and protection == PROTECTION_SCRYPT:
            kdf = ScryptParams(**fields)
        else:
            raise ValueError("unknown KDF")
        kdf.check()
    except (TypeError, ValueError):
        raise KeyringError(f'{where} is corrupt: "secrets.kdf" is not valid') from None
    salt = _unb64(value.get("salt"), where)
    if not _SALT_SIZE <= len(salt) <= _MAX_SALT_SIZE:
        raise KeyringError(f'{where} is corrupt: "secrets.kdf.salt" has the wrong length')
    return kdf, salt


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(value: object, where: str, *, exact: int | None = None) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{where} is corrupt: a protected field is not valid base64") from None
    if exact is not None and len(raw) != exact:
        raise KeyringError(f"{where} is corrupt: a protected field has the wrong length")
    return raw
