from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from confide.subjects import repository
from confide.subjects.errors import SubjectNotFound
from confide.subjects.identifiers import InvalidIdentifier, normalise_email, normalise_phone
from confide.subjects.models import Subject
from confide.vault import FieldRef, Vault

ERASED = "erased"


@dataclass(frozen=True)
class Identifiers:
    """A customer's identifiers as given; normalised (and validated) by ``create_subject``."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    external_id: str | None = None


VERIFIED = "verified_external_id"


def create_subject(
    session: Session,
    vault: Vault,
    identifiers: Identifiers,
    *,
    phone_region: str = "US",
    verified: bool = False,
) -> Subject:
    """A new customer with their own data key; identifiers stored encrypted, found by index.
    ``verified``: the operator signed the external_id, so it may find this customer again.

    Invalid identifiers raise ``InvalidIdentifier`` before anything is written.
    """
    email = normalise_email(identifiers.email) if identifiers.email else None
    phone = normalise_phone(identifiers.phone, phone_region) if identifiers.phone else None
    subject = Subject(data_key_id=vault.create_data_key(session))
    session.add(subject)
    session.flush()
    seal = partial(_seal_identifier, session, vault, subject)
    subject.email_ct, subject.email_index = seal("email", email, indexed=True)
    subject.phone_ct, subject.phone_index = seal("phone", phone, indexed=True)
    subject.name_ct, _ = seal("name", identifiers.name, indexed=False)
    subject.external_id_ct, subject.external_id_index = seal(
        "external_id", identifiers.external_id, indexed=True
    )
    if verified and identifiers.external_id:
        subject.verified_index = vault.index(VERIFIED, identifiers.external_id)
    return subject


def find_verified(session: Session, vault: Vault, external_id: str) -> Subject | None:
    """The customer the operator signed this external_id for before (never one who only
    typed it), by blind index; None if none, or if they were erased."""
    found = repository.subjects_by_index(
        session, Subject.verified_index, vault.index(VERIFIED, external_id)
    )
    return found[0] if found else None


def _seal_identifier(
    session: Session,
    vault: Vault,
    subject: Subject,
    column: str,
    value: str | None,
    *,
    indexed: bool,
) -> tuple[bytes | None, str | None]:
    if not value:
        return None, None
    ref = FieldRef("subjects", column, str(subject.id))
    blob = vault.seal(session, subject.data_key_id, ref, value)
    return blob, vault.index(column, value) if indexed else None


def replace_identifier(
    session: Session,
    vault: Vault,
    subject: Subject,
    column: str,
    value: str | None,
    *,
    phone_region: str = "US",
) -> None:
    """Rectification: seal (and re-index) one identifier anew; None or "" removes it.

    Invalid values raise ``InvalidIdentifier`` before anything changes.
    """
    if column not in ("email", "phone", "name"):
        raise InvalidIdentifier("only email, phone and name can be rectified")
    if value and column == "email":
        value = normalise_email(value)
    elif value and column == "phone":
        value = normalise_phone(value, phone_region)
    indexed = column != "name"
    blob, index = _seal_identifier(session, vault, subject, column, value, indexed=indexed)
    setattr(subject, f"{column}_ct", blob)
    if indexed:
        setattr(subject, f"{column}_index", index)


def find_subjects(
    session: Session,
    vault: Vault,
    *,
    email: str | None = None,
    phone: str | None = None,
    phone_region: str = "US",
) -> list[Subject]:
    """Customers with this email or phone, found by blind index without decrypting anything."""
    if email:
        return repository.subjects_by_index(
            session, Subject.email_index, vault.index("email", normalise_email(email))
        )
    if phone:
        index = vault.index("phone", normalise_phone(phone, phone_region))
        return repository.subjects_by_index(session, Subject.phone_index, index)
    raise InvalidIdentifier("give an email or a phone number to look for")


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
    subject.email_ct = subject.name_ct = subject.external_id_ct = subject.phone_ct = None
    subject.email_index = subject.external_id_index = subject.phone_index = None
    subject.verified_index = None
    return vault.shred(session, subject.data_key_id)
