"""Conversations: start, post a customer message and get the assistant's reply, transcript,
feedback. Every text is sealed by the vault before it reaches the session."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from confide.consent.notices import chat_notice
from confide.conversations import repository
from confide.conversations.errors import (
    ConversationClosed,
    ConversationExpired,
    ConversationNotFound,
    InvalidIdentity,
    InvalidToken,
    MessageInvalid,
    MessageTooLong,
)
from confide.conversations.models import Conversation, Feedback, Message
from confide.conversations.schemas import (
    CitationOut,
    CustomerIn,
    FeedbackIn,
    FeedbackOut,
    MessageOut,
    PersonalizationOut,
    ReplyOut,
    StartConversationOut,
    TranscriptOut,
)
from confide.crypto import identity_hash, new_token, tokens_match
from confide.db import utcnow
from confide.dialogue import Assistant, Decision, DialogueState, Personal, PrivacyDesk, Reply
from confide.dialogue.personal import TURN_OFF
from confide.orders.service import StoreActions
from confide.rights.flags import refuse_if_restricted
from confide.subjects.models import Subject
from confide.subjects.service import Identifiers, create_subject, find_verified
from confide.vault import FieldRef, Purpose, SubjectErased, Vault

OPEN, WAITING, CLOSED = "open", "waiting_for_agent", "closed"
# Not stored: a conversation reads as erased once its customer's data key is shredded.
ERASED = "erased"
# Set by the retention job: the messages are deleted, the conversation row stays as a shell.
EXPIRED = "expired"


# Gives the dialogue the customer's data for privacy commands, for one message.
PrivacyDesks = Callable[[Session, Conversation, Subject], PrivacyDesk]


class Learner(Protocol):
    """What learns from conversations (confide.learning): told about each exchange and each
    rating, in the same transaction; it decides itself whether the customer consented."""

    def after_reply(
        self,
        session: Session,
        subject: Subject,
        conversation: Conversation,
        customer_text: str,
        reply: Reply,
    ) -> object: ...

    def after_feedback(
        self,
        session: Session,
        subject: Subject,
        conversation: Conversation,
        message: Message,
        rating: str,
    ) -> object: ...


class Personalizer(Protocol):
    """What tailors replies to a customer (confide.personalization): gives the dialogue
    what it may know about them, and remembers from each reply; it decides itself whether
    the customer consented, and does nothing at all without it."""

    def personal(self, session: Session, subject: Subject) -> Personal | None: ...

    def greeting(
        self, session: Session, subject: Subject, assistant: Assistant, state: DialogueState
    ) -> Reply | None: ...

    def after_reply(self, session: Session, subject: Subject, reply: Reply) -> None: ...


@dataclass(frozen=True)
class MessageRules:
    """How customer messages are checked and what is stored besides them.

    ``redact`` makes the redacted copy stored with every message, for any later use that
    does not need the original (learning, analytics); it is the PII engine's redactor.
    """

    redact: Callable[[str], str]
    max_message_chars: int = 4000
    max_comment_chars: int = 2000
    learner: Learner | None = None
    personalizer: Personalizer | None = None


def disclosure(company: str, notice: str = "") -> str:
    """The AI disclosure a chat opens with, and the short privacy notice when one is given."""
    return (
        f"Hi! I'm the virtual assistant of {company}. I'm an AI, not a person: I answer from our "
        "help centre, and I can pass you to a member of our team at any time. Your messages "
        f"are stored encrypted. {notice + ' ' if notice else ''}How can I help?"
    )


def start_conversation(
    session: Session,
    vault: Vault,
    *,
    customer: CustomerIn | None,
    channel: str,
    company: str,
    phone_region: str = "US",
    returning_token: str | None = None,
    assistant: Assistant | None = None,
    rules: MessageRules | None = None,
    identity_secret: str | None = None,
) -> StartConversationOut:
    """A new conversation, for a new customer, or for a returning one, whom personalisation
    then greets if they consented: with ``returning_token`` (the token of one of their
    earlier conversations), or signed in on the operator's site (``identity_hash``)."""
    details = customer or CustomerIn()
    known: Subject | None = None
    if returning_token is not None:
        known = _returning_subject(session, vault, returning_token, customer)
    elif details.identity_hash is not None:
        known = _signed_in_subject(session, vault, details, identity_secret)
    subject = known or _new_subject(session, vault, details, phone_region)
    token = new_token()
    conversation = Conversation(
        id=uuid.uuid4(),
        subject_id=subject.id,
        token_hash=vault.token_hash(token),
        channel=channel,
        status=OPEN,
    )
    session.add(conversation)
    session.flush()
    text = disclosure(company, chat_notice(session))  # our own words: nothing to redact
    greeting = add_message(session, vault, subject, conversation, "assistant", text, None, text)
    personal = (  # a customer seen for the first time has no consent yet
        _personal_greeting(session, vault, subject, conversation, assistant, rules)
        if known is not None
        else None
    )
    return StartConversationOut(
        conversation_id=conversation.id,
        subject_id=subject.id,
        token=token,
        greeting=message_out(greeting, text),
        personal_greeting=personal,
    )


