"""The backup file container: a header, then a stream of AES-256-GCM chunks.

Layout (docs/crypto.md, "Backup files"):

    magic "CONFIDBK" | version 0x01 | chunk size u32 | nonce prefix (7) |
    key id length (1) | backup key id | wrapped key length u16 | wrapped backup key |
    chunk 0 | chunk 1 | ... | final chunk

Every backup has its own random 256-bit key, wrapped by the keyring's active master key
(``Keyring.wrap_data_key``, so the wrap is bound to the backup key id). Chunk ``i`` is the
AES-256-GCM encryption of ``chunk size`` plaintext bytes (the final chunk: 0 to chunk size)
with nonce ``prefix || u32(i) || final flag`` and the whole header as associated data. So a
changed header byte, a reordered, dropped or appended chunk, and truncation anywhere all fail
authentication. This module itself uses neither the web framework nor the ORM.
"""

from __future__ import annotations

import os
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from confide.backups.errors import BackupUnreadable, NotABackup
from confide.crypto import DataKey, DecryptionError, Keyring, SecretKey

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "FORMAT_VERSION",
    "MAGIC",
    "BackupHeader",
    "EncryptedWriter",
    "read_chunks",
    "read_header",
]

MAGIC = b"CONFIDBK"
FORMAT_VERSION = 1
DEFAULT_CHUNK_SIZE = 1 << 20  # 1 MiB of plaintext per chunk
MIN_CHUNK_SIZE = 1 << 10
MAX_CHUNK_SIZE = 1 << 24
TAG_SIZE = 16
_PREFIX_SIZE = 7
_MAX_CHUNKS = 1 << 32  # the index is a u32 in the nonce
_FIXED = struct.Struct(">8sBI7s")  # magic, version, chunk size, nonce prefix


@dataclass(frozen=True, slots=True)
class BackupHeader:
    """The parsed clear-text header; ``raw`` is authenticated as every chunk's AAD."""

    chunk_size: int
    nonce_prefix: bytes
    key_id: str
    wrapped_key: bytes
    raw: bytes


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")


class EncryptedWriter:
    """Seal a byte stream into ``raw`` chunk by chunk; call :meth:`close` exactly once."""

    def __init__(
        self, raw: BinaryIO, keyring: Keyring, *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> None:
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk_size must be {MIN_CHUNK_SIZE}..{MAX_CHUNK_SIZE} bytes")
        key_id = f"backup:{uuid.uuid4().hex}"
        backup_key = DataKey(id=key_id, key=SecretKey.generate(id=key_id))
        wrapped = keyring.wrap_data_key(backup_key)
        prefix = os.urandom(_PREFIX_SIZE)
        raw_id = key_id.encode("ascii")
        self._header = (
            _FIXED.pack(MAGIC, FORMAT_VERSION, chunk_size, prefix)
            + bytes((len(raw_id),))
            + raw_id
            + len(wrapped).to_bytes(2, "big")
            + wrapped
        )
        self._raw = raw
        self._aead = AESGCM(backup_key.key.reveal())
        self._prefix = prefix
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self.bytes_written = 0
        self._emit(self._header)

    def write(self, data: bytes) -> None:
        self._buffer += data
        # Hold back at least one byte so the final chunk is known only at close().
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]

    def close(self) -> None:
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()

    def _seal(self, plaintext: bytes, *, final: bool) -> None:
        if self._index >= _MAX_CHUNKS:
            raise ValueError("backup too large for one file at this chunk size")
        nonce = _nonce(self._prefix, self._index, final)
        self._emit(self._aead.encrypt(nonce, plaintext, self._header))
        self._index += 1

    def _emit(self, data: bytes) -> None:
        self._raw.write(data)
        self.bytes_written += len(data)


def read_header(raw: BinaryIO, name: str) -> BackupHeader:
    """Parse the header, or raise NotABackup / BackupUnreadable naming ``name``."""
    fixed = raw.read(_FIXED.size)
    if len(fixed) < len(MAGIC) or fixed[: len(MAGIC)] != MAGIC:
        raise NotABackup(f"{name} is not a Confide backup")
    if len(fixed) < _FIXED.size:
        raise BackupUnreadable(f"{name} is truncated")
    _, version, chunk_size, prefix = _FIXED.unpack(fixed)
    if version != FORMAT_VERSION:
        raise NotABackup(
            f"{name} is backup format {version}; this version of Confide reads format "
            f"{FORMAT_VERSION}"
        )
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise BackupUnreadable(f"{name} is damaged: impossible chunk size")
    id_length = _read_exact(raw, 1, name)
    raw_id = _read_exact(raw, id_length[0], name)
    wrapped_length = _read_exact(raw, 2, name)
    wrapped = _read_exact(raw, int.from_bytes(wrapped_length, "big"), name)
    try:
        key_id = raw_id.decode("ascii")
    except UnicodeDecodeError:
        raise BackupUnreadable(f"{name} is damaged: invalid key id") from None
    header = fixed + id_length + raw_id + wrapped_length + wrapped
    return BackupHeader(chunk_size, prefix, key_id, wrapped, header)


def _read_exact(raw: BinaryIO, size: int, name: str) -> bytes:
    data = raw.read(size)
    if len(data) != size:
        raise BackupUnreadable(f"{name} is truncated")
    return data


def _unreadable(name: str) -> BackupUnreadable:
    return BackupUnreadable(
        f"{name} cannot be authenticated: it was made with another keyring, "
        "or it has been changed or truncated"
    )


def _backup_key(header: BackupHeader, keyring: Keyring, name: str) -> AESGCM:
    master_id = _wrapping_version(header.wrapped_key)
    version = keyring.get_version(master_id) if master_id else None
    if master_id and (version is None or version.state == "retired"):
        why = "does not have" if version is None else "has retired"
        raise BackupUnreadable(
            f"{name} was encrypted under master key version {master_id}, which this keyring "
            f"{why}: restore it with the keyring it was made with"
        )
    try:
        key = keyring.unwrap_data_key(header.key_id, header.wrapped_key)
    except (DecryptionError, ValueError):
        raise _unreadable(name) from None
    return AESGCM(key.key.reveal())


def _wrapping_version(wrapped: bytes) -> str | None:
    # Unauthenticated here, used only to word the error; unwrapping authenticates it.
    if len(wrapped) < 2 or len(wrapped) < 2 + wrapped[1]:
        return None
    try:
        return wrapped[2 : 2 + wrapped[1]].decode("ascii")
    except UnicodeDecodeError:
        return None


def read_chunks(raw: BinaryIO, keyring: Keyring, name: str) -> Iterator[bytes]:
    """Yield the authenticated plaintext of each chunk in order.

    Raises BackupUnreadable at the first chunk that does not authenticate; only when the
    iterator is exhausted is the stream known to be complete (the final chunk was seen).
    """
    header = read_header(raw, name)
    aead = _backup_key(header, keyring, name)
    block_size = header.chunk_size + TAG_SIZE
    block = raw.read(block_size)
    index = 0
    while True:
        following = raw.read(block_size)
        final = not following
        if len(block) < TAG_SIZE or (not final and len(block) != block_size):
            raise _unreadable(name)
        try:
            plaintext = aead.decrypt(_nonce(header.nonce_prefix, index, final), block, header.raw)
        except InvalidTag:
            raise _unreadable(name) from None
        yield plaintext
        if final:
            return
        block = following
        index += 1
        if index >= _MAX_CHUNKS:
            raise _unreadable(name)
