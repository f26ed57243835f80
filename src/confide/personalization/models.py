from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from confide.db import Base, TimestampMixin, utcnow


class Profile(TimestampMixin, Base):
    """A customer's profile (``ProfileData`` as JSON), sealed under their data key: written
    and read only while they consent to ``personalization``, deleted when they withdraw,
    shredded with them."""

    __tablename__ = "profiles"

    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    data_ct: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def id(self) -> uuid.UUID:
        """The row's identity in its sealed field's binding (``profile_ref``), as for every
        other sealed table: key rotation re-seals fields by ``row.id``."""
        return self.subject_id
