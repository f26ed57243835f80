from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from confide.rights.models import RightsRequest


def count_rights_requests(session: Session) -> dict[tuple[str, str], int]:
    """How many rights requests there are of each (kind, state)."""
    query = select(RightsRequest.type, RightsRequest.status, func.count()).group_by(
        RightsRequest.type, RightsRequest.status
    )
    return {(kind, state): count for kind, state, count in session.execute(query)}
