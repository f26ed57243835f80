"""Operator settings kept in the database, so every app worker sees the same values."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from confide.db import Base

DEFAULT_COMPANY = "Confide"


class AppSetting(Base):
    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def get_setting(session: Session, key: str, default: str) -> str:
    row = session.get(AppSetting, key)
    return row.value if row else default


def set_setting(session: Session, key: str, value: str) -> None:
    session.merge(AppSetting(key=key, value=value))
