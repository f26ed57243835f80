"""Privacy commands said in the chat: "what do you know about me?", "stop using my chats for
training", "download my data", "delete my data".

Recognised by a small rule set, not by the intent model: a command changes what is done with
the customer's data, so it must not fire on a neighbouring question ("how do I delete my
account?", "do you use my chats to train AI?"), which the knowledge base answers. Each rule
needs a first-person object ("my data", "about me") and, for the three that act, an
instruction rather than a question. The customer's data is reached only through a
``PrivacyDesk`` the caller provides; this module stores nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class CommandKind(StrEnum):
    SUMMARY = "privacy_summary"
    WITHDRAW = "withdraw_consent"
    DOWNLOAD = "download_data"
    DELETE = "delete_data"


@dataclass(frozen=True)
class PrivacyCommand:
    kind: CommandKind
    # WITHDRAW: the purpose it names (a default purpose name: improvement, personalization,
    # analytics).
    purpose: str | None = None


# Words that name a purpose in "stop using my data for ...".
PURPOSE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "improvement",
        re.compile(
            r"\b(train\w*|learn\w*|improv\w*|machine learning|ml|ai models?|models?|research)\b"
        ),
    ),
    ("personalization", re.compile(r"\b(personali[sz]\w*|tailor\w*|recommend\w*|profil\w*)\b")),
    ("analytics", re.compile(r"\b(statistic\w*|stats|analytic\w*|metrics)\b")),
)

_MINE = (
    r"(?:my|our) (?:personal )?(?:chats?|conversations?|messages?|data|information|info|"
    r"transcripts?|details|history)"
)
_ALL_MINE = rf"(?:all (?:of )?)?{_MINE}"
_WITHDRAW = (
    rf"\b(?:stop|quit|cease) using {_MINE}(?: \w+)? (?:for|to|in) (?P<a>.+)",
    rf"\b(?:stop|quit) (?:using|taking) {_MINE}(?: \w+)?$",
    rf"\b(?:do not|never) (?:use|take) {_MINE}(?: \w+)? (?:for|to|in) (?P<b>.+)",
    rf"\bi (?:do not|no longer) want {_MINE} (?:to be )?(?:used )?(?:for|to|in) (?P<c>.+)",
    rf"\bi (?:do not|no longer) want you to use {_MINE} (?:for|to|in) (?P<d>.+)",
    r"\b(?:withdraw|revoke|cancel|take back) (?:my )?consent (?:for|to|from|on) (?P<e>.+)",
    r"\bopt (?:me )?out of (?P<f>.+)",
    r"\b(?:turn|switch) off (?P<g>.+)",
    r"\bno more (?P<h>.+)",
)
_SUMMARY = (
    r"\bwhat (?:do|does) (?:you|the (?:assistant|bot|chatbot|company)|\w+) (?:know|have|hold|"
    r"store|keep|save)(?: stored| saved| on file)? (?:about|on|of) me\b",
    r"\bwhat (?:data|information|info|personal data|details|stuff) (?:do|does) (?:you|\w+) "
    r"(?:have|hold|store|keep|know) (?:about|on|of) me\b",
    r"\bwhat (?:is|has been) (?:stored|saved|kept|recorded) about me\b",
    r"\bshow me (?:what you (?:know|have|store|hold) about me|my (?:personal )?(?:data|"
    r"information|privacy settings|consents?))\b",
    r"\bwhat (?:have i|did i) (?:agreed|agree|consented|consent) to\b",
)
_POLITE = (
    r"(?:(?:please|pls|kindly|can you|could you|would you|will you|i want(?: you)? to|"
    r"i would like(?: you)? to|i wish to|i need(?: you)? to|let me|i want|i would like) )*"
)
_END = r"(?: please| now| thanks| thank you)*$"
_DOWNLOAD = (
    rf"^{_POLITE}(?:download|export|send me|give me|email me|get me)(?: a copy of)? "
    rf"{_ALL_MINE}{_END}",
    rf"^{_POLITE}(?:get|have|receive) a copy of {_ALL_MINE}{_END}",
    rf"^{_POLITE}(?:download|export) (?:everything|all) (?:you (?:have|know|hold) )?(?:about|on) "
    rf"me{_END}",
)
_DELETE = (
    rf"^{_POLITE}(?:delete|erase|remove|wipe|destroy|purge|get rid of) {_ALL_MINE}"
    r"(?: (?:from your (?:systems?|servers?|database))| now| permanently| please| thanks)*$",
    rf"^{_POLITE}(?:delete|erase|remove|wipe) (?:everything|all) (?:you (?:have|know|hold|"
    rf"store) )?(?:about|on) me{_END}",
    rf"^{_POLITE}forget (?:about )?(?:me|everything about me|{_ALL_MINE}){_END}",
    r"^(?:i (?:want|would like) to )?exercise my right to (?:be forgotten|erasure)$",
)
# "How do I ...?", "can I ...?": questions about a right, which the knowledge base answers.
_QUESTION = re.compile(
    r"^(?:how|what|why|when|where|which|who|is|are|does|do(?! not)|can i|could i|should i|"
    r"may i|if|"
    r"would it|will it)\b"
)


def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


_WITHDRAW_RE = _compile(_WITHDRAW)
_SUMMARY_RE = _compile(_SUMMARY)
_DOWNLOAD_RE = _compile(_DOWNLOAD)
_DELETE_RE = _compile(_DELETE)


def normalise(text: str) -> str:
    """Lower case, plain apostrophes, "don't" → "do not", punctuation dropped."""
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    for short, long in (
        ("don't", "do not"),
        ("dont", "do not"),
        ("i'd", "i would"),
        ("i'm", "i am"),
        ("what's", "what is"),
        ("won't", "will not"),
    ):
        lowered = re.sub(rf"\b{re.escape(short)}(?!\w)", long, lowered)
    lowered = re.sub(r"[^\w\s]", " ", lowered)
    return " ".join(lowered.split())


def purpose_named(words: str) -> str | None:
    """The purpose a phrase such as "training" or "personalised answers" names, if any."""
    for purpose, pattern in PURPOSE_WORDS:
        if pattern.search(words):
            return purpose
    return None


def recognise(text: str) -> PrivacyCommand | None:
    """The privacy command ``text`` gives, or None for anything else."""
    said = normalise(text)
    if not said or len(said) > 200:
        return None
    if any(p.search(said) for p in _SUMMARY_RE):
        return PrivacyCommand(CommandKind.SUMMARY)
    if _QUESTION.match(said):
        return None
    for pattern in _WITHDRAW_RE:
        match = pattern.search(said)
        if match is None:
            continue
        named = next((g for g in match.groups() if g), None)
        # "stop using my chats" names no purpose: the purpose is then training, the use
        # customers mean by it (the notice's own example).
        purpose = purpose_named(named) if named is not None else "improvement"
        if purpose is not None:
            return PrivacyCommand(CommandKind.WITHDRAW, purpose)
    if any(p.search(said) for p in _DOWNLOAD_RE):
        return PrivacyCommand(CommandKind.DOWNLOAD)
    if any(p.search(said) for p in _DELETE_RE):
        return PrivacyCommand(CommandKind.DELETE)
    return None


# -- what the caller provides -------------------------------------------------------------


@dataclass(frozen=True)
class PurposeUse:
    name: str
    title: str
    legal_basis: str
    consent_based: bool
    objectable: bool
    allowed: bool
    granted: bool | None


@dataclass(frozen=True)
class StoredData:
    """What is held about the customer, in counts and kinds (never the data itself)."""

    conversations: int
    messages: int
    identifiers: tuple[str, ...]
    feedback: int
    returns: int
    consent_decisions: int
    purposes: tuple[PurposeUse, ...]
    restricted: bool = False
    profile: bool = False
    learning_examples: int = 0


@dataclass(frozen=True)
class Withdrawal:
    purpose: str
    title: str
    was_granted: bool
    receipt_id: str | None
    # Set when nothing could be withdrawn, with the reason in words for the customer.
    refused: str | None = None


class PrivacyDesk(Protocol):
    """The customer's data as the dialogue may see and change it."""

    @property
    def privacy_center_url(self) -> str: ...

    def stored(self) -> StoredData: ...

    def withdraw(self, purpose: str) -> Withdrawal: ...


