"""The audit log on real SQLite and PostgreSQL: tampering with rows directly in the
database is detected, and the first bad entry is named."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from confide.audit import InvalidAuditEntry
from confide.audit.checkpoints import CHECKPOINT_FILE
from confide.runtime import Runtime


def _record(runtime: Runtime, n: int, subject: uuid.UUID | None = None) -> None:
    with runtime.work() as session:
        for i in range(n):
            runtime.audit.record(
                session, f"test.action{i % 3}", actor="operator:cli", subject_id=subject
            )


def _verify(runtime: Runtime) -> dict[str, object]:
    with runtime.work() as session:
        return runtime.audit.verify(session).as_dict()


def _sql(runtime: Runtime, statement: str, **params: object) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_empty_log_is_intact(runtime: Runtime) -> None:
    result = _verify(runtime)
    assert result["ok"] is True and result["first_bad"] is None


def test_entries_chain_and_verify(runtime: Runtime) -> None:
    _record(runtime, 7)
    result = _verify(runtime)
    assert (result["ok"], result["entries"], result["first_bad"]) == (True, 7, None)


def test_altered_entry_is_named(runtime: Runtime) -> None:
    _record(runtime, 6)
    _sql(runtime, "UPDATE audit_entries SET action = 'nothing.to.see' WHERE seq = 4")
    result = _verify(runtime)
    assert (result["ok"], result["first_bad"]) == (False, 4)


def test_altered_outcome_is_named(runtime: Runtime) -> None:
    _record(runtime, 3)
    _sql(runtime, "UPDATE audit_entries SET outcome = 'denied' WHERE seq = 2")
    assert _verify(runtime)["first_bad"] == 2


def test_deleted_entry_is_named(runtime: Runtime) -> None:
    _record(runtime, 6)
    _sql(runtime, "DELETE FROM audit_entries WHERE seq = 3")
    result = _verify(runtime)
    assert (result["ok"], result["first_bad"]) == (False, 3)


def test_reordered_entries_are_named(runtime: Runtime) -> None:
    _record(runtime, 6)
    # Swap the sequence numbers of entries 2 and 5 through a free number.
    _sql(runtime, "UPDATE audit_entries SET seq = 1000 WHERE seq = 2")
    _sql(runtime, "UPDATE audit_entries SET seq = 2 WHERE seq = 5")
    _sql(runtime, "UPDATE audit_entries SET seq = 5 WHERE seq = 1000")
    result = _verify(runtime)
    assert (result["ok"], result["first_bad"]) == (False, 2)


def test_inserted_entry_is_named(runtime: Runtime) -> None:
    _record(runtime, 4)
    # Move entries 3 and 4 up by one and forge an entry 3 in between.
    _sql(runtime, "UPDATE audit_entries SET seq = seq + 10 WHERE seq >= 3")
    _sql(runtime, "UPDATE audit_entries SET seq = seq - 9 WHERE seq >= 13")
    _sql(
        runtime,
        "INSERT INTO audit_entries (seq, at, actor, action, subject, reason, outcome, "
        "prev_hash, entry_hash) SELECT 3, at, actor, 'forged', subject, reason, outcome, "
        "entry_hash, entry_hash FROM audit_entries WHERE seq = 2",
    )
    result = _verify(runtime)
    assert (result["ok"], result["first_bad"]) == (False, 3)


def test_appended_forgery_is_named(runtime: Runtime) -> None:
    _record(runtime, 2)
    _sql(
        runtime,
        "INSERT INTO audit_entries (seq, at, actor, action, subject, reason, outcome, "
        "prev_hash, entry_hash) SELECT 3, at, actor, action, subject, reason, outcome, "
        "entry_hash, :fake FROM audit_entries WHERE seq = 2",
        fake="f" * 64,
    )
    assert _verify(runtime)["first_bad"] == 3


def test_cut_tail_is_caught_by_the_checkpoint(runtime: Runtime) -> None:
    _record(runtime, 5)
    with runtime.work() as session:
        taken = runtime.audit.checkpoint(session)
    assert taken.size == 5
    _sql(runtime, "DELETE FROM audit_entries WHERE seq >= 4")
    result = _verify(runtime)
    assert (result["ok"], result["first_bad"], result["checkpoints"]) == (False, 4, 1)


def test_without_a_checkpoint_a_cut_tail_goes_unseen(runtime: Runtime) -> None:
    # Why checkpoints exist: the chain alone cannot know it was longer.
    _record(runtime, 5)
    _sql(runtime, "DELETE FROM audit_entries WHERE seq >= 4")
    assert _verify(runtime)["ok"] is True


def test_tampered_checkpoint_file_fails_verification(runtime: Runtime) -> None:
    _record(runtime, 2)
    with runtime.work() as session:
        runtime.audit.checkpoint(session)
    path = Path(runtime.settings.audit_dir) / CHECKPOINT_FILE
    path.write_text(path.read_text().replace('"size":2', '"size":1'))
    result = _verify(runtime)
    assert result["ok"] is False and result["bad_checkpoint_lines"] == 1


def test_reason_is_redacted_and_subject_is_a_pseudonym(runtime: Runtime) -> None:
    subject = uuid.uuid4()
    with runtime.work() as session:
        entry = runtime.audit.record(
            session,
            "staff.reveal",
            actor="staff:agent-7",
            subject_id=subject,
            reason="customer jo.doe@example.com called from +1 201-555-0123",
        )
        stored = (entry.reason, entry.subject)
    assert stored[0] is not None
    assert "jo.doe@example.com" not in stored[0] and "555-0123" not in stored[0]
    assert "<EMAIL_ADDRESS>" in stored[0]
    assert stored[1] is not None and stored[1].startswith("s-")
    assert str(subject) not in stored[1] and subject.hex not in stored[1]
    assert stored[1] == runtime.audit.subject_pseudonym(subject)
    assert _verify(runtime)["ok"] is True


@pytest.mark.parametrize(
    ("action", "actor", "outcome"),
    [("", "system", "ok"), ("x", "", "ok"), ("x", "system", "maybe"), ("a" * 65, "system", "ok")],
)
def test_bad_entries_are_refused_and_change_nothing(
    runtime: Runtime, action: str, actor: str, outcome: str
) -> None:
    _record(runtime, 1)
    with pytest.raises(InvalidAuditEntry), runtime.work() as session:
        runtime.audit.record(session, action, actor=actor, outcome=outcome)
    result = _verify(runtime)
    assert (result["ok"], result["entries"]) == (True, 1)


def test_a_rolled_back_transaction_leaves_no_entry(runtime: Runtime) -> None:
    _record(runtime, 1)
    with pytest.raises(RuntimeError), runtime.work() as session:
        runtime.audit.record(session, "test.rollback", actor="system")
        raise RuntimeError("the audited change failed")
    assert _verify(runtime)["entries"] == 1


def test_concurrent_appends_keep_one_chain(runtime: Runtime) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                _record(runtime, 1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = _verify(runtime)
    assert (result["ok"], result["entries"]) == (True, 40)


def test_a_deleted_head_row_is_rebuilt_from_the_last_entry(runtime: Runtime) -> None:
    _record(runtime, 3)
    _sql(runtime, "DELETE FROM audit_head")
    _record(runtime, 2)
    result = _verify(runtime)
    assert (result["ok"], result["entries"]) == (True, 5)


def test_retention_prunes_old_entries_and_the_chain_still_verifies(runtime: Runtime) -> None:
    from datetime import UTC, datetime, timedelta

    from confide.retention.periods import RetentionPeriods
    from confide.retention.service import run_retention

    old = datetime(2025, 1, 1, tzinfo=UTC)
    moments = iter([old + timedelta(minutes=i) for i in range(4)])
    clock = runtime.audit._clock
    runtime.audit._clock = lambda: next(moments)
    try:
        _record(runtime, 4)  # four entries a long time ago
    finally:
        runtime.audit._clock = clock
    _record(runtime, 2)  # two now
    periods = RetentionPeriods(audit_entries=30)
    planned = run_retention(
        runtime.sessions, periods, runtime.clock(), dry_run=True, audit=runtime.audit
    )
    assert planned.categories["audit_entries"].counts == {"entries": 4}
    assert _verify(runtime)["entries"] == 6  # the dry run deleted nothing
    done = run_retention(runtime.sessions, periods, runtime.clock(), audit=runtime.audit)
    assert done.categories["audit_entries"].counts == {"entries": 4}
    result = _verify(runtime)
    assert (result["ok"], result["entries"], result["first_bad"]) == (True, 2, None)
    # Running again prunes nothing more, and the newest entry is never pruned.
    again = run_retention(runtime.sessions, periods, runtime.clock(), audit=runtime.audit)
    assert again.categories["audit_entries"].counts == {"entries": 0}


def test_a_pruned_prefix_without_its_checkpoint_is_tampering(runtime: Runtime) -> None:
    _record(runtime, 5)
    _sql(runtime, "DELETE FROM audit_entries WHERE seq <= 2")
    result = _verify(runtime)
    assert (result["ok"], result["first_bad"]) == (False, 1)


def test_the_newest_entry_is_never_pruned(runtime: Runtime) -> None:
    from datetime import timedelta

    _record(runtime, 3)
    with runtime.work() as session:
        pruned = runtime.audit.prune(session, runtime.clock() + timedelta(days=1))
    assert pruned == 2
    result = _verify(runtime)
    assert (result["ok"], result["entries"]) == (True, 1)
