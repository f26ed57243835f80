"""The audit chain's pure functions: hashing and checking, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from confide.audit.chain import GENESIS, EntryFacts, check_chain, check_checkpoints, entry_hash

KEY = b"k" * 32


def _chain(n: int) -> list[tuple[EntryFacts, str, str]]:
    rows, previous = [], GENESIS
    start = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    for seq in range(1, n + 1):
        facts = EntryFacts(seq, start + timedelta(seconds=seq), "system", "test", None, None, "ok")
        digest = entry_hash(KEY, previous, facts)
        rows.append((facts, previous, digest))
        previous = digest
    return rows


def test_intact_chain_checks_out() -> None:
    check = check_chain(KEY, _chain(5))
    assert (check.ok, check.entries, check.first_bad) == (True, 5, None)


def test_naive_and_aware_utc_times_hash_alike() -> None:
    aware = EntryFacts(1, datetime(2026, 1, 1, 9, 30, tzinfo=UTC), "a", "b", None, None, "ok")
    naive = EntryFacts(1, datetime(2026, 1, 1, 9, 30), "a", "b", None, None, "ok")
    offset = EntryFacts(
        1,
        datetime(2026, 1, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        "a",
        "b",
        None,
        None,
        "ok",
    )
    assert entry_hash(KEY, GENESIS, aware) == entry_hash(KEY, GENESIS, naive)
    assert entry_hash(KEY, GENESIS, aware) == entry_hash(KEY, GENESIS, offset)


def test_a_different_key_cannot_forge_the_chain() -> None:
    check = check_chain(b"x" * 32, _chain(3))
    assert (check.ok, check.first_bad) == (False, 1)


def test_a_gap_names_the_missing_entry() -> None:
    rows = _chain(5)
    check = check_chain(KEY, rows[:2] + rows[3:])
    assert (check.ok, check.first_bad) == (False, 3)
    assert "missing" in check.detail


def test_checkpoint_beyond_the_end_reports_the_first_missing_entry() -> None:
    rows = _chain(6)
    full = check_chain(KEY, rows)
    cut = check_chain(KEY, rows[:4])
    assert check_checkpoints(full, [(6, full.heads[6])]) == (None, "")
    bad, detail = check_checkpoints(cut, [(6, full.heads[6])])
    assert bad == 5 and "only 4 remain" in detail


def test_rewritten_chain_disagrees_with_an_earlier_checkpoint() -> None:
    original = check_chain(KEY, _chain(3))
    rows = _chain(3)
    altered = EntryFacts(1, rows[0][0].at, "system", "other", None, None, "ok")
    forged, previous = [], GENESIS
    for facts in [altered, rows[1][0], rows[2][0]]:
        digest = entry_hash(KEY, previous, facts)
        forged.append((facts, previous, digest))
        previous = digest
    rewritten = check_chain(KEY, forged)
    assert rewritten.ok  # someone with the key rewrote it consistently
    assert check_checkpoints(rewritten, [(3, original.heads[3])])[0] == 3
