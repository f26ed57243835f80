"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint says "the chain had ``size`` entries and its head hash was ``head`` at ``at``",
signed with an Ed25519 key derived from the keyring. They are appended, one JSON line each,
to a file in a directory of their own (by default ``<data dir>/audit``; point it at another
disk or a mounted remote store in production), so cutting rows off the end of the log, or
rewriting it, shows against the last checkpoint.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from confide.crypto import SecretKey

CHECKPOINT_FILE = "checkpoints.jsonl"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    size: int
    head: str
    at: datetime

    def message(self) -> bytes:
        return (
            f"confide.audit.checkpoint.v1\n{self.size}\n{self.head}\n{self.at.isoformat()}".encode()
        )


@dataclass(frozen=True, slots=True)
class CheckpointRead:
    checkpoints: list[Checkpoint]
    bad_lines: int  # lines whose signature or format does not hold


class CheckpointStore:
    def __init__(self, directory: Path, seed: SecretKey) -> None:
        self.path = Path(directory) / CHECKPOINT_FILE
        self._private = Ed25519PrivateKey.from_private_bytes(seed.reveal())
        self._public = self._private.public_key()

    def __repr__(self) -> str:
        return f"CheckpointStore(path={str(self.path)!r}, ***)"

    def append(self, checkpoint: Checkpoint) -> None:
        """Write one signed line and fsync it (file mode 0600)."""
        signature = base64.b64encode(self._private.sign(checkpoint.message())).decode("ascii")
        line = json.dumps(
            {
                "size": checkpoint.size,
                "head": checkpoint.head,
                "at": checkpoint.at.isoformat(),
                "sig": signature,
            },
            separators=(",", ":"),
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> CheckpointRead:
        """Every checkpoint whose signature holds; a torn last line (no newline) is ignored."""
        if not self.path.is_file():
            return CheckpointRead([], 0)
        raw = self.path.read_text(encoding="ascii", errors="replace")
        lines = raw.split("\n")[:-1]  # the part after the last newline is an unfinished write
        good: list[Checkpoint] = []
        bad = 0
        for line in lines:
            checkpoint = self._parse(line)
            if checkpoint is None:
                bad += 1
            else:
                good.append(checkpoint)
        return CheckpointRead(good, bad)

    def _parse(self, line: str) -> Checkpoint | None:
        try:
            data = json.loads(line)
            checkpoint = Checkpoint(
                int(data["size"]), str(data["head"]), datetime.fromisoformat(data["at"])
            )
            self._public.verify(base64.b64decode(data["sig"]), checkpoint.message())
        except (ValueError, KeyError, TypeError, InvalidSignature):
            return None
        return checkpoint
