"""Privacy commands are recognised in their usual phrasings and never in the neighbouring
questions the knowledge base answers."""

from __future__ import annotations

import pytest

from confide.dialogue import CommandKind, PrivacyCommand, recognise

SUMMARY = PrivacyCommand(CommandKind.SUMMARY)
TRAINING = PrivacyCommand(CommandKind.WITHDRAW, "improvement")
PERSONALIZATION = PrivacyCommand(CommandKind.WITHDRAW, "personalization")
STATISTICS = PrivacyCommand(CommandKind.WITHDRAW, "analytics")
DOWNLOAD = PrivacyCommand(CommandKind.DOWNLOAD)
DELETE = PrivacyCommand(CommandKind.DELETE)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("what do you know about me?", SUMMARY),
        ("What do you KNOW about me", SUMMARY),
        ("what data do you have about me", SUMMARY),
        ("What information do you hold on me?", SUMMARY),
        ("what's stored about me", SUMMARY),
        ("show me my data", SUMMARY),
        ("stop using my chats for training", TRAINING),
        ("Stop using my chats for training!", TRAINING),
        ("please stop using my conversations to train your AI", TRAINING),
        ("I don't want my chats used for training", TRAINING),
        ("do not use my messages to improve the assistant", TRAINING),
        ("withdraw my consent for training", TRAINING),
        ("stop using my chats", TRAINING),
        ("don't use my data for personalization", PERSONALIZATION),
        ("Don\u2019t use my data for personalisation please", PERSONALIZATION),
        ("opt me out of personalised answers", PERSONALIZATION),
        ("turn off personalization", PERSONALIZATION),
        ("stop using my data for statistics", STATISTICS),
        ("download my data", DOWNLOAD),
        ("Download my data please", DOWNLOAD),
        ("I want to download my data", DOWNLOAD),
        ("export all my data", DOWNLOAD),
        ("send me a copy of my data", DOWNLOAD),
        ("delete my data", DELETE),
        ("Please delete all my data.", DELETE),
        ("erase my personal data", DELETE),
        ("can you delete my data", DELETE),
        ("I'd like to delete my data", DELETE),
        ("forget me", DELETE),
        ("delete everything you have about me", DELETE),
    ],
)
def test_a_command_is_recognised(text: str, command: PrivacyCommand) -> None:
    assert recognise(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "how do I delete my account",
        "delete my account",
        "I want to delete my account and all my data",
        "what happens if I delete my account",
        "remove my account",
        "How do I delete my data?",
        "how can I download my invoice",
        "download my invoice",
        "what data do you collect about me",
        "how long do you keep my information",
        "is my data safe with you",
        "do you use my chats to train AI",
        "how do I stop you using my chats for training",
        "can I get a copy of my data",
        "what do you know about returns",
        "stop sending me emails",
        "turn off email notifications",
        "no more marketing emails",
        "opt out of newsletter",
        "don't delete my data",
        "delete a saved address",
        "cancel my order",
        "stop",
        "my data is wrong",
        "",
    ],
)
def test_a_neighbouring_question_is_not_a_command(text: str) -> None:
    assert recognise(text) is None