def _new_subject(session: Session, vault: Vault, details: CustomerIn, phone_region: str) -> Subject:
    """A new customer; one whose signature was checked can be found by it next time."""
    identifiers = Identifiers(details.email, details.phone, details.name, details.external_id)
    verified = details.identity_hash is not None
    return create_subject(session, vault, identifiers, phone_region=phone_region, verified=verified)


def _signed_in_subject(
    session: Session, vault: Vault, details: CustomerIn, secret: str | None
) -> Subject | None:
    """The customer the operator signed ``external_id`` for before, if any; refuses a
    signature that does not match (401), changing nothing."""
    if secret is None:
        raise MessageInvalid(
            "identity_hash is not accepted: this server has no identity secret "
            "(CONFIDE_IDENTITY_SECRET)"
        )
    if not details.external_id or details.identity_hash is None:
        raise MessageInvalid("identity_hash signs external_id: give both")
    expected = identity_hash(secret, details.external_id)
    if not tokens_match(expected, details.identity_hash.lower()):
        raise InvalidIdentity("identity_hash is not this server's signature of external_id")
    subject = find_verified(session, vault, details.external_id)
    if subject is not None:
        refuse_if_restricted(session, subject.id)
    return subject


def _returning_subject(
    session: Session, vault: Vault, token: str, customer: CustomerIn | None
) -> Subject:
    if customer is not None:
        raise MessageInvalid(
            "a returning customer's details are already on file: send either customer or "
            "the earlier conversation's token, not both (details are corrected with "
            "PATCH /v1/me)"
        )
    _, subject = authorize_token(session, vault, token)
    _refuse_if_erased(session, vault, subject)
    refuse_if_restricted(session, subject.id)
    return subject


def _personal_greeting(
    session: Session,
    vault: Vault,
    subject: Subject,
    conversation: Conversation,
    assistant: Assistant | None,
    rules: MessageRules | None,
) -> MessageOut | None:
    """Greet a customer who consented to personalisation by name, with their last topic."""
    if assistant is None or rules is None or rules.personalizer is None:
        return None
    state = DialogueState()
    said = rules.personalizer.greeting(session, subject, assistant, state)
    if said is None:
        return None
    message = add_message(
        session, vault, subject, conversation, "assistant", said.text, said, rules.redact(said.text)
    )
    _save_state(session, vault, subject, conversation, state)
    return message_out(message, said.text)


def authorize(
    session: Session,
    vault: Vault,
    conversation_id: uuid.UUID,
    token: str | None,
    *,
    for_update: bool = False,
) -> tuple[Conversation, Subject]:
    """The conversation this bearer token opens.

    A token that opens no conversation is refused the same way whether or not
    ``conversation_id`` exists, so a wrong token reveals nothing.
    """
    conversation, subject = authorize_token(session, vault, token, for_update=for_update)
    if conversation.id != conversation_id:
        raise ConversationNotFound("no such conversation")
    return conversation, subject


def authorize_token(
    session: Session, vault: Vault, token: str | None, *, for_update: bool = False
) -> tuple[Conversation, Subject]:
    """The conversation a bearer token opens, and its customer (for the /v1/me routes)."""
    if not token:
        raise InvalidToken("a bearer token is required (Authorization: Bearer <token>)")
    conversation = repository.get_conversation_by_token_hash(
        session, vault.token_hash(token), for_update=for_update
    )
    if conversation is None:
        raise InvalidToken("the token is not valid")
    subject = session.get(Subject, conversation.subject_id)
    assert subject is not None
    return conversation, subject


