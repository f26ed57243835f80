from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from confide.db import Base, TimestampMixin, new_id, utcnow


class Conversation(TimestampMixin, Base):
    __tablename__ = "conversations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="open")
    channel: Mapped[str] = mapped_column(String(16), default="api")
    # Dialogue state (slots may hold personal data such as an order number): encrypted.
    state_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Pseudonym mapping (<PERSON_1> → the original), so text sent to outside models can be
    # pseudonymized consistently and reversed only through the vault: encrypted.
    pseudonyms_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    # The human handoff: when the customer was handed to a person, and which staff member
    # has claimed the conversation (None while it waits in the queue).
    handed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Message(TimestampMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text_ct: Mapped[bytes] = mapped_column(LargeBinary)
    # The text with personal data replaced by <TYPE> placeholders (the PII engine), sealed.
    redacted_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    decision: Mapped[str | None] = mapped_column(String(16))
    citations: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Feedback(TimestampMixin, Base):
    __tablename__ = "feedback"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id"))
    rating: Mapped[str] = mapped_column(String(8))
    solved: Mapped[bool | None] = mapped_column(Boolean)
    comment_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
