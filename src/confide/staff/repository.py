from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from confide.staff.models import RevealGrant, StaffToken, StaffUser


def get_by_name(session: Session, name: str, *, for_update: bool = False) -> StaffUser | None:
    query = select(StaffUser).where(StaffUser.name == name)
    return session.scalars(query.with_for_update() if for_update else query).first()


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name)))


def get_token(session: Session, token_hash: str) -> StaffToken | None:
    return session.scalars(select(StaffToken).where(StaffToken.token_hash == token_hash)).first()


def revoke_tokens(session: Session, staff_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(StaffToken)
        .where(StaffToken.staff_id == staff_id, StaffToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def active_grants(
    session: Session, staff_id: uuid.UUID, conversation_id: uuid.UUID, now: datetime
) -> list[RevealGrant]:
    query = select(RevealGrant).where(
        RevealGrant.staff_id == staff_id,
        RevealGrant.conversation_id == conversation_id,
        RevealGrant.expires_at > now,
    )
    return list(session.scalars(query))
