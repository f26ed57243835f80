"""Key holders that never show their bytes in a repr, a log line or a pickle."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NoReturn

from confide.crypto._encoding import KEY_SIZE, check_key_id

__all__ = ["DataKey", "MasterKeyState", "MasterKeyVersion", "SecretKey", "generate_data_key"]

MasterKeyState = Literal["active", "decrypt-only", "retired"]
MASTER_KEY_STATES: tuple[MasterKeyState, ...] = ("active", "decrypt-only", "retired")


class SecretKey:
    """32 bytes of key material with a masked ``repr``; call :meth:`reveal` to use them.

    Equality is constant-time; instances are immutable and refuse to be pickled so a key
    cannot slip into a cache, a queue or a crash dump by accident.
    """

    __slots__ = ("_id", "_material")
    _id: str
    _material: bytes

    def __init__(self, material: bytes, *, id: str = "unnamed") -> None:
        if not isinstance(material, bytes | bytearray | memoryview):
            raise TypeError("SecretKey material must be bytes")
        raw = bytes(material)
        if len(raw) != KEY_SIZE:
            raise ValueError(f"SecretKey needs exactly {KEY_SIZE} bytes, got {len(raw)}")
        object.__setattr__(self, "_id", id)
        object.__setattr__(self, "_material", raw)

    @classmethod
    def generate(cls, *, id: str = "unnamed") -> SecretKey:
        """A fresh random key from the operating system's CSPRNG."""
        return cls(secrets.token_bytes(KEY_SIZE), id=id)

    @property
    def id(self) -> str:
        """A non-secret label (data key id, master version id or derivation purpose)."""
        return self._id

    def reveal(self) -> bytes:
        """The raw key bytes. Pass them straight to a primitive; never store or log them."""
        return self._material

    def __repr__(self) -> str:
        return f"SecretKey(id={self._id!r}, ***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretKey):
            return NotImplemented
        same_material = hmac.compare_digest(self._material, other._material)
        return same_material and self._id == other._id

    def __hash__(self) -> int:
        return hash((SecretKey, self._id))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("SecretKey is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("SecretKey is immutable")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("SecretKey cannot be pickled")

    def __copy__(self) -> SecretKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> SecretKey:
        return self


@dataclass(frozen=True, slots=True)
class DataKey:
    """A per-subject data encryption key; ``id`` is stored in every ciphertext it makes."""

    id: str
    key: SecretKey

    def __post_init__(self) -> None:
        check_key_id(self.id)


def generate_data_key() -> DataKey:
    """A fresh random data key with a random uuid4-hex id."""
    key_id = uuid.uuid4().hex
    return DataKey(id=key_id, key=SecretKey.generate(id=key_id))


@dataclass(frozen=True, slots=True)
class MasterKeyVersion:
    """One version of the master key (key-encryption key) held in a :class:`Keyring`.

    ``active``: wraps new data keys. ``decrypt-only``: unwraps existing ones.
    ``retired``: refused for everything.
    """

    id: str
    created_at: datetime
    state: MasterKeyState
    key: SecretKey

    def __post_init__(self) -> None:
        check_key_id(self.id)
        if self.state not in MASTER_KEY_STATES:
            raise ValueError(f"unknown master key state {self.state!r}")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
