from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from confide.db import Base, TimestampMixin, new_id


class Subject(TimestampMixin, Base):
    """A data subject (customer). Identifiers are stored encrypted, found by blind index."""

    __tablename__ = "subjects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    external_id_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    external_id_index: Mapped[str | None] = mapped_column(String(64), index=True)
    # Set only when the external_id came with the operator's signature (identity_hash): only
    # such a customer is ever found again by it.
    verified_index: Mapped[str | None] = mapped_column(String(64), index=True)