def validate_text(text: str, rules: MessageRules) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise MessageInvalid("text must not be empty")
    if len(cleaned) > rules.max_message_chars:
        raise MessageTooLong(f"a message is at most {rules.max_message_chars} characters")
    if "\x00" in cleaned:
        raise MessageInvalid("text must not contain NUL characters")
    return cleaned


def post_message(
    session: Session,
    vault: Vault,
    assistant: Assistant,
    conversation_id: uuid.UUID,
    token: str | None,
    text: str,
    rules: MessageRules,
    *,
    privacy: PrivacyDesks | None = None,
) -> ReplyOut:
    cleaned = validate_text(text, rules)
    conversation, subject = authorize(session, vault, conversation_id, token, for_update=True)
    _refuse_if_erased(session, vault, subject)
    refuse_if_restricted(session, subject.id)
    if conversation.status == CLOSED:
        raise ConversationClosed("this conversation is closed; start a new one")
    _refuse_if_expired(conversation)
    add_message(
        session, vault, subject, conversation, "customer", cleaned, None, rules.redact(cleaned)
    )
    learn = False  # nothing to learn from the queue's holding reply
    personal: Personal | None = None  # given only with consent to personalization
    if conversation.status == WAITING:
        reply = Reply(_waiting_text(conversation), Decision.HANDOFF)
    else:
        state = _load_state(session, vault, subject, conversation)
        actions = StoreActions(session, vault, conversation.id, subject.data_key_id)
        desk = privacy(session, conversation, subject) if privacy is not None else None
        if rules.personalizer is not None:
            personal = rules.personalizer.personal(session, subject)
        reply = assistant.respond(cleaned, state, actions, desk, personal)
        _save_state(session, vault, subject, conversation, state)
        if reply.handoff:
            conversation.status = WAITING
            conversation.handed_off_at = utcnow()
        learn = True
    message = add_message(
        session,
        vault,
        subject,
        conversation,
        "assistant",
        reply.text,
        reply,
        rules.redact(reply.text),
    )
    if learn and rules.learner is not None:
        rules.learner.after_reply(session, subject, conversation, cleaned, reply)
    if personal is not None and rules.personalizer is not None:
        # Consent cannot be given in the chat, only withdrawn: without it before the reply,
        # there is nothing to remember (after_reply asks the policy again).
        rules.personalizer.after_reply(session, subject, reply)
    return ReplyOut(
        message_id=message.id,
        text=reply.text,
        intent=reply.intent,
        confidence=reply.confidence,
        decision=reply.decision.value,
        citations=[CitationOut(article_id=c.article_id, title=c.title) for c in reply.citations],
        conversation_status=conversation.status,
        result=reply.result,
        personalization=personalization_out(reply),
    )


def personalization_out(reply: Reply) -> PersonalizationOut | None:
    if not reply.personalized:
        return None
    return PersonalizationOut(
        used=list(dict.fromkeys(reply.personalized)),
        why="You allowed tailored answers (the personalization purpose).",
        turn_off=TURN_OFF,
    )


def _waiting_text(conversation: Conversation) -> str:
    if conversation.assigned_to is not None:
        return "A member of our team has your conversation; they will see this message."
    return "You're in the queue for a member of our team; they will see this message."


def get_transcript(
    session: Session, vault: Vault, conversation_id: uuid.UUID, token: str | None
) -> TranscriptOut:
    conversation, subject = authorize(session, vault, conversation_id, token)
    erased = vault.is_erased(session, subject.data_key_id)
    messages = [
        message_out(m, None if erased else _open_text(session, vault, subject, m))
        for m in repository.list_messages(session, conversation.id)
    ]
    return TranscriptOut(
        conversation_id=conversation.id,
        status=ERASED if erased else conversation.status,
        created_at=conversation.created_at,
        messages=messages,
    )


