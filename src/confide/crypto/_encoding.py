"""Byte layouts shared by field ciphertexts and wrapped data keys (see docs/crypto.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from confide.crypto._errors import DecryptionError

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
MAX_KEY_ID_LENGTH = 64

_KEY_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def length_prefixed(*parts: bytes) -> bytes:
    """Concatenate parts, each preceded by its length as 4 big-endian bytes."""
    out = bytearray()
    for part in parts:
        out += len(part).to_bytes(4, "big")
        out += part
    return bytes(out)


def is_valid_key_id(key_id: str) -> bool:
    """Key ids are 1-64 characters of ASCII letters, digits and ``._:-``."""
    return _KEY_ID.fullmatch(key_id) is not None


def check_key_id(key_id: str) -> str:
    """Return key_id unchanged, or raise ValueError if it cannot be stored in a blob header."""
    if not is_valid_key_id(key_id):
        raise ValueError(
            f"key ids are 1-{MAX_KEY_ID_LENGTH} characters of ASCII letters, digits and ._:-"
        )
    return key_id


def pack_header(version: int, key_id: str, nonce: bytes) -> bytes:
    """version (1 byte) | key id length (1 byte) | key id (ASCII) | nonce (12 bytes)."""
    raw_id = check_key_id(key_id).encode("ascii")
    return bytes((version, len(raw_id))) + raw_id + nonce


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed blob: ``header`` is authenticated as AAD, ``body`` is ciphertext + tag."""

    key_id: str
    nonce: bytes
    header: bytes
    body: bytes


def parse_envelope(blob: bytes, version: int) -> Envelope:
    """Split a blob of the given format version, or raise DecryptionError if malformed."""
    blob = bytes(blob)  # drivers may hand back memoryview or bytearray
    if len(blob) < 2 or blob[0] != version:
        raise DecryptionError()
    id_end = 2 + blob[1]
    header_end = id_end + NONCE_SIZE
    if len(blob) < header_end + TAG_SIZE:
        raise DecryptionError()
    try:
        key_id = blob[2:id_end].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError() from None
    if not is_valid_key_id(key_id):
        raise DecryptionError()
    return Envelope(
        key_id=key_id,
        nonce=blob[id_end:header_end],
        header=blob[:header_end],
        body=blob[header_end:],
    )
