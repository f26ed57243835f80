from confide.dialogue.actions import (
    Action,
    ActionContext,
    ActionStep,
    OrderInfo,
    default_actions,
    find_order_number,
)
from confide.dialogue.engine import Assistant, Citation, Decision, DialogueOptions, Reply
from confide.dialogue.state import DialogueState

__all__ = [
    "Action",
    "ActionContext",
    "ActionStep",
    "Assistant",
    "Citation",
    "Decision",
    "DialogueOptions",
    "DialogueState",
    "OrderInfo",
    "Reply",
    "default_actions",
    "find_order_number",
]
