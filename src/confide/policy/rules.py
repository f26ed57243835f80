"""The policy decision as a pure function: no database, no clock, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from confide.consent.purposes import PurposeSettings


class Reason(StrEnum):
    LEGAL_BASIS = "legal-basis"
    CONSENT_GIVEN = "consent-given"
    NO_CONSENT = "no-consent"
    CONSENT_WITHDRAWN = "consent-withdrawn"
    RESTRICTED = "restricted"
    OBJECTED = "objected"
    AWAITING_HANDOFF = "awaiting-handoff"


@dataclass(frozen=True)
class ProcessingFlags:
    """What the customer's rights requests have set: restriction (GDPR Article 18) freezes
    every purpose; an objection (Article 21) stops the objectable purposes named in it."""

    restricted: bool = False
    objected: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PolicyDecision:
    purpose: str
    allowed: bool
    reason: Reason
    detail: str


def decide(
    name: str,
    purpose: PurposeSettings,
    *,
    granted: bool | None,
    flags: ProcessingFlags,
    handed_off: bool,
) -> PolicyDecision:
    """May ``purpose`` use the customer's data now?

    ``granted`` is the latest consent decision for this purpose (None: never decided);
    ``handed_off``, whether the customer has asked for a person.
    """
    if flags.restricted:
        return _no(name, Reason.RESTRICTED, "processing of this customer's data is restricted")
    if purpose.objectable and name in flags.objected:
        return _no(name, Reason.OBJECTED, f"the customer objected to {name}")
    if purpose.requires_handoff and not handed_off:
        return _no(name, Reason.AWAITING_HANDOFF, f"{name} needs the customer to ask for a person")
    if not purpose.consent_based:
        basis = purpose.legal_basis.value.replace("_", " ")
        return PolicyDecision(name, True, Reason.LEGAL_BASIS, f"{name} rests on {basis}")
    if granted:
        return PolicyDecision(name, True, Reason.CONSENT_GIVEN, f"consent to {name} is given")
    if granted is None:
        return _no(name, Reason.NO_CONSENT, f"the customer has not consented to {name}")
    return _no(name, Reason.CONSENT_WITHDRAWN, f"the customer withdrew consent to {name}")


def _no(name: str, reason: Reason, detail: str) -> PolicyDecision:
    return PolicyDecision(name, False, reason, detail)
