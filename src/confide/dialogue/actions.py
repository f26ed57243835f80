"""Multi-turn actions with slots behind one small interface.

An action is asked for a step with the customer's latest message and the slots gathered so far;
it answers with text for the customer, the updated slots and whether it is finished. Actions
reach the store's systems only through an ``ActionContext`` the caller provides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

# "NW-10421", "nw10421", "NW 10421", "#10421" or a bare "10421". The digits must stand alone:
# not part of a longer number, a word, an amount ("£10421", "10421.50") or an identifier with
# another prefix ("AB-10421").
ORDER_NUMBER_RE = re.compile(
    r"(?<![\w#£$€.,-])(?:nw[-\s]?|#\s?)?(?P<digits>\d{5})(?!\w|[.,]\d)", re.IGNORECASE
)
# Slots the dialogue itself reads: the next message is free text for the action (a reason),
# not a new request; the order the customer's profile suggests; the order in progress came
# from that suggestion, so another number from the customer replaces it.
FREE_TEXT = "free_text"
KNOWN_ORDER = "known_order"
GUESSED = "guessed"
CANCEL_WORDS = frozenset({"cancel", "stop", "never mind", "nevermind", "forget it", "quit"})
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class OrderInfo:
    number: str
    status: str
    placed_on: date
    carrier: str | None
    eta: date | None
    item_names: tuple[str, ...]
    returnable_until: date | None


class ActionContext(Protocol):
    def today(self) -> date: ...
    def find_order(self, number: str) -> OrderInfo | None: ...
    def create_return(self, order_number: str, reason: str) -> str: ...
    def open_return(self, order_number: str) -> str | None:
        """The reference of a return already started for this order, if any."""
        ...


@dataclass
class ActionStep:
    text: str
    slots: dict[str, str] = field(default_factory=dict)
    done: bool = False
    failed: bool = False
    result: dict[str, str] = field(default_factory=dict)
    # The order came from the customer's profile (slot KNOWN_ORDER), not from them.
    used_known_order: bool = False


class Action(Protocol):
    name: str
    title: str

    def step(self, text: str, slots: dict[str, str], ctx: ActionContext) -> ActionStep: ...


def find_order_number(text: str) -> str | None:
    """``NW-10421``, ``nw10421``, ``#10421`` or a bare ``10421`` → ``NW-10421``."""
    match = ORDER_NUMBER_RE.search(text)
    return f"NW-{match.group('digits')}" if match else None


def wants_to_cancel(text: str) -> bool:
    lowered = text.strip().lower().rstrip(".!")
    return lowered in CANCEL_WORDS


ASK_ORDER = (
    "Sure. What is your order number? It looks like NW-10421 and is in your order "
    "confirmation email."
)


def _collect_order(
    text: str, slots: dict[str, str], ctx: ActionContext
) -> tuple[OrderInfo | None, ActionStep | None]:
    """Fill the order-number slot; returns the order, or the step to send instead.

    A number in the text wins; else, before asking, the order the personalisation
    remembered (slot ``known_order``), if the store still knows it.
    """
    attempts = int(slots.get("attempts", "0"))
    number = find_order_number(text)
    known = slots.get(KNOWN_ORDER)
    if number is None and known and "asked" not in slots:
        remembered = ctx.find_order(known)
        if remembered is not None:
            return remembered, None
    if number is None:
        if "asked" not in slots:
            return None, ActionStep(ASK_ORDER, {**slots, "asked": "1"})
        if attempts + 1 >= MAX_ATTEMPTS:
            return None, ActionStep(
                "I still can't find an order number in that, so I'll stop here.",
                done=True,
                failed=True,
            )
        return None, ActionStep(
            "That doesn't look like an order number. Order numbers look like NW-10421.",
            {**slots, "attempts": str(attempts + 1)},
        )
    order = ctx.find_order(number)
    if order is None:
        if attempts + 1 >= MAX_ATTEMPTS:
            return None, ActionStep(
                f"I couldn't find order {number} either, so I'll stop here.",
                done=True,
                failed=True,
            )
        return None, ActionStep(
            f"I couldn't find an order {number}. Could you check the number and send it again?",
            {**slots, "asked": "1", "attempts": str(attempts + 1)},
        )
    return order, None


