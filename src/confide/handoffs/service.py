"""The human handoff, from the staff side: the queue, claiming a conversation, reading it
masked, break-glass reveals, replying, handing back to the assistant, closing.

Every read and every change is an audit entry about the customer, in the same transaction.
Customer text is read for the ``human_review`` purpose, which the policy allows only while
the customer is waiting for a person (and never while processing is restricted).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from confide.audit import AuditLog
from confide.conversations import repository as conversations
from confide.conversations.models import Conversation, Message
from confide.conversations.service import (
    CLOSED,
    OPEN,
    WAITING,
    MessageRules,
    add_message,
    message_out,
    validate_text,
)
from confide.db import as_utc
from confide.handoffs import repository
from confide.handoffs.errors import AlreadyClaimed, HandoffNotFound, RevealInvalid
from confide.handoffs.masking import mask_digits, mask_email, mask_name
from confide.handoffs.schemas import (
    AgentReplyOut,
    CustomerView,
    HandoffConversationOut,
    HandoffStateOut,
    QueueItemOut,
    QueueOut,
    RevealIn,
    RevealOut,
)
from confide.learning.service import LearningContext, after_agent_reply
from confide.staff import repository as staff_repository
from confide.staff.models import RevealGrant
from confide.staff.roles import Action, can
from confide.staff.service import Principal
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose, Vault

MIN_REASON_CHARS = 10
_MASKS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "email": mask_email,
    "phone": mask_digits,
}


@dataclass(frozen=True)
class HandoffContext:
    vault: Vault
    audit: AuditLog
    rules: MessageRules
    clock: Callable[[], datetime]
    reveal_minutes: int = 15
    # Agents' answers become draft-article material (with the customer's consent).
    learning: LearningContext | None = None


def list_queue(session: Session, ctx: HandoffContext, who: Principal) -> QueueOut:
    who.require(Action.QUEUE_LIST)
    everyone = can(who.role, Action.CONVERSATION_ANY)
    items = [
        QueueItemOut(
            conversation_id=c.id,
            status=c.status,
            channel=c.channel,
            handed_off_at=c.handed_off_at,
            message_count=c.message_count,
            assigned_to_me=c.assigned_to == who.id,
            claimed=c.assigned_to is not None,
        )
        for c in repository.queue(session, who.id, everyone=everyone)
    ]
    return QueueOut(conversations=items)


def claim(
    session: Session, ctx: HandoffContext, who: Principal, conversation_id: uuid.UUID
) -> HandoffStateOut:
    who.require(Action.CONVERSATION_CLAIM)
    conversation = _visible(session, who, conversation_id, for_update=True)
    if conversation.assigned_to not in (None, who.id):
        raise AlreadyClaimed("another member of staff has claimed this conversation")
    conversation.assigned_to = who.id
    _audit(session, ctx, who, "staff.claim", conversation)
    return _state(conversation, who)


def read_conversation(
    session: Session, ctx: HandoffContext, who: Principal, conversation_id: uuid.UUID
) -> HandoffConversationOut:
    """The transcript as the agent sees it: masked, except what a live reveal covers."""
    who.require(Action.CONVERSATION_READ)
    conversation = _visible(session, who, conversation_id)
    subject = _subject(session, conversation)
    grants = staff_repository.active_grants(session, who.id, conversation.id, ctx.clock())
    revealed_all = any(g.message_seq is None for g in grants)
    revealed_seqs = {g.message_seq for g in grants}
    messages = [
        message_out(
            m, _message_text(session, ctx, subject, m, revealed_all or m.seq in revealed_seqs)
        )
        for m in conversations.list_messages(session, conversation.id)
    ]
    action = "staff.read.revealed" if grants else "staff.read"
    _audit(session, ctx, who, action, conversation)
    until = max((as_utc(g.expires_at) for g in grants), default=None)
    return HandoffConversationOut(
        conversation_id=conversation.id,
        status=conversation.status,
        handed_off_at=conversation.handed_off_at,
        revealed=bool(grants),
        revealed_until=until,
        customer=_customer(session, ctx, subject, revealed_all),
        messages=messages,
    )


def reveal(
    session: Session,
    ctx: HandoffContext,
    who: Principal,
    conversation_id: uuid.UUID,
    request: RevealIn,
) -> RevealOut:
    """Break-glass: unmask the conversation (or one message) for a while, with a reason."""
    who.require(Action.CONVERSATION_REVEAL)
    reason = request.reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise RevealInvalid(f"state the reason for the reveal ({MIN_REASON_CHARS}+ characters)")
    conversation = _owned(session, who, conversation_id)
    if request.message_seq is not None and request.message_seq > conversation.message_count:
        raise RevealInvalid("message_seq is not a message of this conversation")
    minutes = min(request.minutes or ctx.reveal_minutes, ctx.reveal_minutes)
    now = ctx.clock()
    grant = RevealGrant(
        id=uuid.uuid4(),
        staff_id=who.id,
        conversation_id=conversation.id,
        message_seq=request.message_seq,
        expires_at=now + timedelta(minutes=minutes),
        created_at=now,
    )
    session.add(grant)
    _audit(session, ctx, who, "staff.reveal", conversation, reason=reason)
    return RevealOut(
        conversation_id=conversation.id,
        message_seq=grant.message_seq,
        expires_at=grant.expires_at,
    )


def reply(
    session: Session, ctx: HandoffContext, who: Principal, conversation_id: uuid.UUID, text: str
) -> AgentReplyOut:
    """The agent's message, added to the customer's conversation (sealed like every text)."""
    who.require(Action.CONVERSATION_REPLY)
    cleaned = validate_text(text, ctx.rules)
    conversation = _owned(session, who, conversation_id, for_update=True)
    subject = _subject(session, conversation)
    message = add_message(
        session, ctx.vault, subject, conversation, "agent", cleaned, None, ctx.rules.redact(cleaned)
    )
    _audit(session, ctx, who, "staff.reply", conversation)
    if ctx.learning is not None:
        after_agent_reply(session, ctx.learning, subject, conversation, message, cleaned)
    return AgentReplyOut(conversation_id=conversation.id, message=message_out(message, cleaned))


def release(
    session: Session, ctx: HandoffContext, who: Principal, conversation_id: uuid.UUID
) -> HandoffStateOut:
    """Hand the conversation back to the assistant; staff lose access to it."""
    who.require(Action.CONVERSATION_RELEASE)
    conversation = _owned(session, who, conversation_id, for_update=True)
    conversation.status, conversation.assigned_to = OPEN, None
    _audit(session, ctx, who, "staff.release", conversation)
    return _state(conversation, who)


def close(
    session: Session, ctx: HandoffContext, who: Principal, conversation_id: uuid.UUID
) -> HandoffStateOut:
    who.require(Action.CONVERSATION_CLOSE)
    conversation = _owned(session, who, conversation_id, for_update=True)
    conversation.status = CLOSED
    _audit(session, ctx, who, "staff.close", conversation)
    return _state(conversation, who)


def _visible(
    session: Session, who: Principal, conversation_id: uuid.UUID, *, for_update: bool = False
) -> Conversation:
    conversation = repository.get_conversation(session, conversation_id, for_update=for_update)
    mine_or_free = conversation is not None and conversation.assigned_to in (None, who.id)
    if (
        conversation is None
        or conversation.status != WAITING
        or not (mine_or_free or can(who.role, Action.CONVERSATION_ANY))
    ):
        raise HandoffNotFound("no such conversation in your queue")
    return conversation


def _owned(
    session: Session, who: Principal, conversation_id: uuid.UUID, *, for_update: bool = False
) -> Conversation:
    """A conversation this member has claimed (supervisors: any handed-off one)."""
    conversation = _visible(session, who, conversation_id, for_update=for_update)
    if conversation.assigned_to != who.id and not can(who.role, Action.CONVERSATION_ANY):
        raise HandoffNotFound("claim this conversation first")
    return conversation


def _subject(session: Session, conversation: Conversation) -> Subject:
    subject = session.get(Subject, conversation.subject_id)
    assert subject is not None
    return subject


def _message_text(
    session: Session, ctx: HandoffContext, subject: Subject, message: Message, revealed: bool
) -> str:
    key = subject.data_key_id
    if revealed or message.redacted_ct is None:
        ref = FieldRef("messages", "text", str(message.id))
        text = ctx.vault.open(session, key, ref, message.text_ct, Purpose.HUMAN_REVIEW)
        # The redacted copy may have gone already (retention): redact the original again.
        return text if revealed else ctx.rules.redact(text)
    ref = FieldRef("messages", "redacted", str(message.id))
    return ctx.vault.open(session, key, ref, message.redacted_ct, Purpose.HUMAN_REVIEW)


def _customer(
    session: Session, ctx: HandoffContext, subject: Subject, revealed: bool
) -> CustomerView:
    values: dict[str, str | None] = {}
    for field, mask in _MASKS.items():
        blob = getattr(subject, f"{field}_ct")
        if blob is None:
            values[field] = None
            continue
        ref = FieldRef("subjects", field, str(subject.id))
        plain = ctx.vault.open(session, subject.data_key_id, ref, blob, Purpose.HUMAN_REVIEW)
        values[field] = plain if revealed else mask(plain)
    return CustomerView(**values)


def _state(conversation: Conversation, who: Principal) -> HandoffStateOut:
    return HandoffStateOut(
        conversation_id=conversation.id,
        status=conversation.status,
        assigned_to_me=conversation.assigned_to == who.id,
    )


def _audit(
    session: Session,
    ctx: HandoffContext,
    who: Principal,
    action: str,
    conversation: Conversation,
    *,
    reason: str | None = None,
) -> None:
    ctx.audit.record(
        session, action, actor=who.actor, subject_id=conversation.subject_id, reason=reason
    )
