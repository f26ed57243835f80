"""The export archive: everything held about one customer, as machine-readable JSON
(``data.json``) and a human-readable page (``index.html``), in one ZIP file.

``EXPORTED_TABLES`` declares which table each section covers; a test derives the tables
that hold a customer's data from the ORM metadata and fails when one is missing here.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from confide.consent.models import ConsentRecord
from confide.conversations.models import Conversation, Message
from confide.conversations.pseudonyms import load_mapping
from confide.learning.models import LearningExample
from confide.learning.repository import examples_of
from confide.personalization.schemas import ProfileData
from confide.personalization.service import profile_ref
from confide.rights import queue, repository
from confide.rights.schemas import IdentifiersOut
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose, Vault

if TYPE_CHECKING:
    from confide.rights.service import RightsContext

EXPORT_FORMAT = "confide.subject-export"
EXPORT_VERSION = 1

# table -> the data.json section that holds its rows.
EXPORTED_TABLES: dict[str, str] = {
    "subjects": "profile",
    "conversations": "conversations",
    "messages": "conversations",
    "feedback": "feedback",
    "return_requests": "returns",
    "consent_records": "consents",
    "rights_requests": "rights_requests",
    "rights_request_events": "rights_requests",
    "processing_flags": "processing",
    "verification_codes": "verification_codes",
    # A reveal's grant row holds no data of the customer's; the reveal itself, with its
    # reason, is in the access log.
    "reveal_grants": "access_log",
    "learning_examples": "learning",
    # "profile" is the identifiers' section; the personalisation profile has its own.
    "profiles": "personalization",
}


def open_field(
    session: Session, vault: Vault, subject: Subject, ref: FieldRef, blob: bytes | None
) -> str | None:
    """One of the customer's sealed fields, read to answer the customer (service)."""
    if blob is None:
        return None
    return vault.open(session, subject.data_key_id, ref, blob, Purpose.SERVICE)


def open_identifiers(session: Session, vault: Vault, subject: Subject) -> IdentifiersOut:
    values = {
        column: open_field(
            session,
            vault,
            subject,
            FieldRef("subjects", column, str(subject.id)),
            getattr(subject, f"{column}_ct"),
        )
        for column in ("email", "phone", "name", "external_id")
    }
    return IdentifiersOut(**values)


def collect_subject_data(
    session: Session, ctx: RightsContext, subject: Subject, *, now: datetime
) -> dict[str, Any]:
    """The whole export as one JSON-ready dict (the caller has checked erasure)."""
    from confide.rights.service import describe_subject  # one module each way: no cycle

    described = describe_subject(session, ctx, subject.id)
    conversations = repository.conversations_of(session, subject.id)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": now.isoformat(),
        "profile": described.profile.model_dump(mode="json"),
        "purposes": [p.model_dump(mode="json") for p in described.purposes],
        "processing": described.processing.model_dump(mode="json"),
        "conversations": [_conversation(session, ctx.vault, subject, c) for c in conversations],
        "feedback": [f.model_dump(mode="json") for f in described.feedback],
        "returns": _returns(session, [c.id for c in conversations], described.returns),
        "consents": {
            "current": described.consents.model_dump(mode="json"),
            "records": [
                _consent(session, ctx.vault, subject, r)
                for r in repository.consent_history(session, subject.id)
            ],
        },
        "rights_requests": [
            r.model_dump(mode="json")
            for r in queue.list_requests(session, now=now, subject_id=subject.id)
        ],
        "verification_codes": [
            {
                "created_at": c.created_at.isoformat(),
                "expires_at": c.expires_at.isoformat(),
                "used_at": c.used_at.isoformat() if c.used_at else None,
                "attempts": c.attempts,
            }
            for c in repository.codes_of(session, subject.id)
        ],
        # Who did what with the data: staff reads and reveals (by role), consent decisions,
        # rights requests; from the audit log, which names no one.
        "access_log": _access_log(session, ctx, subject),
        # What the assistant may learn from (with consent to improvement), redacted.
        "learning": [
            _learning(session, ctx.vault, subject, e) for e in examples_of(session, subject.id)
        ],
        # The profile kept for personalisation (with consent to it), or null.
        "personalization": _personalization(session, ctx.vault, subject),
    }
    return data


def _personalization(session: Session, vault: Vault, subject: Subject) -> dict[str, Any] | None:
    row = repository.profile_of(session, subject.id)
    if row is None:
        return None
    raw = open_field(session, vault, subject, profile_ref(subject.id), row.data_ct)
    assert raw is not None
    return ProfileData.model_validate_json(raw).model_dump(mode="json")


def _learning(
    session: Session, vault: Vault, subject: Subject, example: LearningExample
) -> dict[str, Any]:
    def text(column: str, blob: bytes | None) -> str | None:
        return open_field(
            session, vault, subject, FieldRef("learning_examples", column, str(example.id)), blob
        )

    return {
        "created_at": example.created_at.isoformat(),
        "kind": example.kind,
        "signal": example.signal,
        "intent": example.intent,
        "status": example.status,
        "text": text("text", example.text_ct),
        "answer": text("answer", example.answer_ct),
    }


def _access_log(session: Session, ctx: RightsContext, subject: Subject) -> list[dict[str, Any]]:
    if ctx.audit is None:
        return []
    return [
        {
            "at": e.at.isoformat(),
            "who": e.actor.split(":", 1)[0],
            "action": e.action,
            "reason": e.reason,
            "outcome": e.outcome,
        }
        for e in ctx.audit.about(session, subject.id, limit=10_000)
    ]