STATUS_TEXT = {
    "processing": "is being prepared in our warehouse and has not shipped yet",
    "shipped": "has shipped",
    "delivered": "was delivered",
    "cancelled": "was cancelled",
    "returned": "was returned to us",
}


class OrderStatusAction:
    name = "order_status"
    title = "Check an order's status"

    def step(self, text: str, slots: dict[str, str], ctx: ActionContext) -> ActionStep:
        order, ask = _collect_order(text, slots, ctx)
        if ask is not None:
            return ask
        assert order is not None
        known = _is_known(order, text, slots)
        sentence = f"Order {order.number} {STATUS_TEXT.get(order.status, order.status)}"
        if order.status == "shipped" and order.carrier:
            sentence += f" with {order.carrier}"
        if order.status in {"shipped", "processing"} and order.eta:
            sentence += f"; expected delivery is {order.eta.isoformat()}"
        items = ", ".join(order.item_names)
        reply = f"{sentence}. It contains: {items}." if items else f"{sentence}."
        return ActionStep(
            reply,
            done=True,
            result={"order_number": order.number, "status": order.status},
            used_known_order=known,
        )


class StartReturnAction:
    name = "start_return"
    title = "Start a return"

    def step(self, text: str, slots: dict[str, str], ctx: ActionContext) -> ActionStep:
        if "order" in slots:
            return self._take_reason(text, slots, ctx)
        order, ask = _collect_order(text, slots, ctx)
        if ask is not None:
            return ask
        assert order is not None
        known = _is_known(order, text, slots)
        # The order is named in every reply from here, so it is remembered even unfinished.
        about = {"order_number": order.number}
        existing = ctx.open_return(order.number)
        if existing is not None:
            return ActionStep(
                f"A return for order {order.number} is already started: {existing}. The "
                "prepaid return label is in the help centre under Returns.",
                done=True,
                result={**about, "return_reference": existing},
                used_known_order=known,
            )
        if order.status != "delivered":
            return ActionStep(
                f"Order {order.number} {STATUS_TEXT.get(order.status, order.status)}, so it "
                "can't be returned yet. Returns open once an order is delivered.",
                done=True,
                result=about,
                used_known_order=known,
            )
        if order.returnable_until is None or order.returnable_until < ctx.today():
            return ActionStep(
                f"I'm sorry, the 30-day return window for order {order.number} has closed. "
                "If the item is faulty, our warranty may still cover it.",
                done=True,
                result=about,
                used_known_order=known,
            )
        return ActionStep(
            f"Order {order.number} can be returned until {order.returnable_until.isoformat()}. "
            "In a few words, why are you returning it?",
            {"order": order.number, FREE_TEXT: "1", **({GUESSED: "1"} if known else {})},
            result=about,
            used_known_order=known,
        )

    def _take_reason(self, text: str, slots: dict[str, str], ctx: ActionContext) -> ActionStep:
        reason = text.strip()
        if len(reason) < 2:
            return ActionStep("Please tell me briefly why you're returning the order.", slots)
        reference = ctx.create_return(slots["order"], reason)
        return ActionStep(
            f"Your return {reference} for order {slots['order']} is started. Pack the items "
            "in their original packaging; the prepaid return label is in the help centre under "
            "Returns. Refunds are issued within 5 business days of the parcel reaching us.",
            done=True,
            result={"order_number": slots["order"], "return_reference": reference},
        )


def _is_known(order: OrderInfo, text: str, slots: dict[str, str]) -> bool:
    return find_order_number(text) is None and slots.get(KNOWN_ORDER) == order.number


def default_actions() -> dict[str, Action]:
    actions: list[Action] = [OrderStatusAction(), StartReturnAction()]
    return {action.name: action for action in actions}
