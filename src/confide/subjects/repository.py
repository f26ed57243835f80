from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from confide.subjects.models import Subject


def subjects_by_index(
    session: Session, column: InstrumentedAttribute[str | None], index: str
) -> list[Subject]:
    query = select(Subject).where(column == index).order_by(Subject.created_at)
    return list(session.scalars(query))
