"""Identity verification before anything leaves or is destroyed.

An anonymous customer (no email on file) proves who they are with the conversation token
alone. A customer with an email on file also needs a one-time code sent to that address:
8 digits, stored only as a keyed hash, valid 15 minutes, 5 wrong tries, single use.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from confide.crypto import SecretKey, hash_token, tokens_match
from confide.errors import ConfideError
from confide.rights import repository
from confide.rights.errors import TooManyAttempts, VerificationFailed, VerificationRequired
from confide.rights.models import VerificationCode
from confide.rights.schemas import VerificationSentOut
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose, Vault

CODE_KEY_LABEL = "rights/verification-code/v1"
CODE_DIGITS = 8
CODE_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
CODE_HEADER = "X-Verification-Code"


class CodeSender(Protocol):
    """Delivers a one-time code to the customer (email in production)."""

    def send_code(self, to: str, code: str, expires_at: datetime) -> None: ...


class OutboxSender:
    """Development sender: one JSON file per message in an outbox folder (mode 0600).

    The file holds the address and the code, as the email would: it is for a developer's
    machine, never for production (see docs/decisions.md).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"OutboxSender({str(self.directory)!r})"

    def send_code(self, to: str, code: str, expires_at: datetime) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        message = {
            "to": to,
            "subject": "Your verification code",
            "body": f"Your verification code is {code}. It expires at "
            f"{expires_at.isoformat(timespec='minutes')}. If you did not ask for it, "
            "ignore this message.",
        }
        stamp = expires_at.strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{secrets.token_hex(4)}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(message, handle)


def verification_required(subject: Subject) -> bool:
    return subject.email_ct is not None


def send_code(
    session: Session,
    vault: Vault,
    sender: CodeSender,
    subject: Subject,
    *,
    now: datetime,
) -> VerificationSentOut:
    """Send a fresh code to the email on file; earlier codes stop working."""
    if not verification_required(subject) or subject.email_ct is None:
        return VerificationSentOut(
            required=False,
            sent=False,
            detail="no email address is on file: your conversation token is enough",
        )
    if repository.codes_sent_since(session, subject.id, now - timedelta(hours=1)) >= (
        MAX_CODES_PER_HOUR
    ):
        raise TooManyAttempts("too many codes were sent in the last hour; try again later")
    for earlier in repository.live_codes(session, subject.id, now):
        earlier.expires_at = now
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    expires_at = now + CODE_TTL
    repository.add_code(
        session,
        VerificationCode(
            id=uuid.uuid4(),
            subject_id=subject.id,
            code_hash=_hash(vault, subject, code),
            created_at=now,
            expires_at=expires_at,
            attempts=0,
        ),
    )
    ref = FieldRef("subjects", "email", str(subject.id))
    email = vault.open(session, subject.data_key_id, ref, subject.email_ct, Purpose.SERVICE)
    sender.send_code(email, code, expires_at)
    return VerificationSentOut(
        required=True,
        sent=True,
        expires_at=expires_at,
        detail="a code was sent to the email address on file",
    )


def check_code(
    session: Session, vault: Vault, subject: Subject, code: str | None, *, now: datetime
) -> ConfideError | None:
    """None if the customer is verified; else the error to raise. A wrong code counts as
    an attempt: commit this transaction before raising the error, so the count stays."""
    if not verification_required(subject):
        return None
    if not code:
        return VerificationRequired(
            "a verification code is required: POST /v1/me/verification sends one to the "
            f"email address on file; send it back in the {CODE_HEADER} header"
        )
    live = repository.live_codes(session, subject.id, now)
    if not live:
        return VerificationFailed("the verification code is wrong or has expired")
    current = live[0]
    if current.attempts >= MAX_ATTEMPTS:
        return TooManyAttempts("too many wrong codes: request a new one")
    if tokens_match(current.code_hash, _hash(vault, subject, code.strip())):
        return None
    current.attempts += 1
    return VerificationFailed("the verification code is wrong or has expired")


def consume_code(
    session: Session, vault: Vault, subject: Subject, code: str | None, *, now: datetime
) -> None:
    """Require a valid code (when one is needed) and use it up."""
    failure = check_code(session, vault, subject, code, now=now)
    if failure is not None:
        raise failure
    if verification_required(subject):
        repository.live_codes(session, subject.id, now)[0].used_at = now


def _hash(vault: Vault, subject: Subject, code: str) -> str:
    key: SecretKey = vault.keyring.derive_key(CODE_KEY_LABEL)
    return hash_token(key, f"{subject.id}:{code}")