@dataclass(frozen=True)
class CommandReply:
    text: str
    acted: bool = False


def answer(command: PrivacyCommand, desk: PrivacyDesk) -> CommandReply:
    url = desk.privacy_center_url
    if command.kind is CommandKind.SUMMARY:
        return CommandReply(_summary(desk.stored(), url))
    if command.kind is CommandKind.WITHDRAW:
        assert command.purpose is not None
        return _withdraw(desk, command.purpose, url)
    if command.kind is CommandKind.DOWNLOAD:
        return CommandReply(
            "You can download everything we hold about you (conversations, feedback, your "
            "privacy choices and their receipts) as one file in the privacy center: "
            f"{url}. We check there that the request really comes from you, so I can't send "
            "your data in this chat. Developers can use GET /v1/me and the /v1/me export "
            "request with this conversation's token."
        )
    return CommandReply(
        "I can't erase your data from a chat message: erasure is permanent, so we first "
        f"check that it's really you and ask you to confirm. Open the privacy center ({url}) "
        'and choose "Delete my data": we then destroy your encryption key, delete your '
        "conversations and give you a signed erasure receipt. If you only want us to stop "
        'one use, tell me, for example "stop using my chats for training".'
    )


def _summary(data: StoredData, url: str) -> str:
    held = [
        _count(data.conversations, "conversation") + " with " + _count(data.messages, "message")
    ]
    if data.identifiers:
        held.append("your " + _join(list(data.identifiers)))
    if data.feedback:
        held.append(_count(data.feedback, "feedback rating"))
    if data.returns:
        held.append(_count(data.returns, "return request"))
    if data.consent_decisions:
        held.append(_count(data.consent_decisions, "privacy choice") + " with signed receipts")
    if data.profile:
        held.append("a profile for tailored answers (orders you asked about, your issues)")
    if data.learning_examples:
        held.append(
            _count(data.learning_examples, "redacted excerpt") + " for improving the assistant"
        )
    uses = "; ".join(_use(p) for p in data.purposes)
    restricted = (
        " You asked us to restrict processing: we only store your data." if data.restricted else ""
    )
    return (
        f"Here is what we hold about you, encrypted with a key of your own: {_join(held)}. "
        f"How it is used: {uses}.{restricted} See the details, download them, change your "
        f"choices or delete your data in the privacy center: {url}"
    )


