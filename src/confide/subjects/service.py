from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from confide.subjects.errors import SubjectNotFound
from confide.subjects.models import Subject
from confide.vault import FieldRef, Vault

ERASED = "erased"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_subject(
    session: Session,
    vault: Vault,
    *,
    email: str | None = None,
    name: str | None = None,
    external_id: str | None = None,
) -> Subject:
    """A new customer with their own data key; identifiers stored encrypted, found by index."""
    subject = Subject(data_key_id=vault.create_data_key(session))
    session.add(subject)
    session.flush()
    key_id, row = subject.data_key_id, str(subject.id)
    if email:
        value = normalise_email(email)
        subject.email_ct = vault.seal(session, key_id, FieldRef("subjects", "email", row), value)
        subject.email_index = vault.index("email", value)
    if name:
        subject.name_ct = vault.seal(session, key_id, FieldRef("subjects", "name", row), name)
    if external_id:
        ref = FieldRef("subjects", "external_id", row)
        subject.external_id_ct = vault.seal(session, key_id, ref, external_id)
        subject.external_id_index = vault.index("external_id", external_id)
    return subject


def get_subject_or_raise(
    session: Session, subject_id: uuid.UUID, *, for_update: bool = False
) -> Subject:
    subject = session.get(Subject, subject_id, with_for_update=for_update)
    if subject is None:
        raise SubjectNotFound("no such customer")
    return subject


def shred_subject(session: Session, vault: Vault, subject_id: uuid.UUID) -> bool:
    """Crypto-shred a customer: destroy their data key, so none of their fields (messages,
    state, feedback, return reasons, identifiers) can be decrypted any more, in any copy.

    Touches two rows whatever the customer's data volume: the data key, and the subject,
    whose blind indexes (readable without the data key) are cleared too. Returns False if
    the customer was already shredded.
    """
    subject = get_subject_or_raise(session, subject_id, for_update=True)
    subject.status = ERASED
    subject.email_ct = subject.name_ct = subject.external_id_ct = None
    subject.email_index = subject.external_id_index = None
    return vault.shred(session, subject.data_key_id)
