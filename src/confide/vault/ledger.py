"""The shred ledger: data key ids destroyed by crypto-shredding, kept outside the database.

A database backup holds every wrapped data key that was live when it was taken. Restoring
it would bring back the keys of customers erased since, so the ids of destroyed keys are
also appended to ``shredded.log`` in the data directory, and every restore destroys them
again. The file holds only random key ids and times, no personal data.

Format: UTF-8 text, mode 0600, one ``<key id> <ISO 8601 UTC time>`` line per shred,
append-only. Each append is ``fsync``ed before it returns, so call :func:`record_shredded`
*before* committing the shred: a crash in between then over-erases (the customer asked
for erasure) rather than leaving a key a restore would bring back.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from confide.errors import ConfideError

__all__ = ["LEDGER_NAME", "LedgerError", "ledger_path", "record_shredded", "shredded_ids"]

LEDGER_NAME = "shredded.log"
_KEY_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_LINE = re.compile(r"([A-Za-z0-9._:-]{1,64}) (\S+)")


class LedgerError(ConfideError):
    """The ledger cannot be read or written, or a complete line in it is malformed."""

    status_code = 500


def ledger_path(data_dir: Path) -> Path:
    return Path(data_dir) / LEDGER_NAME


def record_shredded(data_dir: Path, key_id: str, *, now: datetime | None = None) -> None:
    """Append ``key_id`` to the ledger and fsync it (creating the file, mode 0600)."""
    if _KEY_ID.fullmatch(key_id) is None:
        raise ValueError("not a data key id")
    when = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    path = ledger_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LedgerError(f"cannot open the shred ledger {path}: {exc.strerror}") from None
    try:
        with _locked(fd):
            _drop_torn_tail(fd)
            os.write(fd, f"{key_id} {when}\n".encode("ascii"))
            os.fsync(fd)
    except OSError as exc:
        raise LedgerError(f"cannot write the shred ledger {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if created:
        _fsync_directory(path.parent)


def shredded_ids(data_dir: Path) -> frozenset[str]:
    """Every key id in the ledger (empty if there is none yet)."""
    path = ledger_path(data_dir)
    try:
        text = path.read_bytes().decode("ascii")
    except FileNotFoundError:
        return frozenset()
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"cannot read the shred ledger {path}: {exc}") from None
    ids = set()
    lines = text.split("\n")
    # The last element is "" after a final newline, or a torn append (a crash mid-write,
    # before record_shredded returned, so before the shred committed): not a record.
    for number, line in enumerate(lines[:-1], start=1):
        match = _LINE.fullmatch(line)
        if match is None:
            raise LedgerError(f"the shred ledger {path} is corrupt at line {number}")
        ids.add(match.group(1))
    return frozenset(ids)


def _drop_torn_tail(fd: int) -> None:
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    # A crash left part of a line: cut it so the next record starts on a line of its own.
    start = max(0, size - 4096)
    tail = os.pread(fd, size - start, start)
    os.ftruncate(fd, start + tail.rfind(b"\n") + 1)


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    if sys.platform == "win32":
        yield
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
