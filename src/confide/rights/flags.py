"""Restriction and objection as the policy and the conversations read them.

Imports only the ORM model and the pure policy rules, so ``confide.conversations.service``
can check restriction without importing the rest of the rights package.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from confide.policy.rules import ProcessingFlags
from confide.rights.errors import SubjectRestricted
from confide.rights.models import ProcessingFlagsRecord


def read_flags(session: Session, subject_id: uuid.UUID) -> ProcessingFlags:
    """The policy's flags reader (``Policy(purposes, flags=read_flags)``)."""
    record = session.get(ProcessingFlagsRecord, subject_id)
    if record is None:
        return ProcessingFlags()
    return ProcessingFlags(restricted=record.restricted, objected=frozenset(record.objected))


def refuse_if_restricted(session: Session, subject_id: uuid.UUID) -> None:
    """Restriction freezes everything but storage: no new message or feedback is taken."""
    if read_flags(session, subject_id).restricted:
        raise SubjectRestricted(
            "processing of your data is restricted at your request, so new messages are "
            "not accepted; lift the restriction (DELETE /v1/me/restriction) to continue"
        )
