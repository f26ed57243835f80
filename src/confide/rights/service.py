"""Data-subject rights: what other features call.

Stable entry points (the privacy center, chat commands and retention call them):
``describe_subject``, ``export_subject``, ``erase_subject``, ``rectify_subject``,
``restrict_subject``, ``object_to_processing``. Each takes the caller's session and the
runtime's ``RightsContext`` (``runtime.rights``); none commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from confide.audit import AuditLog
from confide.consent.receipts import canonical_json
from confide.consent.schemas import SignedReceipt
from confide.consent.service import Consents
from confide.db import utcnow
from confide.errors import ConfideError
from confide.learning.repository import active_model, count_examples_of
from confide.policy.service import Policy
from confide.rights import queue, repository
from confide.rights.errors import InvalidRightsInput, PurposeNotObjectable
from confide.rights.export import (
    build_archive,
    collect_subject_data,
    open_field,
    open_identifiers,
)
from confide.rights.models import ErasureTombstone, ProcessingFlagsRecord
from confide.rights.schemas import (
    ConversationSummaryOut,
    DerivedOut,
    FeedbackItemOut,
    MeOut,
    ProcessingOut,
    ProfileOut,
    PurposeUseOut,
    RectificationIn,
    ReturnItemOut,
    SubjectSummaryOut,
    VerificationSentOut,
)
from confide.rights.verification import (
    CodeSender,
    check_code,
    consume_code,
    send_code,
    verification_required,
)
from confide.subjects.models import Subject
from confide.subjects.service import ERASED, get_subject_or_raise, replace_identifier
from confide.subjects.service import shred_subject as shred
from confide.vault import FieldRef, SubjectErased, Vault

ERASURE_RECEIPT_VERSION = "confide-erasure-receipt-v1"
# What an erasure keeps, as the receipt states it.
RETAINED = (
    "erasure tombstone: pseudonymous id, date and reason (proof that the request was done)",
    "rights request records under the pseudonymous id, without personal data",
)


@dataclass(frozen=True)
class RightsContext:
    """What the rights services need from the runtime (``runtime.rights``)."""

    vault: Vault
    consents: Consents
    policy: Policy
    sender: CodeSender
    clock: Callable[[], datetime] = utcnow
    phone_region: str = "US"
    audit: AuditLog | None = None

    def pseudonym(self, subject_id: uuid.UUID) -> str:
        """The customer's pseudonymous id: the keyed HMAC their consent receipts carry."""
        return self.consents.principal_id(subject_id)


def _audit(
    session: Session, ctx: RightsContext, request: str, subject_id: uuid.UUID, channel: str
) -> None:
    """Every rights request is an audit entry (by pseudonym; the log holds no PII)."""
    if ctx.audit is not None:
        actor = "operator:cli" if channel == "cli" else f"customer:{channel}"
        ctx.audit.record(session, f"rights.{request}", actor=actor, subject_id=subject_id)


def is_erased(session: Session, ctx: RightsContext, subject: Subject) -> bool:
    return subject.status == ERASED or ctx.vault.is_erased(session, subject.data_key_id)


def refuse_if_erased(session: Session, ctx: RightsContext, subject: Subject) -> None:
    if is_erased(session, ctx, subject):
        raise SubjectErased("this customer's personal data has been erased")


# -- access ---------------------------------------------------------------------------------


def describe_subject(session: Session, ctx: RightsContext, subject_id: uuid.UUID) -> MeOut:
    """What is stored about the customer and why (GET /v1/me)."""
    subject = get_subject_or_raise(session, subject_id)
    erased = is_erased(session, ctx, subject)
    conversations = repository.conversations_of(session, subject.id)
    ids = [c.id for c in conversations]
    return MeOut(
        profile=profile_out(session, ctx, subject, erased=erased),
        purposes=_purposes(session, ctx, subject),
        consents=ctx.consents.current(session, subject),
        processing=processing_out(repository.get_flags(session, subject.id)),
        conversations=[
            ConversationSummaryOut(
                conversation_id=c.id,
                status=ERASED if erased else c.status,
                channel=c.channel,
                created_at=c.created_at,
                updated_at=c.updated_at,
                message_count=c.message_count,
            )
            for c in conversations
        ],
        feedback=[] if erased else _feedback(session, ctx, subject, ids),
        returns=[] if erased else _returns(session, ctx, subject, ids),
        requests=queue.list_requests(session, now=ctx.clock(), subject_id=subject.id),
        derived=DerivedOut(
            personalization_profile=repository.profile_of(session, subject.id) is not None,
            learning_examples=count_examples_of(session, subject.id),
        ),
    )


