"""``AuditLog``: append entries in the caller's transaction, checkpoint, verify.

Entries are written in the same transaction as what they record (conventions: a service
writes its audit entries and its changes together), so an entry exists exactly when its
change was committed. Appends lock the chain's head row, so concurrent transactions extend
the chain one after another.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from confide.audit import repository
from confide.audit.chain import GENESIS, EntryFacts, check_chain, check_checkpoints, entry_hash
from confide.audit.checkpoints import Checkpoint, CheckpointStore
from confide.audit.models import AuditEntry
from confide.crypto import Keyring, pseudonym
from confide.errors import ConfideError

OUTCOMES = frozenset({"ok", "denied", "failed"})
MAX_REASON_CHARS = 500
Clock = Callable[[], datetime]


class InvalidAuditEntry(ConfideError):
    status_code = 400


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    first_bad: int | None
    detail: str
    checkpoints: int
    bad_checkpoint_lines: int

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_bad": self.first_bad,
            "detail": self.detail,
            "checkpoints": self.checkpoints,
            "bad_checkpoint_lines": self.bad_checkpoint_lines,
        }


def _now() -> datetime:
    return datetime.now(UTC)


class AuditLog:
    """The tamper-evident audit log.

    ``redact`` removes personal data from free-text reasons (the PII engine's redactor);
    actors are role-qualified pseudonymous ids ("system", "operator:cli", "customer:api",
    "agent:<12 hex digits of the account id>"), subjects are keyed pseudonyms of customer
    ids.
    """

    def __init__(
        self,
        keyring: Keyring,
        checkpoint_dir: Path,
        *,
        redact: Callable[[str], str],
        clock: Clock = _now,
    ) -> None:
        self._chain_key = keyring.derive_key("audit-chain/v1").reveal()
        self._subject_key = keyring.derive_key("audit-subject/v1")
        self._store = CheckpointStore(checkpoint_dir, keyring.derive_key("audit-checkpoints/v1"))
        self._redact = redact
        self._clock = clock

    def __repr__(self) -> str:
        return f"AuditLog(checkpoints={str(self._store.path)!r}, ***)"

    def subject_pseudonym(self, subject_id: uuid.UUID) -> str:
        return pseudonym(self._subject_key, str(subject_id), prefix="s-")

    def record(
        self,
        session: Session,
        action: str,
        *,
        actor: str,
        subject_id: uuid.UUID | None = None,
        reason: str | None = None,
        outcome: str = "ok",
    ) -> AuditEntry:
        """Append one entry in ``session``'s transaction."""
        if outcome not in OUTCOMES:
            raise InvalidAuditEntry(f"outcome must be one of {sorted(OUTCOMES)}")
        if not action or len(action) > 64 or not actor or len(actor) > 80:
            raise InvalidAuditEntry("action (1-64 characters) and actor (1-80) are required")
        clean_reason = self._redact(reason)[:MAX_REASON_CHARS] if reason else None
        head = repository.locked_head(session)
        if head is None:  # only if someone deleted it: carry on from the last entry
            head = repository.recreate_head(session)
        seq, previous = head.seq + 1, head.entry_hash
        facts = EntryFacts(
            seq=seq,
            at=self._clock().astimezone(UTC),
            actor=actor,
            action=action,
            subject=self.subject_pseudonym(subject_id) if subject_id else None,
            reason=clean_reason,
            outcome=outcome,
        )
        digest = entry_hash(self._chain_key, previous, facts)
        entry = AuditEntry(
            seq=seq,
            at=facts.at,
            actor=actor,
            action=action,
            subject=facts.subject,
            reason=clean_reason,
            outcome=outcome,
            prev_hash=previous,
            entry_hash=digest,
        )
        session.add(entry)
        head.seq, head.entry_hash = seq, digest
        session.flush()
        return entry

    def about(self, session: Session, subject_id: uuid.UUID, limit: int = 50) -> list[AuditEntry]:
        """What the log records about one customer, newest first (for their own eyes)."""
        return repository.for_subject(session, self.subject_pseudonym(subject_id), limit)

    def checkpoint(self, session: Session) -> Checkpoint:
        """Sign the committed chain's size and head hash into the checkpoint file."""
        head = repository.head(session)
        checkpoint = Checkpoint(
            head.seq if head else 0, head.entry_hash if head else GENESIS, self._clock()
        )
        self._store.append(checkpoint)
        return checkpoint

    def prune(self, session: Session, before: datetime, *, dry_run: bool = False) -> int:
        """Delete the entries older than ``before`` (retention), never the newest one.

        A signed checkpoint at the last pruned entry is written (and fsynced) first: it is
        what lets :meth:`verify` start the chain there. Should the deletion then roll back,
        that checkpoint is simply one more the intact chain matches.
        """
        last = repository.last_entry_before(session, before)
        newest = repository.head(session)
        if last is None or newest is None:
            return 0
        keep_from = min(last.seq, newest.seq - 1)
        if keep_from < 1:
            return 0
        boundary = session.get(AuditEntry, keep_from)
        if boundary is None:  # already pruned up to here
            return 0
        count = repository.count_up_to(session, keep_from)
        if dry_run or count == 0:
            return count
        self._store.append(Checkpoint(keep_from, boundary.entry_hash, self._clock()))
        repository.delete_up_to(session, keep_from)
        return count

    def verify(self, session: Session) -> VerifyResult:
        """Recompute the chain and compare it with every signed checkpoint."""
        read = self._store.read()
        checkpoints = [(c.size, c.head) for c in read.checkpoints]
        first = repository.first_seq(session)
        pruned = (first - 1) if first is not None else 0
        start = (1, GENESIS)
        if pruned:
            anchor = next((head for size, head in checkpoints if size == pruned), None)
            if anchor is None:
                detail = f"entries 1 to {pruned} are missing and no checkpoint covers a pruning"
                return VerifyResult(False, 0, 1, detail, len(checkpoints), read.bad_lines)
            start = (first or 1, anchor)
        rows = (
            (
                EntryFacts(e.seq, e.at, e.actor, e.action, e.subject, e.reason, e.outcome),
                e.prev_hash,
                e.entry_hash,
            )
            for e in repository.entries(session)
        )
        chain = check_chain(self._chain_key, rows, start=start)
        bad_seq, detail = check_checkpoints(chain, checkpoints, pruned=pruned)
        first_bad = chain.first_bad if chain.first_bad is not None else bad_seq
        ok = chain.ok and bad_seq is None and read.bad_lines == 0
        if not chain.ok:
            detail = chain.detail
        elif read.bad_lines:
            detail = detail or f"{read.bad_lines} checkpoint line(s) fail their signature"
        return VerifyResult(
            ok,
            len(chain.heads) if chain.ok else chain.entries,
            first_bad,
            detail or chain.detail,
            len(read.checkpoints),
            read.bad_lines,
        )