def _conversation(
    session: Session, vault: Vault, subject: Subject, conversation: Conversation
) -> dict[str, Any]:
    ref = FieldRef("conversations", "state", str(conversation.id))
    state = _open_json(session, vault, subject, ref, conversation.state_ct)
    return {
        "conversation_id": str(conversation.id),
        "status": conversation.status,
        "channel": conversation.channel,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
        "message_count": conversation.message_count,
        "messages": [
            _message(session, vault, subject, m)
            for m in repository.messages_of(session, [conversation.id])
        ],
        # Derived data: what the assistant remembered, and the pseudonyms it used.
        "dialogue_state": state,
        "pseudonyms": load_mapping(session, vault, subject, conversation),
    }


def _message(session: Session, vault: Vault, subject: Subject, message: Message) -> dict[str, Any]:
    def text(column: str, blob: bytes | None) -> str | None:
        ref = FieldRef("messages", column, str(message.id))
        return open_field(session, vault, subject, ref, blob)

    return {
        "message_id": str(message.id),
        "seq": message.seq,
        "role": message.role,
        "created_at": message.created_at.isoformat(),
        "text": text("text", message.text_ct),
        "redacted_text": text("redacted", message.redacted_ct),
        "intent": message.intent,
        "confidence": message.confidence,
        "decision": message.decision,
        "citations": message.citations,
    }


def _consent(
    session: Session, vault: Vault, subject: Subject, record: ConsentRecord
) -> dict[str, Any]:
    ref = FieldRef("consent_records", "receipt", str(record.id))
    receipt = _open_json(session, vault, subject, ref, record.receipt_ct)
    return {
        "seq": record.seq,
        "purpose": record.purpose,
        "granted": record.granted,
        "notice_version": record.notice_version,
        "method": record.method,
        "channel": record.channel,
        "decided_at": record.decided_at.isoformat(),
        "signed_receipt": receipt,
    }


def _open_json(
    session: Session, vault: Vault, subject: Subject, ref: FieldRef, blob: bytes | None
) -> Any:
    raw = open_field(session, vault, subject, ref, blob)
    return None if raw is None else json.loads(raw)


def _returns(session: Session, ids: list[Any], described: list[Any]) -> list[dict[str, Any]]:
    orders = {r.reference: o for r, o in repository.returns_of(session, ids)}
    items = []
    for item in described:
        entry = item.model_dump(mode="json")
        order = orders.get(item.reference)
        entry["order"] = (
            {
                "number": order.number,
                "status": order.status,
                "placed_on": order.placed_on.isoformat(),
                "items": order.items,
            }
            if order is not None
            else None
        )
        items.append(entry)
    return items


# -- the archive ----------------------------------------------------------------------------


def build_archive(data: dict[str, Any], now: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in (
            ("data.json", json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)),
            ("index.html", render_html(data)),
        ):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, body.encode("utf-8"))
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return escape(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return escape(str(value))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _personalization_html(profile: dict[str, Any] | None) -> list[str]:
    if profile is None:
        return ["<p>None.</p>"]
    stated = [{"field": k, "value": v} for k, v in profile.items() if k not in ("orders", "issues")]
    return [
        _table(stated, ["field", "value"]),
        "<h3>Orders the assistant remembers</h3>",
        _table(profile["orders"], ["seen_on", "number", "items", "topic"]),
        "<h3>Past questions the assistant remembers</h3>",
        _table(profile["issues"], ["on", "intent", "order", "outcome"]),
    ]


def render_html(data: dict[str, Any]) -> str:
    """The same data as a page a person can read; every value is HTML-escaped."""
    profile = data["profile"]
    identifiers = profile.get("identifiers") or {}
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        "<title>Your data</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .4em}</style>",
        "</head><body>",
        "<h1>What we hold about you</h1>",
        f"<p>Generated {_cell(data['generated_at'])}. The machine-readable copy is "
        "<code>data.json</code> in this archive.</p>",
        "<h2>Profile</h2>",
        _table([{"field": k, "value": v} for k, v in identifiers.items()], ["field", "value"]),
        f"<p>Pseudonymous id: <code>{_cell(profile['pseudonymous_id'])}</code></p>",
        "<h2>Why we use it</h2>",
        _table(data["purposes"], ["title", "legal_basis", "processing_allowed", "description"]),
        "<h2>Restriction and objection</h2>",
        _table([data["processing"]], ["restricted", "restricted_at", "objected"]),
    ]
    for conversation in data["conversations"]:
        parts.append(f"<h2>Conversation {_cell(conversation['created_at'])}</h2>")
        parts.append(
            _table(conversation["messages"], ["seq", "created_at", "role", "text", "redacted_text"])
        )
    parts += [
        "<h2>Feedback</h2>",
        _table(data["feedback"], ["created_at", "rating", "solved", "comment"]),
        "<h2>Returns</h2>",
        _table(data["returns"], ["created_at", "reference", "order_number", "status", "reason"]),
        "<h2>Consent decisions</h2>",
        _table(
            data["consents"]["records"],
            ["decided_at", "purpose", "granted", "method", "channel", "notice_version"],
        ),
        "<h2>Your requests</h2>",
        _table(data["rights_requests"], ["received_at", "type", "status", "due_at", "closed_at"]),
        "<h2>Your profile for personalization</h2>",
        *_personalization_html(data["personalization"]),
        "<h2>What the assistant may learn from</h2>",
        _table(data["learning"], ["created_at", "kind", "intent", "status", "text", "answer"]),
        "<h2>Who did what with your data</h2>",
        _table(data["access_log"], ["at", "who", "action", "reason", "outcome"]),
        "</body></html>",
    ]
    return "\n".join(parts)