def record_feedback(
    session: Session,
    vault: Vault,
    conversation_id: uuid.UUID,
    token: str | None,
    feedback: FeedbackIn,
    rules: MessageRules,
) -> FeedbackOut:
    conversation, subject = authorize(session, vault, conversation_id, token)
    _refuse_if_erased(session, vault, subject)
    refuse_if_restricted(session, subject.id)
    _refuse_if_expired(conversation)
    rated = (
        repository.get_message(session, conversation.id, feedback.message_id)
        if feedback.message_id is not None
        else None
    )
    if feedback.message_id is not None and rated is None:
        raise MessageInvalid("message_id is not a message of this conversation")
    record = Feedback(
        id=uuid.uuid4(),
        conversation_id=conversation.id,
        message_id=feedback.message_id,
        rating=feedback.rating,
        solved=feedback.solved,
    )
    comment = (feedback.comment or "").strip()
    if len(comment) > rules.max_comment_chars:
        raise MessageTooLong(f"a comment is at most {rules.max_comment_chars} characters")
    if comment:
        ref = FieldRef("feedback", "comment", str(record.id))
        record.comment_ct = vault.seal(session, subject.data_key_id, ref, comment)
    repository.add_feedback(session, record)
    if rated is not None and rules.learner is not None:
        rules.learner.after_feedback(session, subject, conversation, rated, record.rating)
    return FeedbackOut(
        feedback_id=record.id,
        conversation_id=conversation.id,
        rating=record.rating,
        solved=record.solved,
    )


def _refuse_if_erased(session: Session, vault: Vault, subject: Subject) -> None:
    if vault.is_erased(session, subject.data_key_id):
        raise SubjectErased(
            "this conversation's personal data has been erased; start a new conversation"
        )


def _refuse_if_expired(conversation: Conversation) -> None:
    if conversation.status == EXPIRED:
        raise ConversationExpired(
            "this conversation's messages were deleted at the end of its retention period; "
            "start a new conversation"
        )


def add_message(
    session: Session,
    vault: Vault,
    subject: Subject,
    conversation: Conversation,
    role: str,
    text: str,
    reply: Reply | None,
    redacted: str,
) -> Message:
    message_id = uuid.uuid4()
    key_id = subject.data_key_id
    conversation.message_count += 1
    conversation.updated_at = utcnow()
    message = Message(
        id=message_id,
        conversation_id=conversation.id,
        seq=conversation.message_count,
        role=role,
        text_ct=vault.seal(session, key_id, FieldRef("messages", "text", str(message_id)), text),
        # Encrypted too: redaction can miss something, and erasure must reach this copy.
        redacted_ct=vault.seal(
            session, key_id, FieldRef("messages", "redacted", str(message_id)), redacted
        ),
        intent=reply.intent if reply else None,
        confidence=reply.confidence if reply else None,
        decision=reply.decision.value if reply else None,
        citations=[{"article_id": c.article_id, "title": c.title} for c in reply.citations]
        if reply
        else [],
        created_at=utcnow(),
    )
    session.add(message)
    return message


def _open_text(session: Session, vault: Vault, subject: Subject, message: Message) -> str:
    ref = FieldRef("messages", "text", str(message.id))
    return vault.open(session, subject.data_key_id, ref, message.text_ct, Purpose.SERVICE)


def message_out(message: Message, text: str | None) -> MessageOut:
    return MessageOut(
        id=message.id,
        seq=message.seq,
        role=message.role,
        text=text,
        created_at=message.created_at,
        intent=message.intent,
        confidence=message.confidence,
        decision=message.decision,
        citations=[CitationOut(**c) for c in message.citations],
    )


def _state_ref(conversation: Conversation) -> FieldRef:
    return FieldRef("conversations", "state", str(conversation.id))


def _load_state(
    session: Session, vault: Vault, subject: Subject, conversation: Conversation
) -> DialogueState:
    if conversation.state_ct is None:
        return DialogueState()
    raw = vault.open(
        session,
        subject.data_key_id,
        _state_ref(conversation),
        conversation.state_ct,
        Purpose.SERVICE,
    )
    return DialogueState.from_json(raw)


def _save_state(
    session: Session,
    vault: Vault,
    subject: Subject,
    conversation: Conversation,
    state: DialogueState,
) -> None:
    conversation.state_ct = vault.seal(
        session, subject.data_key_id, _state_ref(conversation), state.to_json()
    )
