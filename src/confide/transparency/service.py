"""The customer's data as the chat and the privacy center show it, built on the rights
service's ``describe_subject``, and consent changes they make there."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from confide.consent import repository as consent_repository
from confide.consent.notices import PRIVACY_CENTER_PATH
from confide.consent.schemas import Method
from confide.conversations.models import Conversation
from confide.dialogue import PrivacyDesk, PurposeUse, StoredData, Withdrawal
from confide.errors import ConfideError
from confide.rights.schemas import MeOut
from confide.rights.service import RightsContext, describe_subject
from confide.subjects.models import Subject

DeskFactory = Callable[[Session, Conversation, Subject], PrivacyDesk]
IDENTIFIER_NAMES = {
    "email": "email address",
    "phone": "phone number",
    "name": "name",
    "external_id": "customer number",
}


def privacy_center_url(public_url: str) -> str:
    return public_url.rstrip("/") + PRIVACY_CENTER_PATH


def stored_data(me: MeOut, rights: RightsContext) -> StoredData:
    """Counts and kinds of what ``describe_subject`` found, and each purpose's state."""
    identifiers = me.profile.identifiers
    present = identifiers.model_dump(exclude_none=True) if identifiers else {}
    consents = {c.purpose: c for c in me.consents.consents}
    purposes = []
    for use in me.purposes:
        settings = rights.policy.purposes[use.name]
        state = consents.get(use.name)
        purposes.append(
            PurposeUse(
                name=use.name,
                title=use.title,
                legal_basis=use.legal_basis,
                consent_based=settings.consent_based,
                objectable=settings.objectable,
                allowed=use.processing_allowed,
                granted=state.granted if state else None,
            )
        )
    return StoredData(
        conversations=len(me.conversations),
        messages=sum(c.message_count for c in me.conversations if c.status != "expired"),
        identifiers=tuple(IDENTIFIER_NAMES[k] for k in IDENTIFIER_NAMES if present.get(k)),
        feedback=len(me.feedback),
        returns=len(me.returns),
        consent_decisions=sum(1 for c in me.consents.consents if c.decided_at is not None),
        purposes=tuple(purposes),
        restricted=me.processing.restricted,
        profile=me.derived.personalization_profile,
        learning_examples=me.derived.learning_examples,
    )


def change_consent(
    session: Session,
    rights: RightsContext,
    subject: Subject,
    purpose: str,
    *,
    granted: bool,
    method: Method,
    channel: str,
) -> tuple[Withdrawal, str]:
    """Record one decision; returns what it changed and the receipt id. Refuses (feature
    errors, nothing recorded) what ``Consents.decide`` refuses."""
    settings = rights.policy.purpose(purpose)
    previous = consent_repository.latest_decision(session, subject.id, purpose)
    receipt = rights.consents.decide(
        session, subject, purpose, granted=granted, method=method, channel=channel
    )
    receipt_id = str(receipt.receipt["consentReceiptID"])
    was_granted = bool(previous and previous.granted)
    return Withdrawal(purpose, settings.title, was_granted, receipt_id), receipt_id


class ChatPrivacyDesk:
    """A ``PrivacyDesk`` for one message: the customer's data through their own session."""

    def __init__(
        self,
        session: Session,
        rights: RightsContext,
        subject: Subject,
        conversation: Conversation,
        url: str,
    ) -> None:
        self._session = session
        self._rights = rights
        self._subject = subject
        self._channel = conversation.channel
        self._url = url

    @property
    def privacy_center_url(self) -> str:
        return self._url

    def stored(self) -> StoredData:
        return stored_data(
            describe_subject(self._session, self._rights, self._subject.id), self._rights
        )

    def withdraw(self, purpose: str) -> Withdrawal:
        settings = self._rights.policy.purposes.get(purpose)
        if settings is None:
            return Withdrawal(purpose, purpose, False, None, "We don't use your data for that.")
        if not settings.consent_based:
            return Withdrawal(
                purpose,
                settings.title,
                False,
                None,
                _not_consent(settings.title, settings.objectable),
            )
        try:
            withdrawal, _ = change_consent(
                self._session,
                self._rights,
                self._subject,
                purpose,
                granted=False,
                method="chat",
                channel=self._channel,
            )
        except ConfideError as exc:  # no notice published, erased: say so, record nothing
            return Withdrawal(
                purpose, settings.title, False, None, f"I couldn't record that: {exc.detail}."
            )
        return withdrawal


def _not_consent(title: str, objectable: bool) -> str:
    if objectable:
        return (
            f'"{title}" rests on our legitimate interest, not on your consent, so there is no '
            "consent to withdraw; you can object to it instead (POST /v1/me/objection, or in "
            "the privacy center)."
        )
    return f'"{title}" is how we answer you, not something you consented to.'


def chat_desks(rights: RightsContext, public_url: str) -> DeskFactory:
    """What ``post_message`` calls to give the dialogue a desk for one message."""
    url = privacy_center_url(public_url)

    def desk(session: Session, conversation: Conversation, subject: Subject) -> PrivacyDesk:
        return ChatPrivacyDesk(session, rights, subject, conversation, url)

    return desk
