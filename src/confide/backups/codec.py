"""The plaintext inside a backup: a zlib-compressed stream of typed records.

Each record is ``kind (1 byte) | u32 length | payload``:

- ``H`` manifest (JSON): format, Alembic revision, source dialect, creation time;
- ``T`` table (JSON): ``{"name", "columns"}``; the ``R`` records that follow belong to it;
- ``R`` one row: the column values in order, each a tag byte and its bytes (below);
- ``Z`` trailer (JSON): ``{"rows": {table: count}}``, checked against what was read.

Value tags: ``N`` null, ``F``/``T`` booleans, ``i`` int64, ``f`` float64, ``s`` UTF-8 text and
``b`` bytes (u32 length each), ``u`` UUID (16 bytes), ``d`` datetime and ``D`` date (u8 length,
ISO 8601), ``j`` JSON document (u32 length). Bytes stay bytes: ciphertext columns are copied
as they are, never re-encoded as text. Uses neither the web framework nor the ORM.
"""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from confide.backups.errors import BackupUnreadable

__all__ = ["RecordReader", "RecordWriter", "decode_row", "encode_row"]

MANIFEST, TABLE, ROW, TRAILER = b"H", b"T", b"R", b"Z"
_FRAME = struct.Struct(">cI")
_U32 = struct.Struct(">I")
_I64 = struct.Struct(">q")
_F64 = struct.Struct(">d")
_FLUSH_AT = 1 << 16


def _sized(tag: bytes, data: bytes) -> bytes:
    return tag + _U32.pack(len(data)) + data


def _encode_value(value: Any) -> bytes:
    if value is None:
        return b"N"
    if isinstance(value, bool):
        return b"T" if value else b"F"
    if isinstance(value, int):
        if not -(1 << 63) <= value < 1 << 63:
            raise TypeError("backups store integers of at most 64 bits")
        return b"i" + _I64.pack(value)
    if isinstance(value, float):
        return b"f" + _F64.pack(value)
    if isinstance(value, str):
        return _sized(b"s", value.encode("utf-8"))
    if isinstance(value, bytes | bytearray | memoryview):
        return _sized(b"b", bytes(value))
    if isinstance(value, uuid.UUID):
        return b"u" + value.bytes
    if isinstance(value, datetime):  # before date: a datetime is a date
        text = value.isoformat().encode("ascii")
        return b"d" + bytes((len(text),)) + text
    if isinstance(value, date):
        text = value.isoformat().encode("ascii")
        return b"D" + bytes((len(text),)) + text
    if isinstance(value, dict | list):
        return _sized(b"j", json.dumps(value, separators=(",", ":")).encode("utf-8"))
    raise TypeError(f"backups cannot store a value of type {type(value).__name__}")


def encode_row(values: Sequence[Any]) -> bytes:
    """One row's values, each tagged with its type."""
    return b"".join(_encode_value(v) for v in values)


def decode_row(payload: bytes) -> tuple[Any, ...]:
    """The inverse of :func:`encode_row`; a malformed row is a ValueError."""
    try:
        return _decode_values(payload)
    except (struct.error, IndexError, KeyError) as exc:
        raise ValueError("malformed row") from exc


def _decode_values(payload: bytes) -> tuple[Any, ...]:
    values: list[Any] = []
    view, at, end = memoryview(payload), 0, len(payload)
    while at < end:
        tag = payload[at : at + 1]
        at += 1
        if tag not in _DECODERS:
            raise ValueError("unknown value tag")
        if tag in _FIXED_SIZE:
            size = _FIXED_SIZE[tag]
        elif tag in b"dD":
            size, at = payload[at], at + 1
        else:
            size, at = _U32.unpack_from(payload, at)[0], at + 4
        if at + size > end:
            raise ValueError("row payload is truncated")
        values.append(_DECODERS[tag](view[at : at + size]))
        at += size
    return tuple(values)


_FIXED_SIZE = {b"N": 0, b"T": 0, b"F": 0, b"i": 8, b"f": 8, b"u": 16}
_DECODERS: dict[bytes, Callable[[memoryview], Any]] = {
    b"N": lambda _: None,
    b"T": lambda _: True,
    b"F": lambda _: False,
    b"i": lambda v: _I64.unpack(v)[0],
    b"f": lambda v: _F64.unpack(v)[0],
    b"s": lambda v: str(v, "utf-8"),
    b"b": bytes,
    b"u": lambda v: uuid.UUID(bytes=bytes(v)),
    b"d": lambda v: datetime.fromisoformat(str(v, "ascii")),
    b"D": lambda v: date.fromisoformat(str(v, "ascii")),
    b"j": lambda v: json.loads(str(v, "utf-8")),
}


class RecordWriter:
    """Frame, compress and hand records to ``sink`` (the encrypted writer) in large pieces."""

    def __init__(self, sink: Callable[[bytes], None], *, level: int = 6) -> None:
        self._sink = sink
        self._compressor = zlib.compressobj(level)
        self._pending = bytearray()

    def json_record(self, kind: bytes, document: object) -> None:
        self._add(kind, json.dumps(document, separators=(",", ":")).encode("utf-8"))

    def row(self, values: Sequence[Any]) -> None:
        self._add(ROW, encode_row(values))

    def close(self) -> None:
        self._sink(self._compressor.compress(bytes(self._pending)) + self._compressor.flush())
        self._pending.clear()

    def _add(self, kind: bytes, payload: bytes) -> None:
        self._pending += _FRAME.pack(kind, len(payload))
        self._pending += payload
        if len(self._pending) >= _FLUSH_AT:
            self._sink(self._compressor.compress(bytes(self._pending)))
            self._pending.clear()


class RecordReader:
    """Decompress authenticated chunks and yield ``(kind, payload)`` records.

    A stream that ends inside a record or the compressed data, or carries bytes after it,
    is reported as BackupUnreadable naming ``name``.
    """

    def __init__(self, chunks: Iterable[bytes], name: str) -> None:
        self._chunks = chunks
        self._name = name

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        decompressor = zlib.decompressobj()
        buffer = bytearray()
        for chunk in self._chunks:
            try:
                buffer += decompressor.decompress(chunk)
            except zlib.error:
                raise self._damaged() from None
            yield from self._complete_records(buffer)
        if buffer or not decompressor.eof or decompressor.unused_data:
            raise self._damaged()

    @staticmethod
    def _complete_records(buffer: bytearray) -> Iterator[tuple[bytes, bytes]]:
        at = 0
        while len(buffer) - at >= _FRAME.size:
            kind, size = _FRAME.unpack_from(buffer, at)
            if len(buffer) - at - _FRAME.size < size:
                break
            start = at + _FRAME.size
            yield kind, bytes(buffer[start : start + size])
            at = start + size
        del buffer[:at]

    def _damaged(self) -> BackupUnreadable:
        return BackupUnreadable(f"{self._name} is damaged: its contents do not parse")
