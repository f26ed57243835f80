"""The policy decision as a pure function: legal basis, consent and rights flags."""

from __future__ import annotations

import pytest

from confide.consent.purposes import default_purposes
from confide.policy.rules import ProcessingFlags, Reason, decide

PURPOSES = default_purposes()
NONE = ProcessingFlags()
RESTRICTED = ProcessingFlags(restricted=True)
OBJECTED = ProcessingFlags(objected=frozenset({"analytics", "improvement", "service"}))


@pytest.mark.parametrize(
    ("purpose", "granted", "flags", "handed_off", "allowed", "reason"),
    [
        ("service", None, NONE, False, True, Reason.LEGAL_BASIS),
        ("service", None, OBJECTED, False, True, Reason.LEGAL_BASIS),
        ("service", None, RESTRICTED, False, False, Reason.RESTRICTED),
        ("personalization", None, NONE, False, False, Reason.NO_CONSENT),
        ("personalization", True, NONE, False, True, Reason.CONSENT_GIVEN),
        ("personalization", False, NONE, False, False, Reason.CONSENT_WITHDRAWN),
        ("improvement", True, OBJECTED, False, True, Reason.CONSENT_GIVEN),
        ("improvement", True, RESTRICTED, False, False, Reason.RESTRICTED),
        ("analytics", None, NONE, False, True, Reason.LEGAL_BASIS),
        ("analytics", None, OBJECTED, False, False, Reason.OBJECTED),
        ("analytics", None, RESTRICTED, False, False, Reason.RESTRICTED),
        ("human_review", None, NONE, False, False, Reason.AWAITING_HANDOFF),
        ("human_review", None, NONE, True, True, Reason.LEGAL_BASIS),
        ("human_review", None, RESTRICTED, True, False, Reason.RESTRICTED),
    ],
)
def test_decision_table(
    purpose: str,
    granted: bool | None,
    flags: ProcessingFlags,
    handed_off: bool,
    allowed: bool,
    reason: Reason,
) -> None:
    decision = decide(
        purpose, PURPOSES[purpose], granted=granted, flags=flags, handed_off=handed_off
    )
    assert (decision.purpose, decision.allowed, decision.reason) == (purpose, allowed, reason)
    assert purpose in decision.detail or reason is Reason.RESTRICTED
