"""The anomaly rules alone: tables of reads and refusals in, alerts out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from confide.alerts.rules import AlertRules, DecryptSpikes, Read, access_rate_alerts, denial_alerts

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RULES = AlertRules(window_minutes=60, baseline_days=7, rate_factor=3.0, min_subjects=20)


def reads(actor: str, count: int, hours_ago: float) -> list[Read]:
    at = NOW - timedelta(hours=hours_ago)
    return [Read(actor, f"s-{actor}-{hours_ago}-{i}", at) for i in range(count)]


@pytest.mark.parametrize(
    ("now_count", "busiest_before", "alert"),
    [
        (19, 0, False),  # under the floor: never an alert
        (20, 0, True),  # a new member reading 20 customers in an hour
        (30, 10, False),  # 3x the busiest hour is still usual
        (31, 10, True),
    ],
)
def test_access_rate_against_the_busiest_window(
    now_count: int, busiest_before: int, alert: bool
) -> None:
    history = reads("agent:aa", busiest_before, hours_ago=30) + reads("agent:aa", 3, hours_ago=50)
    found = access_rate_alerts(history + reads("agent:aa", now_count, 0.5), NOW, RULES)
    assert [a.actor for a in found] == (["agent:aa"] if alert else [])


def test_access_rate_counts_distinct_customers_per_member() -> None:
    same = [Read("agent:aa", "s-1", NOW - timedelta(minutes=m)) for m in range(50)]
    others = reads("agent:bb", 25, 0.2)
    found = access_rate_alerts(same + others, NOW, RULES)
    assert [(a.kind, a.actor) for a in found] == [("access-rate", "agent:bb")]
    assert found[0].detail == "read 25 customers in 60 min (busiest window in 7 days: 0)"


def test_reads_older_than_the_baseline_are_the_callers_to_drop() -> None:
    # The repository selects the baseline period; the rule buckets whatever it is given.
    found = access_rate_alerts(reads("agent:aa", 25, 0.1), NOW, RULES)
    assert len(found) == 1


def test_repeated_refusals_of_one_actor() -> None:
    rules = AlertRules(max_denials=3)
    found = denial_alerts(["agent:aa", "anonymous", "agent:aa", "anonymous", "agent:aa"], rules)
    assert [(a.kind, a.actor, a.detail) for a in found] == [
        ("denials", "agent:aa", "3 refusals in 60 min")
    ]


def test_decrypt_spike_against_the_median_interval() -> None:
    spikes = DecryptSpikes(AlertRules(decrypt_factor=5.0, min_decrypts=100))
    totals = [0, 50, 100, 160, 200, 1000, 1040]
    found = [len(spikes.observe(t)) for t in totals]
    assert found == [0, 0, 0, 0, 0, 1, 0]
    # A busy but steady worker raises nothing.
    steady = DecryptSpikes(AlertRules(decrypt_factor=5.0, min_decrypts=100))
    assert [len(steady.observe(t * 5000)) for t in range(6)] == [0, 0, 0, 0, 0, 0]