def profile_out(
    session: Session, ctx: RightsContext, subject: Subject, *, erased: bool | None = None
) -> ProfileOut:
    erased = is_erased(session, ctx, subject) if erased is None else erased
    return ProfileOut(
        subject_id=subject.id,
        pseudonymous_id=ctx.pseudonym(subject.id),
        status=ERASED if erased else subject.status,
        created_at=subject.created_at,
        identifiers=None if erased else open_identifiers(session, ctx.vault, subject),
        verification_required=verification_required(subject),
    )


def processing_out(record: ProcessingFlagsRecord | None) -> ProcessingOut:
    if record is None:
        return ProcessingOut(restricted=False, objected=[])
    return ProcessingOut(
        restricted=record.restricted,
        restricted_at=record.restricted_at if record.restricted else None,
        objected=sorted(record.objected),
    )


def _purposes(session: Session, ctx: RightsContext, subject: Subject) -> list[PurposeUseOut]:
    decisions = ctx.policy.evaluate_all(session, subject.id)
    return [
        PurposeUseOut(
            name=name,
            title=purpose.title,
            description=purpose.description,
            legal_basis=purpose.legal_basis.value,
            data_categories=list(purpose.data_categories),
            processing_allowed=decisions[name].allowed,
            reason=decisions[name].reason.value,
        )
        for name, purpose in ctx.policy.purposes.items()
    ]


def _feedback(
    session: Session, ctx: RightsContext, subject: Subject, ids: Sequence[uuid.UUID]
) -> list[FeedbackItemOut]:
    return [
        FeedbackItemOut(
            feedback_id=f.id,
            conversation_id=f.conversation_id,
            message_id=f.message_id,
            rating=f.rating,
            solved=f.solved,
            comment=open_field(
                session,
                ctx.vault,
                subject,
                FieldRef("feedback", "comment", str(f.id)),
                f.comment_ct,
            ),
            created_at=f.created_at,
        )
        for f in repository.feedback_of(session, ids)
    ]


def _returns(
    session: Session, ctx: RightsContext, subject: Subject, ids: Sequence[uuid.UUID]
) -> list[ReturnItemOut]:
    items = []
    for request, _order in repository.returns_of(session, ids):
        ref = FieldRef("return_requests", "reason", str(request.id))
        reason = open_field(session, ctx.vault, subject, ref, request.reason_ct)
        items.append(
            ReturnItemOut(
                reference=request.reference,
                order_number=request.order_number,
                status=request.status,
                reason=reason,
                created_at=request.created_at,
            )
        )
    return items


def export_subject(
    session: Session, ctx: RightsContext, subject_id: uuid.UUID, *, channel: str = "api"
) -> bytes:
    """Everything held about the customer as a ZIP (data.json and index.html); the access
    request is recorded as completed in the same transaction."""
    subject = get_subject_or_raise(session, subject_id)
    refuse_if_erased(session, ctx, subject)
    now = ctx.clock()
    queue.complete_request(
        session, subject.id, ctx.pseudonym(subject.id), "access", channel=channel, now=now
    )
    data = collect_subject_data(session, ctx, subject, now=now)
    _audit(session, ctx, "access", subject.id, channel)
    return build_archive(data, now)


# -- erasure --------------------------------------------------------------------------------


