"""``Policy``: the rules applied to the state in the database, checked on every call.

Nothing is cached between calls, so a withdrawal or an objection takes effect from the very
next read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from confide.consent import repository as consent_repository
from confide.consent.errors import UnknownPurpose
from confide.consent.models import ConsentRecord
from confide.consent.purposes import PurposeSettings
from confide.policy import repository
from confide.policy.errors import (
    ConsentRequired,
    HandoffRequired,
    ObjectionInForce,
    ProcessingRestricted,
    PurposeNotPermitted,
)
from confide.policy.rules import PolicyDecision, ProcessingFlags, Reason, decide

FlagsProvider = Callable[[Session, uuid.UUID], ProcessingFlags]

_REFUSALS: dict[Reason, type[PurposeNotPermitted]] = {
    Reason.NO_CONSENT: ConsentRequired,
    Reason.CONSENT_WITHDRAWN: ConsentRequired,
    Reason.RESTRICTED: ProcessingRestricted,
    Reason.OBJECTED: ObjectionInForce,
    Reason.AWAITING_HANDOFF: HandoffRequired,
}


def no_flags(session: Session, subject_id: uuid.UUID) -> ProcessingFlags:
    """Restriction and objection are not recorded yet: the rights work plugs its reader in
    here (``Policy(purposes, flags=...)``)."""
    return ProcessingFlags()


def _granted(record: ConsentRecord | None) -> bool | None:
    return record.granted if record else None


class Policy:
    def __init__(
        self, purposes: Mapping[str, PurposeSettings], *, flags: FlagsProvider = no_flags
    ) -> None:
        self._purposes = dict(purposes)
        self._flags = flags

    @property
    def purposes(self) -> Mapping[str, PurposeSettings]:
        return self._purposes

    def purpose(self, name: str) -> PurposeSettings:
        purpose = self._purposes.get(name)
        if purpose is None:
            known = ", ".join(self._purposes)
            raise UnknownPurpose(f"there is no purpose {name!r} (purposes: {known})")
        return purpose

    def evaluate(self, session: Session, subject_id: uuid.UUID, name: str) -> PolicyDecision:
        purpose = self.purpose(name)
        granted = _granted(consent_repository.latest_decision(session, subject_id, name))
        return self._decide(
            session, subject_id, name, purpose, granted, self._flags(session, subject_id)
        )

    def evaluate_all(self, session: Session, subject_id: uuid.UUID) -> dict[str, PolicyDecision]:
        latest = consent_repository.latest_decisions(session, subject_id)
        flags = self._flags(session, subject_id)
        return {
            name: self._decide(
                session, subject_id, name, purpose, _granted(latest.get(name)), flags
            )
            for name, purpose in self._purposes.items()
        }

    def require_purpose(self, session: Session, subject_id: uuid.UUID, name: str) -> None:
        """Return if ``name`` may use the customer's data now; else raise a 403 error."""
        decision = self.evaluate(session, subject_id, name)
        if not decision.allowed:
            raise _REFUSALS[decision.reason](decision.detail)

    def guard_data_key(self, session: Session, data_key_id: str, purpose: str) -> None:
        """The vault's check before it decrypts under ``data_key_id`` for ``purpose``."""
        subject_id = repository.subject_id_for_data_key(session, data_key_id)
        if subject_id is None:
            raise PurposeNotPermitted(f"no customer holds this data key; {purpose} is refused")
        self.require_purpose(session, subject_id, purpose)

    def _decide(
        self,
        session: Session,
        subject_id: uuid.UUID,
        name: str,
        purpose: PurposeSettings,
        granted: bool | None,
        flags: ProcessingFlags,
    ) -> PolicyDecision:
        handed_off = purpose.requires_handoff and repository.has_handed_off_conversation(
            session, subject_id
        )
        return decide(name, purpose, granted=granted, flags=flags, handed_off=handed_off)
