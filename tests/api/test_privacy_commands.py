"""Privacy commands in the chat, through the real API: each does what it says, and a
withdrawal said in the chat binds the policy from the very next call."""

from __future__ import annotations

import uuid

import pytest

from confide.consent.models import ConsentRecord
from confide.policy.errors import ConsentRequired
from confide.runtime import Runtime
from confide.vault import Purpose
from tests.conftest import Chat
from tests.consent.helpers import consents, decide, records, subject_id
from tests.policy.test_enforcement import _read

CENTER = "http://127.0.0.1:8000/privacy"


def test_what_do_you_know_about_me_summarises_what_is_stored_and_why(
    runtime: Runtime, chat: Chat
) -> None:
    chat.say("Where is my order?")
    chat.say("NW-10421")
    decide(chat, "improvement", True)
    reply = chat.say("What do you know about me?")
    assert reply["intent"] == "privacy_summary"
    assert reply["decision"] == "answer"
    text = str(reply["text"])
    # The greeting, two exchanges, and this question.
    assert "1 conversation with 6 messages and 1 privacy choice with signed receipts" in text
    assert "Improving the assistant (your consent): on, you agreed" in text
    assert "Tailored answers (your consent): off, you have not agreed" in text
    assert "Statistics (legitimate interest): in use, you can object" in text
    assert "Answering you (contract): in use" in text
    assert text.endswith(CENTER)
    assert records(runtime, chat) == [("improvement", True, "api", "api", 1)]


def test_stop_using_my_chats_for_training_withdraws_and_says_how_to_undo(
    runtime: Runtime, chat: Chat
) -> None:
    decide(chat, "improvement", True)
    reply = chat.say("Stop using my chats for training")
    assert (reply["intent"], reply["decision"]) == ("withdraw_consent", "act")
    text = str(reply["text"])
    assert text.startswith("Done: we no longer use your data for improving the assistant")
    receipt_id = text.split("Your consent receipt is ")[1].split(".")[0]
    assert f"{CENTER}" in text
    assert "PUT /v1/me/consents/improvement" in text
    assert records(runtime, chat)[-1] == ("improvement", False, "chat", "api", 1)
    assert consents(chat)["improvement"]["granted"] is False
    assert consents(chat)["improvement"]["method"] == "chat"
    with runtime.work() as session:
        assert session.get(ConsentRecord, uuid.UUID(receipt_id)) is not None


def test_after_the_chat_withdrawal_the_policy_refuses_improvement_on_the_next_call(
    runtime: Runtime, chat: Chat
) -> None:
    decide(chat, "improvement", True)
    assert _read(runtime, chat, Purpose.IMPROVEMENT)
    chat.say("stop using my chats for training")
    with runtime.work() as session:
        decision = runtime.policy.evaluate(session, subject_id(chat), "improvement")
    assert (decision.allowed, decision.reason.value) == (False, "consent-withdrawn")
    with pytest.raises(ConsentRequired):
        _read(runtime, chat, Purpose.IMPROVEMENT)


def test_do_not_use_my_data_for_personalization_records_a_refusal_never_given(
    runtime: Runtime, chat: Chat
) -> None:
    reply = chat.say("Don't use my data for personalization")
    assert reply["intent"] == "withdraw_consent"
    assert str(reply["text"]).startswith("You had not agreed to tailored answers")
    assert records(runtime, chat) == [("personalization", False, "chat", "api", 1)]


def test_statistics_cannot_be_withdrawn_but_objected_to(runtime: Runtime, chat: Chat) -> None:
    reply = chat.say("stop using my data for statistics")
    assert reply["decision"] == "answer"
    assert "object" in str(reply["text"])
    assert records(runtime, chat) == []


def test_download_my_data_explains_and_links_without_sending_anything(
    runtime: Runtime, chat: Chat
) -> None:
    reply = chat.say("Download my data")
    assert (reply["intent"], reply["decision"]) == ("download_data", "answer")
    assert CENTER in str(reply["text"])
    assert "GET /v1/me" in str(reply["text"])


def test_delete_my_data_explains_and_erases_nothing(runtime: Runtime, chat: Chat) -> None:
    reply = chat.say("Please delete my data")
    assert (reply["intent"], reply["decision"]) == ("delete_data", "answer")
    assert CENTER in str(reply["text"])
    assert "can't erase your data from a chat message" in str(reply["text"])
    transcript = chat.client.get(f"/v1/conversations/{chat.id}", headers=chat.headers).json()
    assert transcript["status"] == "open"
    assert len(transcript["messages"]) == 3


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("how do I delete my account", "delete_account"),
        ("what data do you collect about me", "privacy_data"),
        ("do you use my chats to train AI", "privacy_data"),
    ],
)
def test_a_question_about_privacy_is_answered_from_the_knowledge_base(
    runtime: Runtime, chat: Chat, text: str, intent: str
) -> None:
    reply = chat.say(text)
    assert (reply["intent"], reply["decision"]) == (intent, "answer")
    assert reply["citations"]
    assert records(runtime, chat) == []


def test_a_command_leaves_an_action_in_progress(chat: Chat) -> None:
    assert str(chat.say("Where is my order?")["text"]).startswith("Sure. What is your order")
    assert chat.say("what do you know about me")["intent"] == "privacy_summary"
    assert chat.say("NW-10421")["intent"] != "order_status"
