from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from confide.db import Base, TimestampMixin, new_id


class Order(Base):
    """The demo store's orders (no personal data: the demo is anonymous)."""

    __tablename__ = "orders"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(24))
    placed_on: Mapped[date] = mapped_column(Date)
    carrier: Mapped[str | None] = mapped_column(String(64))
    eta: Mapped[date | None] = mapped_column(Date)
    items: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    returnable_until: Mapped[date | None] = mapped_column(Date)


class ReturnRequest(TimestampMixin, Base):
    __tablename__ = "return_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), index=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="requested")
