"""Consent is enforced on every read: one test per purpose, and a withdrawal takes effect
from the very next read."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from confide.consent.errors import UnknownPurpose
from confide.conversations.models import Message
from confide.policy.errors import (
    ConsentRequired,
    HandoffRequired,
    ObjectionInForce,
    ProcessingRestricted,
)
from confide.policy.rules import ProcessingFlags
from confide.policy.service import Policy
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose, PurposeNotPermitted, Vault
from tests.conftest import Chat
from tests.consent.helpers import decide, first_message, subject_id


def _read(runtime: Runtime, chat: Chat, purpose: Purpose, vault: Vault | None = None) -> str:
    """Decrypt the conversation's first message for ``purpose`` through the vault."""
    key_id, message = first_message(runtime, chat)
    with runtime.work() as session:
        return _open(session, vault or runtime.vault, key_id, message, purpose)


def _open(session: Session, vault: Vault, key_id: str, message: Message, purpose: Purpose) -> str:
    ref = FieldRef("messages", "text", str(message.id))
    return vault.open(session, key_id, ref, message.text_ct, purpose)


@pytest.mark.parametrize("purpose", [Purpose.PERSONALIZATION, Purpose.IMPROVEMENT])
def test_consent_purposes_read_only_with_consent_and_stop_at_the_next_read_after_withdrawal(
    runtime: Runtime, chat: Chat, purpose: Purpose
) -> None:
    with pytest.raises(ConsentRequired):
        _read(runtime, chat, purpose)
    decide(chat, purpose.value, True)
    assert _read(runtime, chat, purpose) == chat.start["greeting"]["text"]
    decide(chat, purpose.value, False)
    with pytest.raises(ConsentRequired) as refused:
        _read(runtime, chat, purpose)
    assert refused.value.status_code == 403
    assert "withdrew" in refused.value.detail


@pytest.mark.parametrize("purpose", [Purpose.PERSONALIZATION, Purpose.IMPROVEMENT])
def test_a_withdrawal_in_the_same_transaction_stops_the_next_read(
    runtime: Runtime, chat: Chat, purpose: Purpose
) -> None:
    decide(chat, purpose.value, True)
    key_id, message = first_message(runtime, chat)
    with runtime.work() as session:
        _open(session, runtime.vault, key_id, message, purpose)
        customer = session.get(Subject, subject_id(chat))
        assert customer is not None
        # The dialogue's path: withdraw when told in the chat, then read again at once.
        runtime.consents.withdraw(session, customer, purpose.value)
        with pytest.raises(ConsentRequired):
            _open(session, runtime.vault, key_id, message, purpose)


def test_analytics_reads_on_legitimate_interest_until_the_customer_objects(
    runtime: Runtime, chat: Chat
) -> None:
    assert _read(runtime, chat, Purpose.ANALYTICS) == chat.start["greeting"]["text"]
    objecting = Policy(
        runtime.settings.purposes,
        flags=lambda session, sid: ProcessingFlags(objected=frozenset({"analytics"})),
    )
    vault = Vault(
        runtime.keyring, ledger_dir=runtime.settings.data_dir, guard=objecting.guard_data_key
    )
    with pytest.raises(ObjectionInForce):
        _read(runtime, chat, Purpose.ANALYTICS, vault)


def test_human_review_reads_only_once_the_customer_asked_for_a_person(
    runtime: Runtime, chat: Chat
) -> None:
    with pytest.raises(HandoffRequired):
        _read(runtime, chat, Purpose.HUMAN_REVIEW)
    assert chat.say("I want to talk to a real person please")["decision"] == "handoff"
    assert _read(runtime, chat, Purpose.HUMAN_REVIEW) == chat.start["greeting"]["text"]


def test_service_reads_without_consent(runtime: Runtime, chat: Chat) -> None:
    assert _read(runtime, chat, Purpose.SERVICE) == chat.start["greeting"]["text"]


def test_restriction_stops_every_purpose_even_with_consent(runtime: Runtime, chat: Chat) -> None:
    decide(chat, "improvement", True)
    restricted = Policy(
        runtime.settings.purposes, flags=lambda session, sid: ProcessingFlags(restricted=True)
    )
    with runtime.work() as session:
        for purpose in runtime.settings.purposes:
            with pytest.raises(ProcessingRestricted):
                restricted.require_purpose(session, subject_id(chat), purpose)


def test_require_purpose_refuses_an_unknown_purpose(runtime: Runtime, chat: Chat) -> None:
    with runtime.work() as session, pytest.raises(UnknownPurpose):
        runtime.policy.require_purpose(session, subject_id(chat), "marketing")


def test_a_purpose_dropped_from_configuration_reads_nothing(runtime: Runtime, chat: Chat) -> None:
    only_service = Policy({"service": runtime.settings.purposes["service"]})
    vault = Vault(
        runtime.keyring, ledger_dir=runtime.settings.data_dir, guard=only_service.guard_data_key
    )
    with pytest.raises(UnknownPurpose):
        _read(runtime, chat, Purpose.ANALYTICS, vault)


def test_a_vault_without_a_policy_reads_for_service_only(runtime: Runtime, chat: Chat) -> None:
    vault = Vault(runtime.keyring, ledger_dir=runtime.settings.data_dir)
    assert _read(runtime, chat, Purpose.SERVICE, vault)
    with pytest.raises(PurposeNotPermitted):
        _read(runtime, chat, Purpose.ANALYTICS, vault)


def test_a_data_key_no_customer_holds_is_refused(runtime: Runtime) -> None:
    with runtime.work() as session, pytest.raises(PurposeNotPermitted):
        runtime.policy.guard_data_key(session, "no-such-key", "improvement")
