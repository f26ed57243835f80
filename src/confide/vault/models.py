from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from confide.db import Base, TimestampMixin


class DataKeyRecord(TimestampMixin, Base):
    """A customer's data key, stored only wrapped under a master key version."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    master_version: Mapped[str] = mapped_column(String(64), index=True)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