def erase_subject(
    session: Session,
    ctx: RightsContext,
    subject_id: uuid.UUID,
    *,
    reason: str,
    channel: str = "api",
) -> SignedReceipt:
    """Erase the customer: shred their data key (shred ledger: backups too), delete every
    row of theirs and every derived copy, keep a tombstone, return a signed receipt.

    The caller commits, then runs ``db.purge_old_page_versions`` (SQLite's WAL).
    """
    checked = queue.check_note(reason, "reason", required=True)
    assert checked is not None
    subject = get_subject_or_raise(session, subject_id, for_update=True)
    now = ctx.clock()
    pseudonym = ctx.pseudonym(subject.id)
    request = queue.complete_request(
        session,
        subject.id,
        pseudonym,
        "erasure",
        channel=channel,
        now=now,
        details={"reason": checked},
    )
    deleted = repository.delete_subject_rows(session, subject.id)
    shredded = shred(session, ctx.vault, subject.id)
    _audit(session, ctx, "erasure", subject.id, channel)
    repository.detach_requests(session, subject.id)
    repository.delete_subject(session, subject.id)
    deleted["subjects"] = 1
    receipt_id = uuid.uuid4()
    if repository.get_tombstone(session, pseudonym) is None:
        repository.add_tombstone(
            session,
            ErasureTombstone(
                id=uuid.uuid4(),
                subject_pseudonym=pseudonym,
                erased_at=now,
                reason=checked,
                receipt_id=receipt_id,
            ),
        )
    receipt = {
        "version": ERASURE_RECEIPT_VERSION,
        "erasureReceiptID": str(receipt_id),
        "requestID": str(request.id),
        "publicKey": ctx.consents.signer.public_key,
        "piiPrincipalId": pseudonym,
        "erasureTimestamp": int(now.timestamp()),
        "erasedAt": now.isoformat(),
        "reason": checked,
        "channel": channel,
        "dataKeyShredded": shredded,
        "rowsDeleted": dict(sorted(deleted.items())),
        "retained": list(RETAINED),
        "learning": _learning_statement(session, ctx, subject_id, deleted),
        "personalization": {"profileDeleted": deleted.get("profiles", 0) > 0},
    }
    return SignedReceipt.model_validate(ctx.consents.signer.sign(receipt))


def _learning_statement(
    session: Session, ctx: RightsContext, subject_id: uuid.UUID, deleted: dict[str, int]
) -> dict[str, object]:
    """What erasure means for learning: the examples deleted, and whether the model in use
    was trained on any of them (then the next scheduled retraining leaves them out)."""
    active = active_model(session)
    contributor = ctx.audit.subject_pseudonym(subject_id) if ctx.audit else None
    contains = active is not None and contributor in (active.contributors or [])
    return {
        "examplesDeleted": deleted.get("learning_examples", 0),
        "activeModel": active.id if active else None,
        "activeModelContainsYourData": contains,
        "statement": (
            "the model in use was trained on some of your examples; the server replaces it "
            "automatically with one trained without them (within minutes by default)"
            if contains
            else "the model in use contains none of your data"
        ),
    }


def receipt_bytes(receipt: SignedReceipt) -> bytes:
    return canonical_json(receipt.model_dump())


# -- rectification, restriction, objection ------------------------------------------------


def rectify_subject(
    session: Session,
    ctx: RightsContext,
    subject_id: uuid.UUID,
    changes: RectificationIn,
    *,
    channel: str = "api",
) -> ProfileOut:
    """Correct email, phone or name: sealed again, blind indexes recomputed."""
    given = changes.model_dump(exclude_unset=True)
    fields = {k: (v or "").strip() for k, v in given.items() if k in ("email", "phone", "name")}
    if not fields:
        raise InvalidRightsInput("give at least one of email, phone or name")
    subject = get_subject_or_raise(session, subject_id, for_update=True)
    refuse_if_erased(session, ctx, subject)
    for column, value in fields.items():
        replace_identifier(
            session, ctx.vault, subject, column, value or None, phone_region=ctx.phone_region
        )
    queue.complete_request(
        session,
        subject.id,
        ctx.pseudonym(subject.id),
        "rectification",
        channel=channel,
        now=ctx.clock(),
        details={"fields": sorted(fields)},
    )
    _audit(session, ctx, "rectification", subject.id, channel)
    session.flush()
    return profile_out(session, ctx, subject, erased=False)


def restrict_subject(
    session: Session,
    ctx: RightsContext,
    subject_id: uuid.UUID,
    *,
    lift: bool = False,
    channel: str = "api",
) -> ProcessingOut:
    """Restrict (or lift the restriction on) every processing of the customer's data but
    storage; the policy refuses every purpose from the next read."""

    def change(record: ProcessingFlagsRecord, now: datetime) -> None:
        record.restricted = not lift
        record.restricted_at = None if lift else now

    return _change_flags(
        session, ctx, subject_id, "restriction", change, details={"lift": lift}, channel=channel
    )


def object_to_processing(
    session: Session,
    ctx: RightsContext,
    subject_id: uuid.UUID,
    purposes: Sequence[str] | None = None,
    *,
    lift: bool = False,
    channel: str = "api",
) -> ProcessingOut:
    """Object to (or withdraw an objection to) purposes on legitimate interest or public
    task; ``purposes`` None means all of them."""
    names = _objectable(ctx, purposes)

    def change(record: ProcessingFlagsRecord, now: datetime) -> None:
        current = set(record.objected or [])
        record.objected = sorted(current - set(names) if lift else current | set(names))

    details = {"purposes": names, "lift": lift}
    return _change_flags(session, ctx, subject_id, "objection", change, details, channel)


