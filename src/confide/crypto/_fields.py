"""Field encryption: AES-256-GCM under a data key, with a self-describing header."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from confide.crypto._encoding import (
    NONCE_SIZE,
    length_prefixed,
    pack_header,
    parse_envelope,
)
from confide.crypto._errors import DecryptionError
from confide.crypto._keys import DataKey

__all__ = [
    "FIELD_FORMAT",
    "associated_data",
    "decrypt_field",
    "decrypt_text",
    "encrypt_field",
    "encrypt_text",
    "field_key_id",
]

FIELD_FORMAT = 1
_AAD_FORMAT = b"\x01"


def associated_data(table: str, column: str, row_id: str) -> bytes:
    """Canonical AAD binding a ciphertext to one cell: a version byte, then each part
    as a 4-byte big-endian length and its UTF-8 bytes, so ("ab", "c") != ("a", "bc")."""
    for name, part in (("table", table), ("column", column), ("row_id", row_id)):
        if not part:
            raise ValueError(f"associated_data: {name} must not be empty")
    return _AAD_FORMAT + length_prefixed(
        table.encode("utf-8"), column.encode("utf-8"), row_id.encode("utf-8")
    )


def encrypt_field(data_key: DataKey, plaintext: bytes, *, aad: bytes) -> bytes:
    """Encrypt with a fresh random 96-bit nonce; the header is authenticated with ``aad``."""
    nonce = os.urandom(NONCE_SIZE)
    header = pack_header(FIELD_FORMAT, data_key.id, nonce)
    sealed = AESGCM(data_key.key.reveal()).encrypt(nonce, plaintext, header + aad)
    return header + sealed


def decrypt_field(data_key: DataKey, blob: bytes, *, aad: bytes) -> bytes:
    """Decrypt a blob made by :func:`encrypt_field`; any failure is a DecryptionError."""
    envelope = parse_envelope(blob, FIELD_FORMAT)
    if envelope.key_id != data_key.id:
        raise DecryptionError()
    try:
        return AESGCM(data_key.key.reveal()).decrypt(
            envelope.nonce, envelope.body, envelope.header + aad
        )
    except InvalidTag:
        raise DecryptionError() from None


def field_key_id(blob: bytes) -> str:
    """The (unauthenticated until decryption) data key id a field blob names."""
    return parse_envelope(blob, FIELD_FORMAT).key_id


def encrypt_text(data_key: DataKey, text: str, *, aad: bytes) -> bytes:
    """:func:`encrypt_field` for a str, encoded as UTF-8."""
    return encrypt_field(data_key, text.encode("utf-8"), aad=aad)


def decrypt_text(data_key: DataKey, blob: bytes, *, aad: bytes) -> str:
    """:func:`decrypt_field` decoded as UTF-8."""
    plaintext = decrypt_field(data_key, blob, aad=aad)
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Raised outside the except block: UnicodeDecodeError.object is the plaintext.
    raise DecryptionError()
