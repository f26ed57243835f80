"""Records of processing activities (GDPR Article 30(1)), generated from what this
deployment is configured to do: its purposes and their legal bases, the data categories each
covers, the retention periods, the recipients, and the security measures in the code.

Nothing here is typed in by hand, so the record changes when the configuration does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from confide.consent.purposes import PurposeSettings
from confide.retention.periods import CATEGORIES, RetentionPeriods

ARTICLE = "GDPR Article 30(1)"

# Who can receive personal data, by role (Article 30(1)(d)); no third party unless a purpose
# names one in its configuration.
RECIPIENTS = {
    "customer": "the customer, through the chat, the privacy center and /v1/me",
    "agent": "support agents, for conversations handed to a person (human_review)",
    "operator": "operators of this deployment (keys, backups, rights requests from the CLI)",
}

# Data subjects and what is stored about them (Article 30(1)(c)); every item is encrypted
# under the customer's own data key unless marked otherwise.
DATA_CATEGORIES = {
    "identifiers": "email address, phone number, name, external customer id (encrypted; "
    "found by keyed blind index)",
    "transcripts": "the customer's messages and the assistant's replies (encrypted)",
    "redacted_copies": "the same messages with personal data replaced by its type (encrypted)",
    "feedback": "ratings and comments on answers (comments encrypted)",
    "orders": "order numbers, items and return requests the customer acts on",
    "consent_records": "consent decisions with notice version, time, method and channel; "
    "signed receipts (encrypted)",
    "rights_requests": "requests under Articles 15-22, their status history and due dates "
    "(kept under a pseudonym after erasure)",
    "audit_entries": "who did what and when, under keyed pseudonyms only (no personal data)",
}

# Technical and organisational security measures (Article 30(1)(g), Article 32).
SECURITY_MEASURES = (
    "AES-256-GCM field encryption under a data key per customer, wrapped by a rotated master "
    "key; associated data binds each value to its table, column and row",
    "crypto-shredding on erasure (the data key is destroyed; a shred ledger keeps restored "
    "backups erased)",
    "encrypted, authenticated backups",
    "TLS with HSTS when served over HTTPS",
    "personal data detected and redacted before logs and before any use that does not need it",
    "purpose checks against consent, restriction and objection on every read beyond service",
    "a hash-chained, keyed audit log with signed checkpoints outside the database",
)


@dataclass(frozen=True)
class Controller:
    name: str
    contact: dict[str, str]


def records_of_processing(
    controller: Controller,
    purposes: Mapping[str, PurposeSettings],
    periods: RetentionPeriods,
    *,
    generated_at: datetime,
    notice_version: int | None,
) -> dict[str, Any]:
    """The records as one JSON-ready document."""
    retention = {
        category: (f"{periods.days(category)} days" if periods.days(category) else "kept")
        for category in CATEGORIES
    }
    activities = [
        {
            "purpose": name,
            "title": purpose.title,
            "description": purpose.description,
            "legal_basis": purpose.legal_basis.value,
            "consent_required": purpose.legal_basis.value == "consent",
            "data_categories": list(purpose.data_categories) or list(DATA_CATEGORIES),
            "data_subjects": "customers who use the chat or the API",
            "recipients": _recipients(name, purpose),
            "third_parties": list(purpose.third_parties),
            "transfers_outside_eea": "none: self-hosted, no outside service is called",
            "sensitive_data": purpose.sensitive,
            "termination": purpose.termination,
        }
        for name, purpose in purposes.items()
    ]
    return {
        "document": f"Records of processing activities ({ARTICLE})",
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "controller": {"name": controller.name, **controller.contact},
        "privacy_notice_version": notice_version,
        "activities": activities,
        "data_categories": DATA_CATEGORIES,
        "retention": retention,
        "recipients": RECIPIENTS,
        "security_measures": list(SECURITY_MEASURES),
    }


def _recipients(name: str, purpose: PurposeSettings) -> list[str]:
    roles = ["customer", "operator"]
    if purpose.requires_handoff or name == "human_review":
        roles.insert(1, "agent")
    return roles + [f"third party: {t}" for t in purpose.third_parties]


def to_markdown(records: Mapping[str, Any]) -> str:
    """The same records as a Markdown document for people."""
    controller = records["controller"]
    lines = [
        f"# {records['document']}",
        "",
        f"Generated {records['generated_at']} from this deployment's configuration; "
        f"privacy notice version {records['privacy_notice_version'] or 'none published'}.",
        "",
        "## Controller",
        "",
        *(f"- {key}: {value}" for key, value in controller.items()),
        "",
        "## Processing activities",
        "",
        "| purpose | legal basis | consent | data categories | recipients |",
        "|---|---|---|---|---|",
    ]
    for activity in records["activities"]:
        lines.append(
            f"| {_cell(activity['title'])} (`{activity['purpose']}`) | "
            f"{activity['legal_basis'].replace('_', ' ')} | "
            f"{'required' if activity['consent_required'] else 'not needed'} | "
            f"{', '.join(activity['data_categories'])} | {', '.join(activity['recipients'])} |"
        )
    lines += ["", "## Data categories", ""]
    lines += [f"- **{name}**: {text}" for name, text in records["data_categories"].items()]
    lines += ["", "## Retention", ""]
    lines += [f"- {name}: {period}" for name, period in records["retention"].items()]
    lines += ["", "## Recipients", ""]
    lines += [f"- {name}: {text}" for name, text in records["recipients"].items()]
    lines += ["", "## Transfers outside the EEA", "", "None: self-hosted.", ""]
    lines += ["## Security measures", ""]
    lines += [f"- {measure}" for measure in records["security_measures"]]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
