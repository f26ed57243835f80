"""The audit chain as pure functions: how an entry is hashed and how a chain is checked.

Each entry's hash is an HMAC-SHA256, under a key derived from the keyring, over the previous
entry's hash and the entry's canonical JSON. Someone who can write to the database but does
not hold the keyring can alter, delete, insert or reorder rows, but cannot compute hashes
that match; signed checkpoints kept outside the database (see ``checkpoints``) also catch
the last rows being cut off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "GENESIS",
    "ChainCheck",
    "EntryFacts",
    "check_chain",
    "entry_hash",
]

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """What one audit entry says, as stored; ``subject`` is a keyed pseudonym, never PII."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    reason: str | None
    outcome: str

    def canonical(self) -> bytes:
        document = {
            "seq": self.seq,
            "at": _utc(self.at).isoformat(timespec="microseconds"),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "reason": self.reason,
            "outcome": self.outcome,
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes, PostgreSQL aware ones: hash both as naive UTC.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def entry_hash(key: bytes, previous: str, facts: EntryFacts) -> str:
    return hmac.new(
        key, previous.encode("ascii") + b"\n" + facts.canonical(), hashlib.sha256
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    entries: int
    first_bad: int | None
    detail: str
    # The recomputed hash after each sequence number, for checking checkpoints.
    heads: dict[int, str]


def check_chain(
    key: bytes,
    rows: Iterable[tuple[EntryFacts, str, str]],
    *,
    start: tuple[int, str] = (1, GENESIS),
) -> ChainCheck:
    """Recompute the chain over ``(facts, stored previous hash, stored hash)`` rows in
    sequence order; name the first sequence number that was altered, deleted, inserted or
    moved. ``start`` is the first expected sequence number and the hash before it (after
    retention pruned older entries, the pruning checkpoint's head)."""
    expected_seq, previous = start
    count = 0
    heads: dict[int, str] = {}
    for facts, stored_previous, stored_hash in rows:
        count += 1
        if facts.seq != expected_seq:
            gap = "missing" if facts.seq > expected_seq else "duplicated or out of order"
            return ChainCheck(False, count, expected_seq, f"entry {expected_seq} is {gap}", heads)
        recomputed = entry_hash(key, previous, facts)
        if stored_previous != previous or not hmac.compare_digest(recomputed, stored_hash):
            return ChainCheck(
                False, count, facts.seq, f"entry {facts.seq} does not match its hash", heads
            )
        heads[facts.seq] = previous = recomputed
        expected_seq += 1
    return ChainCheck(True, count, None, f"{count} entries, chain intact", heads)


def check_checkpoints(
    chain: ChainCheck, checkpoints: Sequence[tuple[int, str]], *, pruned: int = 0
) -> tuple[int | None, str]:
    """``(first bad sequence number, detail)`` for checkpoints ``(size, head)`` that the
    recomputed chain does not reach or does not match; ``(None, "")`` when all hold.
    Checkpoints within the first ``pruned`` entries (deleted by retention) are history."""
    for size, head in sorted(checkpoints):
        if size <= pruned:
            continue
        recomputed = chain.heads.get(size)
        if recomputed is None:
            if chain.ok:
                last = max(chain.heads, default=0)
                return last + 1, f"a checkpoint covers {size} entries; only {last} remain"
            continue  # the chain broke earlier; that is reported already
        if not hmac.compare_digest(recomputed, head):
            return size, f"entries up to {size} differ from the checkpoint taken then"
    return None, ""
