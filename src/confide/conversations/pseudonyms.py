"""Consistent, reversible pseudonyms per conversation: "Alice … Bob … Alice" becomes
"<PERSON_1> … <PERSON_2> … <PERSON_1>". The mapping is sealed under the customer's data
key, so only the vault reverses it, and shredding the customer destroys it."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from confide.conversations.models import Conversation
from confide.pii import PiiAnalyzer, Pseudonymizer, reidentify
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose, Vault


def _ref(conversation: Conversation) -> FieldRef:
    return FieldRef("conversations", "pseudonyms", str(conversation.id))


def load_mapping(
    session: Session, vault: Vault, subject: Subject, conversation: Conversation
) -> dict[str, str]:
    if conversation.pseudonyms_ct is None:
        return {}
    raw = vault.open(
        session,
        subject.data_key_id,
        _ref(conversation),
        conversation.pseudonyms_ct,
        Purpose.SERVICE,
    )
    mapping: dict[str, str] = json.loads(raw)
    return mapping


def pseudonymize_text(
    session: Session,
    vault: Vault,
    analyzer: PiiAnalyzer,
    subject: Subject,
    conversation: Conversation,
    text: str,
) -> str:
    """``text`` with its personal data replaced by this conversation's pseudonyms."""
    pseudonymizer = Pseudonymizer(load_mapping(session, vault, subject, conversation))
    result = pseudonymizer.pseudonymize(text, analyzer.analyze(text))
    conversation.pseudonyms_ct = vault.seal(
        session, subject.data_key_id, _ref(conversation), json.dumps(pseudonymizer.mapping)
    )
    return result


def reidentify_text(
    session: Session, vault: Vault, subject: Subject, conversation: Conversation, text: str
) -> str:
    """Put the originals back (for example in an outside model's answer to the customer)."""
    return reidentify(text, load_mapping(session, vault, subject, conversation))
