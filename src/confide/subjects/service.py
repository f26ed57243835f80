from __future__ import annotations

from sqlalchemy.orm import Session

from confide.subjects.models import Subject
from confide.vault import FieldRef, Vault


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