def _use(purpose: PurposeUse) -> str:
    basis = purpose.legal_basis.replace("_", " ")
    if purpose.consent_based:
        state = "on, you agreed" if purpose.granted else "off, you have not agreed"
        return f"{purpose.title} (your consent): {state}"
    state = "in use" if purpose.allowed else "not in use"
    if purpose.objectable and purpose.allowed:
        state += ", you can object"
    return f"{purpose.title} ({basis}): {state}"


def _withdraw(desk: PrivacyDesk, purpose: str, url: str) -> CommandReply:
    result = desk.withdraw(purpose)
    if result.refused is not None:
        return CommandReply(
            f"{result.refused} You can manage every choice in the privacy center: {url}"
        )
    title = result.title[0].lower() + result.title[1:]
    if result.was_granted:
        lead = (
            f"Done: we no longer use your data for {title} ({purpose}), from your next message on."
        )
    else:
        lead = (
            f"You had not agreed to {title} ({purpose}), so your data was not used for it; "
            "I've recorded that you don't want it."
        )
    return CommandReply(
        f"{lead} Your consent receipt is {result.receipt_id}. To undo this, turn "
        f'"{result.title}" back on in the privacy center ({url}), or send PUT '
        f'/v1/me/consents/{purpose} with {{"granted": true}}.',
        acted=True,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
