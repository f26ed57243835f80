"""Least privilege as one table: which role may do which action. Pure: no database, no web.

Every staff route and every CLI command that touches data names its action here and asks
:func:`require`; the table-driven access test reads this table too, so the rules live in
one place.
"""

from __future__ import annotations

from enum import StrEnum

from confide.errors import ConfideError


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"


class Action(StrEnum):
    # The handoff queue and the conversations in it (masked unless revealed).
    QUEUE_LIST = "queue.list"
    CONVERSATION_CLAIM = "conversation.claim"
    CONVERSATION_READ = "conversation.read"
    CONVERSATION_REVEAL = "conversation.reveal"
    CONVERSATION_REPLY = "conversation.reply"
    CONVERSATION_RELEASE = "conversation.release"
    CONVERSATION_CLOSE = "conversation.close"
    # Any handed-off conversation, not only one's own (supervisors).
    CONVERSATION_ANY = "conversation.any"
    # Oversight.
    AUDIT_READ = "audit.read"
    AUDIT_REPORT = "audit.report"
    ALERTS_READ = "alerts.read"
    RIGHTS_QUEUE = "rights.queue"
    # Carrying out a verified customer's request (export, erasure, ...) on their behalf.
    RIGHTS_FULFIL = "rights.fulfil"
    # Running the system: no transcripts.
    USERS_MANAGE = "users.manage"
    KEYS_MANAGE = "keys.manage"
    CONFIG_MANAGE = "config.manage"
    # Approving what the assistant learns (redacted examples, no transcripts).
    LEARNING_REVIEW = "learning.review"
    # Every staff member: their own account.
    SELF = "self"


_HANDLING = {
    Action.QUEUE_LIST,
    Action.CONVERSATION_CLAIM,
    Action.CONVERSATION_READ,
    Action.CONVERSATION_REVEAL,
    Action.CONVERSATION_REPLY,
    Action.CONVERSATION_RELEASE,
    Action.CONVERSATION_CLOSE,
}
_OVERSIGHT = {Action.AUDIT_READ, Action.AUDIT_REPORT, Action.ALERTS_READ, Action.RIGHTS_QUEUE}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.AGENT: frozenset({*_HANDLING, Action.SELF}),
    Role.SUPERVISOR: frozenset({*_HANDLING, Action.CONVERSATION_ANY, Action.SELF}),
    # Admins see alerts and the self-audit (they fix what it finds) but not the audit log's
    # who-read-whom detail, which is the privacy officer's.
    Role.ADMIN: frozenset(
        {
            Action.USERS_MANAGE,
            Action.KEYS_MANAGE,
            Action.CONFIG_MANAGE,
            Action.LEARNING_REVIEW,
            Action.RIGHTS_QUEUE,
            Action.RIGHTS_FULFIL,
            Action.AUDIT_REPORT,
            Action.ALERTS_READ,
            Action.SELF,
        }
    ),
    Role.AUDITOR: frozenset({*_OVERSIGHT, Action.SELF}),
}


class Forbidden(ConfideError):
    status_code = 403


def can(role: Role | str, action: Action) -> bool:
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def require(role: Role | str, action: Action) -> None:
    """Return if ``role`` may do ``action``; else raise Forbidden (403)."""
    if not can(role, action):
        raise Forbidden(f"the {role} role may not do {action.value}")


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidRole(f"there is no role {value!r} (roles: {roles})") from None


class InvalidRole(ConfideError):
    status_code = 422
