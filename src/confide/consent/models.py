from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from confide.db import Base, new_id, utcnow


class PrivacyNotice(Base):
    """One published version of the privacy notice (Markdown). The highest version is in
    force; earlier ones are kept, because consent records point at the version shown.

    Company content, not personal data: stored in the clear.
    """

    __tablename__ = "privacy_notices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # The short notice every new chat opens with.
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # The controller's identity and contact details, from the notice's front matter.
    controller: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsentRecord(Base):
    """One consent decision (grant or withdrawal) by one customer for one purpose.

    Append-only: the latest row per (subject, purpose), by ``seq``, is the current state.
    Pseudonymous personal data (it points at a subject) with no free text: every column but
    the receipt is an id, an enumerated value or a time, so the policy layer can read it
    without decrypting. The signed receipt handed to the customer is kept sealed under the
    customer's data key, so erasure reaches it like any other of their fields.
    """

    __tablename__ = "consent_records"
    __table_args__ = (
        UniqueConstraint("subject_id", "seq"),
        Index("ix_consent_records_subject_purpose_seq", "subject_id", "purpose", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    # Per-subject decision number: orders decisions made within the same clock tick.
    seq: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[int] = mapped_column(ForeignKey("privacy_notices.version"))
    method: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    receipt_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
