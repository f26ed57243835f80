"""The customer's profile: read and written only for ``personalization``.

Every read of a profile field is a vault read for ``Purpose.PERSONALIZATION``, which the
policy checks on each call (consent, restriction, objection), so no code path can read one
without the customer's consent. The hooks below ask the policy first and do nothing at all
without it: no read, no write, no row. Withdrawing the consent deletes the profile.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from confide.audit import AuditLog
from confide.dialogue import Assistant, DialogueState, Reply
from confide.dialogue.personal import KnownOrder, Personal, product_words
from confide.orders.models import Order
from confide.personalization.models import Profile
from confide.personalization.schemas import (
    MAX_ISSUES,
    MAX_ORDERS,
    PastIssue,
    ProfileData,
    ProfileSettings,
    RememberedOrder,
)
from confide.policy.errors import ConsentRequired
from confide.policy.service import Policy
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose, Vault

PERSONALIZATION = "personalization"
# Intents not worth remembering as an issue.
_SMALLTALK = frozenset({"greeting", "goodbye", "thanks"})


@dataclass(frozen=True)
class PersonalizationContext:
    vault: Vault
    policy: Policy
    audit: AuditLog
    clock: Callable[[], datetime]

    def today(self) -> date:
        return self.clock().date()


def allowed(session: Session, ctx: PersonalizationContext, subject_id: uuid.UUID) -> bool:
    return ctx.policy.evaluate(session, subject_id, PERSONALIZATION).allowed


def profile_ref(subject_id: uuid.UUID) -> FieldRef:
    return FieldRef("profiles", "data", str(subject_id))


def read_profile(
    session: Session,
    ctx: PersonalizationContext,
    subject: Subject,
    purpose: Purpose = Purpose.PERSONALIZATION,
) -> ProfileData | None:
    """The stored profile, None if there is none. Read for ``personalization`` (the policy
    refuses without consent); the customer's own access and export read for ``service``."""
    row = session.get(Profile, subject.id)
    if row is None:
        return None
    raw = ctx.vault.open(
        session, subject.data_key_id, profile_ref(subject.id), row.data_ct, purpose
    )
    return ProfileData.model_validate_json(raw)


def write_profile(
    session: Session, ctx: PersonalizationContext, subject: Subject, data: ProfileData
) -> None:
    """Seal and store the profile; refused (ConsentRequired) without consent."""
    ctx.policy.require_purpose(session, subject.id, PERSONALIZATION)
    sealed = ctx.vault.seal(
        session, subject.data_key_id, profile_ref(subject.id), data.model_dump_json()
    )
    row = session.get(Profile, subject.id)
    if row is None:
        session.add(Profile(subject_id=subject.id, data_ct=sealed, updated_at=ctx.clock()))
    else:
        row.data_ct, row.updated_at = sealed, ctx.clock()


def update_settings(
    session: Session, ctx: PersonalizationContext, subject: Subject, settings: ProfileSettings
) -> ProfileData:
    """The customer's own statements (name, language, contact preference, preferences)
    replace the stored ones; what the assistant remembered is kept."""
    if not allowed(session, ctx, subject.id):
        raise ConsentRequired(
            "a profile is kept only with your consent to personalization: give it first "
            "(PUT /v1/me/consents/personalization)"
        )
    current = read_profile(session, ctx, subject) or ProfileData()
    data = ProfileData(**{**current.model_dump(), **settings.model_dump()})
    write_profile(session, ctx, subject, data)
    ctx.audit.record(
        session, "personalization.profile_updated", actor="customer:token", subject_id=subject.id
    )
    return data


def delete_profile(
    session: Session, ctx: PersonalizationContext, subject_id: uuid.UUID, *, actor: str, why: str
) -> bool:
    row = session.get(Profile, subject_id)
    if row is not None:
        session.delete(row)
        session.flush()
        ctx.audit.record(
            session,
            "personalization.profile_deleted",
            actor=actor,
            subject_id=subject_id,
            reason=why,
        )
    return row is not None


def personal(session: Session, ctx: PersonalizationContext, subject: Subject) -> Personal | None:
    """What the dialogue may know about this customer; None without consent (nothing read)."""
    if not allowed(session, ctx, subject.id):
        return None
    data = read_profile(session, ctx, subject) or ProfileData()
    name = data.name or _identifier_name(session, ctx, subject)
    orders = tuple(KnownOrder(o.number, tuple(o.items), o.topic, o.seen_on) for o in data.orders)
    return Personal(
        name=name,
        orders=orders,
        interests=product_words(item for o in data.orders for item in o.items),
    )


def _identifier_name(session: Session, ctx: PersonalizationContext, subject: Subject) -> str | None:
    """The name the customer gave when they started chatting, read for personalisation."""
    if subject.name_ct is None:
        return None
    ref = FieldRef("subjects", "name", str(subject.id))
    return ctx.vault.open(
        session, subject.data_key_id, ref, subject.name_ct, Purpose.PERSONALIZATION
    )


def remember(
    session: Session, ctx: PersonalizationContext, subject: Subject, reply: Reply
) -> ProfileData | None:
    """Keep from one reply what helps next time: the order it was about (with its items)
    and the issue (intent and how it was dealt with). Nothing without consent."""
    intent = reply.intent
    number = reply.result.get("order_number")
    if (intent is None or intent in _SMALLTALK) and number is None:
        return None
    if not allowed(session, ctx, subject.id):
        return None
    data = read_profile(session, ctx, subject) or ProfileData()
    today = ctx.today()
    if number is not None:
        order = session.get(Order, number)
        items = [str(item.get("name", "")) for item in order.items] if order else []
        kept = [o for o in data.orders if o.number != number]
        data.orders = [
            RememberedOrder(number=number, items=items, topic=intent, seen_on=today),
            *kept,
        ][:MAX_ORDERS]
    if intent is not None and intent not in _SMALLTALK:
        issue = PastIssue(intent=intent, order=number, outcome=reply.decision.value, on=today)
        data.issues = [issue, *data.issues][:MAX_ISSUES]
    write_profile(session, ctx, subject, data)
    return data


class Personalizer:
    """The personalisation hooks bound to their context (``MessageRules.personalizer``)."""

    def __init__(self, ctx: PersonalizationContext) -> None:
        self.ctx = ctx

    def personal(self, session: Session, subject: Subject) -> Personal | None:
        return personal(session, self.ctx, subject)

    def greeting(
        self,
        session: Session,
        subject: Subject,
        assistant: Assistant,
        state: DialogueState,
    ) -> Reply | None:
        """The personal opening for a returning customer who consented; None otherwise."""
        known = personal(session, self.ctx, subject)
        if known is None:
            return None
        return assistant.opening(known, state, self.ctx.today())

    def after_reply(self, session: Session, subject: Subject, reply: Reply) -> None:
        """Asks the policy again: the message may have withdrawn the consent."""
        remember(session, self.ctx, subject, reply)

    def after_withdrawal(self, session: Session, subject: Subject, purpose: str) -> None:
        """Consent to ``personalization`` withdrawn: the profile goes at once."""
        if purpose == PERSONALIZATION:
            delete_profile(
                session, self.ctx, subject.id, actor="system", why=f"{purpose} withdrawn"
            )
