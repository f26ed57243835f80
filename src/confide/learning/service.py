"""Learning from conversations, safely.

Only customers who consented to ``improvement`` contribute, and only redacted text, sealed
under their own data key: reading it back for training is a vault read for the
``improvement`` purpose, which the policy checks again, so a withdrawal or an objection
stops its use at once, and erasure shreds it. Withdrawing ``improvement`` also deletes the
customer's examples (unlearning); the next model is trained without them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from confide.audit import AuditLog
from confide.conversations.models import Conversation, Message
from confide.dialogue import Decision, Reply
from confide.learning import repository
from confide.learning.models import LearningExample
from confide.policy.service import Policy
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose, PurposeNotPermitted, Vault

IMPROVEMENT = "improvement"
ANSWERED = {Decision.ANSWER.value, Decision.ACT.value}
PHRASING, GAP, AGENT_ANSWER = "phrasing", "gap", "agent_answer"


@dataclass(frozen=True)
class LearningContext:
    vault: Vault
    policy: Policy
    audit: AuditLog
    clock: Callable[[], datetime]
    redact: Callable[[str], str]


@dataclass(frozen=True)
class OpenedExample:
    example: LearningExample
    text: str
    answer: str | None


def may_learn_from(session: Session, ctx: LearningContext, subject_id: uuid.UUID) -> bool:
    return ctx.policy.evaluate(session, subject_id, IMPROVEMENT).allowed


def after_reply(
    session: Session,
    ctx: LearningContext,
    subject: Subject,
    conversation: Conversation,
    customer_text: str,
    reply: Reply,
) -> list[LearningExample]:
    """The signals in one exchange: an unanswered question (a gap); a question answered
    after the customer chose among clarifying options, or rephrased after no answer (the
    earlier wording is a phrasing of the intent finally understood)."""
    if not may_learn_from(session, ctx, subject.id):
        return []
    found: list[Unsealed] = []
    decision = reply.decision.value
    if decision == Decision.OUT_OF_SCOPE.value:
        found.append(_example(ctx, subject, conversation, GAP, "unanswered", None, customer_text))
    elif decision in ANSWERED and reply.intent:
        # The exchange just stored is the last two messages; the one before is ours.
        recent = repository.recent_messages(session, conversation.id, conversation.message_count)
        earlier = recent[:-2]
        if len(earlier) == 2 and earlier[0].role == "customer":
            signal = {"clarify": "clarify_choice", "out_of_scope": "rephrase"}.get(
                earlier[1].decision or ""
            )
            if signal:
                text = _redacted(session, ctx, subject, earlier[0])
                found.append(
                    _example(ctx, subject, conversation, PHRASING, signal, reply.intent, text)
                )
    return _seal_all(session, ctx, subject, found)


def after_feedback(
    session: Session,
    ctx: LearningContext,
    subject: Subject,
    conversation: Conversation,
    message: Message,
    rating: str,
) -> list[LearningExample]:
    """A rating of one of the assistant's answers: up confirms the question as a phrasing
    of the answer's intent; down marks the question as a gap."""
    if message.role != "assistant" or not may_learn_from(session, ctx, subject.id):
        return []
    question = repository.message_before(session, conversation.id, message.seq, "customer")
    if question is None:
        return []
    text = _redacted(session, ctx, subject, question)
    if rating == "up" and message.intent and message.decision in ANSWERED:
        example = _example(
            ctx, subject, conversation, PHRASING, "feedback_up", message.intent, text
        )
    elif rating == "down":
        example = _example(ctx, subject, conversation, GAP, "feedback_down", message.intent, text)
    else:
        return []
    return _seal_all(session, ctx, subject, [example])


def after_agent_reply(
    session: Session,
    ctx: LearningContext,
    subject: Subject,
    conversation: Conversation,
    agent_message: Message,
    agent_text: str,
) -> list[LearningExample]:
    """What a person answered to the customer's question: material for a draft article."""
    if not may_learn_from(session, ctx, subject.id):
        return []
    question = repository.question_for_agent(session, conversation.id, agent_message.seq)
    if question is None:
        return []
    text = _redacted(session, ctx, subject, question)
    unsealed = _example(ctx, subject, conversation, AGENT_ANSWER, "agent_reply", None, text)
    answer = ctx.redact(agent_text)
    ref = _ref(unsealed[0], "answer")
    unsealed[0].answer_ct = ctx.vault.seal(session, subject.data_key_id, ref, answer)
    return _seal_all(session, ctx, subject, [unsealed])


