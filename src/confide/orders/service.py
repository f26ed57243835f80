"""The store's side of the assistant's actions: order lookup and return requests."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from confide.conversations.models import Conversation
from confide.dialogue import OrderInfo
from confide.orders.models import Order, ReturnRequest
from confide.vault import FieldRef, Vault


class StoreActions:
    """An ``ActionContext`` bound to one conversation and its customer's data key."""

    def __init__(
        self,
        session: Session,
        vault: Vault,
        conversation_id: uuid.UUID,
        data_key_id: str,
        today: Callable[[], date] = date.today,
    ) -> None:
        self._session = session
        self._vault = vault
        self._conversation_id = conversation_id
        self._data_key_id = data_key_id
        self._today = today

    def today(self) -> date:
        return self._today()

    def find_order(self, number: str) -> OrderInfo | None:
        order = self._session.get(Order, number)
        if order is None:
            return None
        return OrderInfo(
            number=order.number,
            status=order.status,
            placed_on=order.placed_on,
            carrier=order.carrier,
            eta=order.eta,
            item_names=tuple(str(item.get("name", "")) for item in order.items),
            returnable_until=order.returnable_until,
        )

    def open_return(self, order_number: str) -> str | None:
        """A return this customer (in any of their conversations) already started."""
        customer = select(Conversation.subject_id).where(Conversation.id == self._conversation_id)
        theirs = select(Conversation.id).where(Conversation.subject_id.in_(customer))
        reference: str | None = self._session.scalar(
            select(ReturnRequest.reference)
            .where(ReturnRequest.order_number == order_number)
            .where(ReturnRequest.status == "requested")
            .where(ReturnRequest.conversation_id.in_(theirs))
            .limit(1)
        )
        return reference

    def create_return(self, order_number: str, reason: str) -> str:
        request = ReturnRequest(
            id=uuid.uuid4(),
            reference=f"R-{secrets.token_hex(4).upper()}",
            order_number=order_number,
            conversation_id=self._conversation_id,
        )
        ref = FieldRef("return_requests", "reason", str(request.id))
        request.reason_ct = self._vault.seal(self._session, self._data_key_id, ref, reason)
        self._session.add(request)
        return request.reference


def import_orders(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Load orders in the demo's JSON format; existing numbers are replaced."""
    for row in rows:
        session.merge(
            Order(
                number=row["number"],
                status=row["status"],
                placed_on=date.fromisoformat(row["placed_on"]),
                carrier=row.get("carrier"),
                eta=date.fromisoformat(row["eta"]) if row.get("eta") else None,
                items=row.get("items", []),
                returnable_until=(
                    date.fromisoformat(row["returnable_until"])
                    if row.get("returnable_until")
                    else None
                ),
            )
        )
    return len(rows)


def count_orders(session: Session) -> int:
    return len(session.scalars(select(Order.number)).all())
