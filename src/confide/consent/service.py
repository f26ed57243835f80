"""Consent decisions: record them (append-only), hand the customer a signed receipt, show
the current state per purpose. ``Consents`` is built once per runtime."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from confide.audit import AuditLog
from confide.consent import repository
from confide.consent.errors import ConsentUnavailable, PurposeNotConsentBased
from confide.consent.models import ConsentRecord, PrivacyNotice
from confide.consent.notices import NOTICE_PATH, NoticeController
from confide.consent.purposes import PrivacySettings, PurposeSettings
from confide.consent.receipts import ReceiptFacts, ReceiptSigner, build_receipt, canonical_json
from confide.consent.schemas import (
    ConsentStateOut,
    Method,
    MyConsentsOut,
    PurposeOut,
    SignedReceipt,
    VerificationOut,
)
from confide.crypto import pseudonym
from confide.db import utcnow
from confide.db_settings import DEFAULT_COMPANY, get_setting
from confide.policy.service import Policy
from confide.subjects.models import Subject
from confide.subjects.service import get_subject_or_raise
from confide.vault import FieldRef, SubjectErased, Vault

# Derivation labels under the keyring's index root (see docs/decisions.md).
SIGNING_KEY_LABEL = "consent-receipts/ed25519/v1"
PRINCIPAL_KEY_LABEL = "consent-receipts/principal/v1"


def receipt_signer(vault: Vault) -> ReceiptSigner:
    """The receipt key: derived with HKDF from the keyring's index root, so every worker
    holds the same key, it survives master key rotation, and it is never written down."""
    return ReceiptSigner(vault.keyring.derive_key(SIGNING_KEY_LABEL))


def purpose_out(name: str, purpose: PurposeSettings) -> PurposeOut:
    return PurposeOut(
        name=name,
        title=purpose.title,
        description=purpose.description,
        legal_basis=purpose.legal_basis.value,
        consent_required=purpose.consent_based,
        withdrawable=purpose.consent_based,
        objectable=purpose.objectable,
        requires_handoff=purpose.requires_handoff,
    )


class Consents:
    def __init__(
        self,
        vault: Vault,
        policy: Policy,
        privacy: PrivacySettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        audit: AuditLog | None = None,
        on_change: Callable[[str, bool], None] | None = None,
        on_withdraw: Callable[[Session, Subject, str], None] | None = None,
    ) -> None:
        self._vault = vault
        self._audit = audit
        # Told (purpose, granted) of every decision recorded (metrics count consent changes).
        self._on_change = on_change
        # Told of each withdrawal in its transaction (learning deletes what it took).
        self._on_withdraw = on_withdraw
        self._policy = policy
        self._privacy = privacy
        self._clock = clock
        self.signer = receipt_signer(vault)
        self._principal_key = vault.keyring.derive_key(PRINCIPAL_KEY_LABEL)

    def purposes(self) -> list[PurposeOut]:
        return [purpose_out(name, p) for name, p in self._policy.purposes.items()]

    def principal_id(self, subject_id: uuid.UUID) -> str:
        """The customer's pseudonymous id in receipts: a keyed HMAC of the subject id."""
        return pseudonym(self._principal_key, str(subject_id), prefix="cr-")

    def current(self, session: Session, subject: Subject) -> MyConsentsOut:
        latest = repository.latest_decisions(session, subject.id)
        decisions = self._policy.evaluate_all(session, subject.id)
        notice = repository.active_notice(session)
        states = []
        for name, purpose in self._policy.purposes.items():
            record, decision = latest.get(name), decisions[name]
            granted = bool(record and record.granted) if purpose.consent_based else None
            states.append(
                ConsentStateOut(
                    purpose=name,
                    title=purpose.title,
                    description=purpose.description,
                    legal_basis=purpose.legal_basis.value,
                    granted=granted,
                    processing_allowed=decision.allowed,
                    reason=decision.reason.value,
                    decided_at=record.decided_at if record else None,
                    method=record.method if record else None,
                    channel=record.channel if record else None,
                    notice_version=record.notice_version if record else None,
                )
            )
        return MyConsentsOut(notice_version=notice.version if notice else None, consents=states)

    def decide(
        self,
        session: Session,
        subject: Subject,
        purpose: str,
        *,
        granted: bool,
        method: Method,
        channel: str,
    ) -> SignedReceipt:
        """Record one decision and return its signed receipt. Refuses, changing nothing,
        an unknown purpose, one that is not consent-based, an erased customer, or a
        decision while no privacy notice is published."""
        settings = self._policy.purpose(purpose)
        _refuse_unless_consent_based(purpose, settings)
        if self._vault.is_erased(session, subject.data_key_id):
            raise SubjectErased("this customer's personal data has been erased")
        notice = repository.active_notice(session)
        if notice is None:
            raise ConsentUnavailable(
                "no privacy notice is published yet, so consent cannot be informed"
            )
        get_subject_or_raise(session, subject.id, for_update=True)  # one decision at a time
        in_force = {
            n: r.granted for n, r in repository.latest_decisions(session, subject.id).items()
        }
        in_force[purpose] = granted
        record = ConsentRecord(
            id=uuid.uuid4(),
            subject_id=subject.id,
            seq=repository.next_seq(session, subject.id),
            purpose=purpose,
            granted=granted,
            notice_version=notice.version,
            method=method,
            channel=channel,
            decided_at=self._clock(),
        )
        signed = self.signer.sign(self._receipt(session, record, notice, in_force))
        ref = FieldRef("consent_records", "receipt", str(record.id))
        text = canonical_json(signed).decode("utf-8")
        record.receipt_ct = self._vault.seal(session, subject.data_key_id, ref, text)
        repository.add_decision(session, record)
        if self._audit is not None:
            action = "consent.grant" if granted else "consent.withdraw"
            self._audit.record(
                session, action, actor=f"customer:{method}", subject_id=subject.id, reason=purpose
            )
        if not granted and self._on_withdraw is not None:
            self._on_withdraw(session, subject, purpose)
        if self._on_change is not None:
            self._on_change(purpose, granted)
        return SignedReceipt.model_validate(signed)

    def withdraw(
        self,
        session: Session,
        subject: Subject,
        purpose: str,
        method: Method = "chat",
        *,
        channel: str = "web",
    ) -> SignedReceipt:
        """Withdraw consent: for the dialogue ("stop using my chats for training")."""
        return self.decide(session, subject, purpose, granted=False, method=method, channel=channel)

    def verify(self, document: Any) -> VerificationOut:
        result = self.signer.verify(document)
        return VerificationOut(
            valid=result.valid, consent_receipt_id=result.receipt_id, detail=result.detail
        )

    def _receipt(
        self,
        session: Session,
        record: ConsentRecord,
        notice: PrivacyNotice,
        in_force: dict[str, bool],
    ) -> dict[str, Any]:
        company = get_setting(session, "company_name", DEFAULT_COMPANY)
        controller = NoticeController.model_validate(notice.controller or {"name": company})
        granted = {
            name: p
            for name, p in self._policy.purposes.items()
            if p.consent_based and in_force.get(name)
        }
        facts = ReceiptFacts(
            receipt_id=str(record.id),
            timestamp=record.decided_at,
            collection_method=record.method,
            jurisdiction=self._privacy.jurisdiction,
            language=self._privacy.language,
            principal_id=self.principal_id(record.subject_id),
            controller=controller.kantara(),
            policy_url=f"{self._privacy.public_url.rstrip('/')}{NOTICE_PATH}/{notice.version}",
            service=f"{company} customer service",
            purposes=granted,
            decision={
                "purpose": record.purpose,
                "granted": record.granted,
                "noticeVersion": record.notice_version,
                "channel": record.channel,
            },
        )
        return build_receipt(facts, self.signer.public_key)


def _refuse_unless_consent_based(name: str, purpose: PurposeSettings) -> None:
    if purpose.consent_based:
        return
    basis = purpose.legal_basis.value.replace("_", " ")
    if purpose.objectable:
        raise PurposeNotConsentBased(
            f"{name} rests on {basis}, not on consent: there is no consent to give or "
            "withdraw, but you can object to it"
        )
    raise PurposeNotConsentBased(
        f"{name} rests on {basis} (it is how we answer you), not on consent: there is no "
        "consent to give or withdraw"
    )