def unlearn_subject(
    session: Session, ctx: LearningContext, subject_id: uuid.UUID, *, actor: str, why: str
) -> int:
    """Delete every example the customer contributed (withdrawal, objection, erasure)."""
    deleted = repository.delete_examples_of(session, subject_id)
    if deleted:
        ctx.audit.record(
            session, "learning.unlearn", actor=actor, subject_id=subject_id, reason=why
        )
    return deleted


def open_example(
    session: Session, ctx: LearningContext, example: LearningExample
) -> OpenedExample | None:
    """The example's texts for training or review, read for ``improvement``; None when the
    policy refuses (withdrawn, restricted, objected, erased)."""
    subject = session.get(Subject, example.subject_id)
    if subject is None:
        return None
    key = subject.data_key_id
    try:
        text = ctx.vault.open(
            session, key, _ref(example, "text"), example.text_ct, Purpose.IMPROVEMENT
        )
        answer = (
            ctx.vault.open(
                session, key, _ref(example, "answer"), example.answer_ct, Purpose.IMPROVEMENT
            )
            if example.answer_ct is not None
            else None
        )
    except PurposeNotPermitted:
        return None
    return OpenedExample(example, text, answer)


def _redacted(session: Session, ctx: LearningContext, subject: Subject, message: Message) -> str:
    key = subject.data_key_id
    if message.redacted_ct is not None:
        ref = FieldRef("messages", "redacted", str(message.id))
        return ctx.vault.open(session, key, ref, message.redacted_ct, Purpose.IMPROVEMENT)
    ref = FieldRef("messages", "text", str(message.id))
    return ctx.redact(ctx.vault.open(session, key, ref, message.text_ct, Purpose.IMPROVEMENT))


def _example(
    ctx: LearningContext,
    subject: Subject,
    conversation: Conversation,
    kind: str,
    signal: str,
    intent: str | None,
    text: str,
) -> Unsealed:
    example = LearningExample(
        id=uuid.uuid4(),
        subject_id=subject.id,
        contributor=ctx.audit.subject_pseudonym(subject.id),
        conversation_id=conversation.id,
        kind=kind,
        signal=signal,
        intent=intent,
        status="pending",
        created_at=ctx.clock(),
    )
    return example, text


Unsealed = tuple[LearningExample, str]


def _seal_all(
    session: Session, ctx: LearningContext, subject: Subject, found: list[Unsealed]
) -> list[LearningExample]:
    """Seal each example's text, redacted (again: the stored copy may predate a better
    redactor), under the customer's key, and add it to the session."""
    for example, text in found:
        ref = _ref(example, "text")
        example.text_ct = ctx.vault.seal(session, subject.data_key_id, ref, ctx.redact(text))
        session.add(example)
    return [example for example, _ in found]


def _ref(example: LearningExample, column: str) -> FieldRef:
    return FieldRef("learning_examples", column, str(example.id))


class Learner:
    """The learning hooks bound to their context (``MessageRules.learner``)."""

    def __init__(self, ctx: LearningContext) -> None:
        self.ctx = ctx

    def after_reply(
        self,
        session: Session,
        subject: Subject,
        conversation: Conversation,
        customer_text: str,
        reply: Reply,
    ) -> list[LearningExample]:
        return after_reply(session, self.ctx, subject, conversation, customer_text, reply)

    def after_feedback(
        self,
        session: Session,
        subject: Subject,
        conversation: Conversation,
        message: Message,
        rating: str,
    ) -> list[LearningExample]:
        return after_feedback(session, self.ctx, subject, conversation, message, rating)

    def after_withdrawal(self, session: Session, subject: Subject, purpose: str) -> None:
        """Consent to ``improvement`` withdrawn, or an objection to it: unlearn at once."""
        if purpose == IMPROVEMENT:
            unlearn_subject(session, self.ctx, subject.id, actor="system", why=f"{purpose} stopped")
