from confide.dialogue.actions import (
    Action,
    ActionContext,
    ActionStep,
    OrderInfo,
    default_actions,
    find_order_number,
)
from confide.dialogue.commands import (
    CommandKind,
    PrivacyCommand,
    PrivacyDesk,
    PurposeUse,
    StoredData,
    Withdrawal,
    recognise,
)
from confide.dialogue.engine import Assistant, Citation, Decision, DialogueOptions, Reply
from confide.dialogue.personal import KnownOrder, Personal
from confide.dialogue.state import DialogueState

__all__ = [
    "Action",
    "ActionContext",
    "ActionStep",
    "Assistant",
    "Citation",
    "CommandKind",
    "Decision",
    "DialogueOptions",
    "DialogueState",
    "KnownOrder",
    "OrderInfo",
    "Personal",
    "PrivacyCommand",
    "PrivacyDesk",
    "PurposeUse",
    "Reply",
    "StoredData",
    "Withdrawal",
    "default_actions",
    "find_order_number",
    "recognise",
]