def _change_flags(
    session: Session,
    ctx: RightsContext,
    subject_id: uuid.UUID,
    type_: str,
    change: Callable[[ProcessingFlagsRecord, datetime], None],
    details: dict[str, Any],
    channel: str,
) -> ProcessingOut:
    subject = get_subject_or_raise(session, subject_id, for_update=True)
    refuse_if_erased(session, ctx, subject)
    now = ctx.clock()
    record = repository.get_flags(session, subject.id, create=True)
    assert record is not None
    change(record, now)
    record.updated_at = now
    pseudonym = ctx.pseudonym(subject.id)
    queue.complete_request(
        session, subject.id, pseudonym, type_, channel=channel, now=now, details=details
    )
    _audit(session, ctx, type_, subject.id, channel)
    session.flush()
    return processing_out(record)


def _objectable(ctx: RightsContext, purposes: Sequence[str] | None) -> list[str]:
    if purposes is None:
        names = [n for n, p in ctx.policy.purposes.items() if p.objectable]
        if not names:
            raise InvalidRightsInput("no purpose rests on legitimate interest or public task")
        return names
    if not purposes:
        raise InvalidRightsInput("purposes must name at least one purpose (or be left out)")
    for name in purposes:
        purpose = ctx.policy.purpose(name)  # UnknownPurpose (404) first
        if not purpose.objectable:
            basis = purpose.legal_basis.value.replace("_", " ")
            raise PurposeNotObjectable(
                f"{name} rests on {basis}: only purposes on legitimate interest or public "
                "task can be objected to (withdraw consent instead, where it applies)"
            )
    return sorted(set(purposes))


# -- operators ------------------------------------------------------------------------------


def list_subject_summaries(
    session: Session, ctx: RightsContext, *, with_identifiers: bool = False
) -> list[SubjectSummaryOut]:
    """Every customer by pseudonymous id; identifiers decrypted only when asked."""
    counts = repository.request_counts(session)
    summaries = []
    for subject in repository.list_subjects(session):
        erased = is_erased(session, ctx, subject)
        flags = repository.get_flags(session, subject.id)
        summaries.append(
            SubjectSummaryOut(
                subject_id=subject.id,
                pseudonymous_id=ctx.pseudonym(subject.id),
                status=ERASED if erased else subject.status,
                created_at=subject.created_at,
                conversations=len(repository.conversations_of(session, subject.id)),
                requests=counts.get(subject.id, 0),
                restricted=bool(flags and flags.restricted),
                identifiers=open_identifiers(session, ctx.vault, subject)
                if with_identifiers and not erased
                else None,
            )
        )
    return summaries


def file_request(
    session: Session,
    ctx: RightsContext,
    subject_id: uuid.UUID,
    type_: str,
    *,
    channel: str = "cli",
    details: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Record a request received by other means (letter, email) to handle later."""
    subject = get_subject_or_raise(session, subject_id)
    request = queue.file_request(
        session,
        subject.id,
        ctx.pseudonym(subject.id),
        type_,
        channel=channel,
        now=ctx.clock(),
        details=details,
    )
    return request.id


# -- the customer's credential (/v1/me) -----------------------------------------------------


def authorize_me(session: Session, ctx: RightsContext, token: str | None) -> Subject:
    """The customer whose conversation token this is (401 otherwise)."""
    from confide.conversations.service import authorize_token

    return authorize_token(session, ctx.vault, token)[1]


def check_identity(
    session: Session, ctx: RightsContext, token: str | None, code: str | None
) -> ConfideError | None:
    """None when the token (and, with an email on file, the code) proves who this is; else
    the error to raise once this transaction has committed (a wrong code counts)."""
    subject = authorize_me(session, ctx, token)
    return check_code(session, ctx.vault, subject, code, now=ctx.clock())


def verified_me(
    session: Session, ctx: RightsContext, token: str | None, code: str | None
) -> Subject:
    """The customer, once verified; the one-time code is used up."""
    subject = authorize_me(session, ctx, token)
    consume_code(session, ctx.vault, subject, code, now=ctx.clock())
    return subject


def send_verification(
    session: Session, ctx: RightsContext, token: str | None
) -> VerificationSentOut:
    subject = authorize_me(session, ctx, token)
    refuse_if_erased(session, ctx, subject)
    return send_code(session, ctx.vault, ctx.sender, subject, now=ctx.clock())
