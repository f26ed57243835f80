from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from confide.db import Base, new_id, utcnow


class RightsRequest(Base):
    """One data-subject request (access, erasure, rectification, restriction, objection).

    ``subject_id`` is cleared when the customer is erased; ``subject_pseudonym`` (the keyed
    HMAC the consent receipts use) stays, so the queue still proves the request was handled.
    No free text from the customer: ``extension_reason`` and ``note`` are the operator's.
    """

    __tablename__ = "rights_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    subject_pseudonym: Mapped[str] = mapped_column(String(40), index=True)
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    extended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    extension_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the request asked for, without personal data (e.g. the purposes objected to).
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class RightsRequestEvent(Base):
    """Append-only history of a request: every status change and the extension."""

    __tablename__ = "rights_request_events"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rights_requests.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class ProcessingFlagsRecord(Base):
    """Restriction (Article 18) and objections (Article 21) in force for one customer."""

    __tablename__ = "processing_flags"

    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    objected: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VerificationCode(Base):
    """A one-time code sent to the customer's email: only its keyed hash is stored."""

    __tablename__ = "verification_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ErasureTombstone(Base):
    """What the law requires to keep once a customer is erased: a pseudonymous id (keyed
    HMAC, unlinkable without the keyring), when, why, and the receipt handed over."""

    __tablename__ = "erasure_tombstones"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    subject_pseudonym: Mapped[str] = mapped_column(String(40), unique=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    receipt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
