from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from confide.db import Base, TimestampMixin, new_id


class LearningExample(TimestampMixin, Base):
    """Something the assistant may learn from, taken from a conversation of a customer who
    consented to ``improvement``: the redacted text, sealed under that customer's data key
    (so erasure shreds it, and every read for training passes the policy again).

    ``kind``: ``phrasing`` (a way to ask for ``intent``), ``gap`` (a question nothing
    answered) or ``agent_answer`` (what a person replied to ``text``, in ``answer_ct``).
    """

    __tablename__ = "learning_examples"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    # The keyed pseudonym of the customer, for lineage that outlives the example.
    contributor: Mapped[str] = mapped_column(String(40), index=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    signal: Mapped[str] = mapped_column(String(24))
    intent: Mapped[str | None] = mapped_column(String(64))
    text_ct: Mapped[bytes] = mapped_column(LargeBinary)
    answer_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # pending → approved | rejected (an operator's review).
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ModelVersion(TimestampMixin, Base):
    """One trained intent model: its metrics, and the lineage of its training data (which
    examples, from which pseudonymous contributors)."""

    __tablename__ = "model_versions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # candidate → active → retired; rejected when the gate refused it.
    status: Mapped[str] = mapped_column(String(16), index=True)
    metrics: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    base_examples: Mapped[int] = mapped_column(Integer, default=0)
    example_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    contributors: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(200))
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
