"""The self-audit (``confide audit report``, and the server every ``CONFIDE_SELF_AUDIT_SECONDS``):
a list of checks, each ``{name, ok, detail}``, that a privacy officer would otherwise do by
hand. Details name tables, columns, versions, purposes and counts, never personal data.

Each run is itself an audit entry (``audit.report``; the reason names the failed checks).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from confide.audit import report_repository as queries
from confide.consent.purposes import LegalBasis
from confide.keys import repository as keys_repository
from confide.keys.service import age_days, rotation_due
from confide.retention.periods import RetentionPeriods
from confide.retention.service import run_retention
from confide.rights import repository as rights_repository

if TYPE_CHECKING:
    from confide.config import Settings
    from confide.runtime import Runtime

__all__ = [
    "CHECKS",
    "CLEAR_TEXT_ALLOWED",
    "AuditContext",
    "CheckResult",
    "SelfAuditOptions",
    "SelfAuditReport",
    "run_self_audit",
]

AUDIT_ACTION = "audit.report"
# A value is analysed up to this many characters, so one huge value cannot stall the run.
MAX_VALUE_CHARS = 5000


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class SelfAuditReport:
    checks: list[CheckResult]
    at: datetime

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]

    @property
    def audit_reason(self) -> str | None:
        """The failed checks, for the audit entry: "check.<name>, ..." (None when all pass).

        Reasons pass through the PII redactor, whose name recognizer takes a bare list of
        snake_case words for a name or a place; written so, the names come through intact.
        """
        return ", ".join(f"check.{name}" for name in self.failed) or None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [c.as_dict() for c in self.checks],
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SelfAuditOptions:
    sample_rows: int = 200
    retention_grace_days: int = 7
    dormant_days: int = 90

    @classmethod
    def from_settings(cls, settings: Settings) -> SelfAuditOptions:
        return cls(
            sample_rows=settings.self_audit_sample_rows,
            retention_grace_days=settings.self_audit_retention_grace_days,
            dormant_days=settings.staff_dormant_days,
        )


@dataclass(frozen=True, slots=True)
class AuditContext:
    """What every check is given: the runtime, the moment of the run and the options."""

    runtime: Runtime
    now: datetime
    options: SelfAuditOptions


Check = Callable[[AuditContext], tuple[bool, str]]


def run_self_audit(
    runtime: Runtime,
    *,
    actor: str,
    options: SelfAuditOptions | None = None,
    checks: Sequence[tuple[str, Check]] | None = None,
) -> SelfAuditReport:
    """Run every check (one that raises fails, naming only the exception's type) and record
    the outcome as an ``audit.report`` entry by ``actor``. ``checks`` defaults to CHECKS."""
    context = AuditContext(
        runtime, runtime.clock(), options or SelfAuditOptions.from_settings(runtime.settings)
    )
    results = [_run(name, check, context) for name, check in checks or CHECKS]
    report = SelfAuditReport(results, context.now)
    with runtime.work() as session:
        runtime.audit.record(
            session,
            AUDIT_ACTION,
            actor=actor,
            reason=report.audit_reason,
            outcome="ok" if report.ok else "failed",
        )
    return report


def _run(name: str, check: Check, context: AuditContext) -> CheckResult:
    try:
        ok, detail = check(context)
    except Exception as exc:  # one broken check must not hide the others
        # The message may quote data (a database error quotes its parameters): type only.
        return CheckResult(name, False, f"the check could not run: {type(exc).__name__}")
    return CheckResult(name, ok, detail)


# -- 1. the audit chain ---------------------------------------------------------------------


def check_audit_chain(context: AuditContext) -> tuple[bool, str]:
    with context.runtime.work() as session:
        result = context.runtime.audit.verify(session)
    return result.ok, f"{result.detail} ({result.checkpoints} signed checkpoints)"


# -- 2, 3. master keys ----------------------------------------------------------------------


def check_master_key_age(context: AuditContext) -> tuple[bool, str]:
    keyring = context.runtime.keyring
    keyring.refresh()  # another process may have rotated
    period = context.runtime.settings.key_rotation_days
    active = keyring.active
    age = f"the active master key {active.id} is {age_days(active, context.now):.0f} days old"
    if period <= 0:
        return True, f"{age}; rotation is off (CONFIDE_KEY_ROTATION_DAYS=0)"
    if rotation_due(keyring, period, context.now):
        return False, f"{age}, past the rotation period of {period} days: run `confide keys rotate`"
    return True, f"{age} (rotation period {period} days)"


def check_retired_keys_unreferenced(context: AuditContext) -> tuple[bool, str]:
    keyring = context.runtime.keyring
    keyring.refresh()
    with context.runtime.work() as session:
        counts = keys_repository.count_live_keys_by_version(session)
    stranded = {}
    for version_id, count in sorted(counts.items()):
        version = keyring.get_version(version_id)
        if version is None or version.state == "retired":
            stranded[version_id] = count
    if stranded:
        where = ", ".join(f"{v} ({n})" for v, n in stranded.items())
        return False, (
            f"{sum(stranded.values())} data keys are wrapped under retired or unknown master "
            f"key versions and cannot be decrypted: {where}"
        )
    retired = sum(1 for v in keyring.versions if v.state == "retired")
    return True, f"no data key is wrapped under a retired version ({retired} retired)"


# -- 4. plaintext personal data in the raw database -----------------------------------------


@dataclass(frozen=True, slots=True)
class ClearTextAllowance:
    """A column allowed to hold what the PII engine finds: ``entities`` (None: any type)."""

    why: str
    entities: frozenset[str] | None = None


_COMPANY_CONTENT = (
    "company content the operator publishes (knowledge-base articles may name the "
    "company's own support address or phone); no customer writes here"
)
_NOTICE = "the privacy notice must name the controller and its contact details (GDPR Art. 13)"
_ORDER_REF = frozenset({"ORDER_NUMBER"})

# Columns allowed to hold personal data in the clear, each with the reason. Everything else
# is scanned; a new column that holds company content belongs here, with its reason.
CLEAR_TEXT_ALLOWED: dict[str, ClearTextAllowance] = {
    "articles.id": ClearTextAllowance(_COMPANY_CONTENT),
    "articles.title": ClearTextAllowance(_COMPANY_CONTENT),
    "articles.body": ClearTextAllowance(_COMPANY_CONTENT),
    "articles.tags": ClearTextAllowance(_COMPANY_CONTENT),
    "articles.questions": ClearTextAllowance(_COMPANY_CONTENT),
    "privacy_notices.title": ClearTextAllowance(_NOTICE),
    "privacy_notices.summary": ClearTextAllowance(_NOTICE),
    "privacy_notices.body": ClearTextAllowance(_NOTICE),
    "privacy_notices.controller": ClearTextAllowance(_NOTICE),
    "app_settings.value": ClearTextAllowance("operator settings such as the company's name"),
    "staff_users.name": ClearTextAllowance(
        "staff login handles: the operator's own staff sign in with them; not customer data"
    ),
    # Order numbers are the store's references (the orders table holds no customer identity);
    # anything else found in these columns still fails.
    "orders.number": ClearTextAllowance("the store's own order references", _ORDER_REF),
    "return_requests.order_number": ClearTextAllowance("a reference to orders", _ORDER_REF),
}

# Machine-made values: keyed digests, pseudonyms, random references, password hashes. They
# cannot hold what a customer wrote, and their random characters trip the recognizers by
# chance (measured: about 1 in 150 return references reads as an address or phone number,
# 1 in 750 Argon2 hashes as a name), so scanning them would only raise false alarms.
MACHINE_MADE: frozenset[str] = frozenset(
    {
        "alembic_version.version_num",
        "audit_entries.subject",
        "audit_entries.prev_hash",
        "audit_entries.entry_hash",
        "audit_head.entry_hash",
        "conversations.token_hash",
        "data_keys.id",
        "data_keys.master_version",
        "erasure_tombstones.subject_pseudonym",
        "privacy_notices.sha256",
        "return_requests.reference",
        "rights_requests.subject_pseudonym",
        "staff_tokens.token_hash",
        "staff_users.password_hash",
        "subjects.data_key_id",
        "subjects.email_index",
        "subjects.external_id_index",
        "subjects.phone_index",
        "verification_codes.code_hash",
    }
)


def _as_texts(value: Any) -> list[str]:
    """The texts a column value holds: a string, or each string and number inside a JSON
    value, which SQLite returns as JSON text and PostgreSQL's driver decodes (so both
    databases are judged alike). JSON's keys and punctuation are no one's writing and would
    only mislead the engine ("name": "Merino crew-neck jumper" reads like a name)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    texts: list[str] = []
    _leaves(value, texts)
    budget, kept = MAX_VALUE_CHARS, []
    for text in texts:
        if budget <= 0:
            break
        kept.append(text[:budget])
        budget -= len(text)
    return kept


def _leaves(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _leaves(item, out)
    elif isinstance(value, list | tuple):
        for item in value:
            _leaves(item, out)
    elif isinstance(value, str):
        if value:
            out.append(value)
    elif value is not None and not isinstance(value, bool):
        out.append(str(value))


def _scanned_columns(columns: list[str], table_name: str) -> list[str]:
    names = []
    for name in columns:
        qualified = f"{table_name}.{name}"
        allowance = CLEAR_TEXT_ALLOWED.get(qualified)
        if qualified in MACHINE_MADE or (allowance is not None and allowance.entities is None):
            continue
        names.append(name)
    return names


def _entities(context: AuditContext, qualified: str, value: Any) -> set[str]:
    allowance = CLEAR_TEXT_ALLOWED.get(qualified)
    allowed = allowance.entities if allowance and allowance.entities else frozenset()
    analyze = context.runtime.analyzer.analyze
    return {f.entity_type for text in _as_texts(value) for f in analyze(text)} - allowed


Findings = dict[str, Counter[str]]  # "table.column" -> entity type -> rows


def _scan_table(context: AuditContext, table_name: str, columns: list[str]) -> tuple[Findings, int]:
    """What the PII engine finds in a sample of the table's rows, and how many values it read.

    The rows are read in a short transaction of their own and analysed after it ends: on
    SQLite a read transaction here holds the database's one connection (and write lock), and
    the analysis may take a while."""
    with context.runtime.engine.connect() as connection:
        rows = queries.sample_rows(connection, table_name, columns, context.options.sample_rows)
    findings: Findings = {}
    values = 0
    for row in rows:
        for name, value in zip(columns, row, strict=True):
            values += value is not None
            for entity in _entities(context, f"{table_name}.{name}", value):
                findings.setdefault(f"{table_name}.{name}", Counter())[entity] += 1
    return findings, values


def check_no_plaintext_pii_sample(context: AuditContext) -> tuple[bool, str]:
    with context.runtime.engine.connect() as connection:
        tables = queries.text_columns(connection)
    findings: Findings = {}
    values = 0
    for table_name, all_columns in tables.items():
        columns = _scanned_columns(all_columns, table_name)
        if columns:
            found, read = _scan_table(context, table_name, columns)
            findings.update(found)
            values += read
    scope = f"{values} values sampled from {len(tables)} tables"
    if not findings:
        return True, f"no personal data found in plaintext ({scope})"
    where = "; ".join(
        f"{column_name}: " + ", ".join(f"{e} in {n} rows" for e, n in sorted(counts.items()))
        for column_name, counts in sorted(findings.items())
    )
    return False, f"personal data in plaintext columns ({scope}): {where}"


# -- 5. legal basis -------------------------------------------------------------------------


def check_legal_basis(context: AuditContext) -> tuple[bool, str]:
    purposes = context.runtime.policy.purposes
    problems = [
        f"purpose {name} has no valid legal basis"
        for name, purpose in purposes.items()
        if not isinstance(purpose.legal_basis, LegalBasis)
    ]
    with context.runtime.work() as session:
        in_force = queries.grants_in_force(session)
        unreceipted = queries.grants_without_receipt(session)
    for name, count in sorted(in_force.items()):
        purpose = purposes.get(name)
        # A purpose no longer declared cannot be processed at all (the policy refuses it).
        if purpose is not None and not purpose.consent_based:
            # Consent once collected cannot be swapped for another basis (EDPB 05/2020 §121-123).
            problems.append(
                f"{count} customers' consent to {name} is in force, but {name} is now "
                f"declared on {purpose.legal_basis}"
            )
    problems += [
        f"{count} consent grants for {name} have no signed receipt"
        for name, count in sorted(unreceipted.items())
    ]
    if problems:
        return False, "; ".join(problems)
    consent_based = sum(1 for p in purposes.values() if p.consent_based)
    return True, (
        f"{len(purposes)} purposes each have a legal basis ({consent_based} on consent); "
        f"{sum(in_force.values())} consents in force, each with a signed receipt"
    )


# -- 6. rights requests ---------------------------------------------------------------------


def check_rights_requests_overdue(context: AuditContext) -> tuple[bool, str]:
    now = context.now.astimezone(UTC)
    with context.runtime.work() as session:
        overdue = rights_repository.list_requests(session, overdue_at=now)
        open_count = len(rights_repository.list_requests(session, open_only=True))
    if not overdue:
        return True, f"{open_count} open rights requests, none past its deadline"
    by_type = Counter(r.type for r in overdue)
    kinds = ", ".join(f"{t} {n}" for t, n in sorted(by_type.items()))
    return False, (
        f"{len(overdue)} open rights requests are past their deadline (one month from receipt, "
        f"GDPR Art. 12(3), or as extended): {kinds}"
    )


# -- 7. retention backlog -------------------------------------------------------------------


def check_retention_backlog(context: AuditContext) -> tuple[bool, str]:
    grace = context.options.retention_grace_days
    runtime = context.runtime
    # A dry run at "now minus the grace period" counts what expired more than `grace` ago.
    report = run_retention(
        runtime.sessions,
        RetentionPeriods.from_settings(runtime.settings),
        context.now - timedelta(days=grace),
        dry_run=True,
        audit=runtime.audit,
    )
    backlog = {
        name: {what: n for what, n in category.counts.items() if n}
        for name, category in report.categories.items()
    }
    backlog = {name: counts for name, counts in backlog.items() if counts}
    if not backlog:
        return True, f"nothing is more than {grace} days past its retention period"
    where = "; ".join(
        f"{name}: " + ", ".join(f"{n} {what}" for what, n in counts.items())
        for name, counts in backlog.items()
    )
    return False, f"more than {grace} days past the retention period, not deleted: {where}"


# -- 8. dormant staff -----------------------------------------------------------------------


def check_dormant_staff(context: AuditContext) -> tuple[bool, str]:
    days = context.options.dormant_days
    cutoff = (context.now - timedelta(days=days)).astimezone(UTC)
    with context.runtime.work() as session:
        dormant = [user.actor for user in queries.dormant_staff(session, cutoff)]
    if not dormant:
        return True, f"every enabled staff account has logged in within {days} days"
    return False, (
        f"{len(dormant)} enabled staff accounts without a login for more than {days} days "
        f"(disable them with `confide users disable`): {', '.join(dormant)}"
    )


CHECKS: tuple[tuple[str, Check], ...] = (
    ("audit_chain", check_audit_chain),
    ("master_key_age", check_master_key_age),
    ("retired_keys_unreferenced", check_retired_keys_unreferenced),
    ("no_plaintext_pii_sample", check_no_plaintext_pii_sample),
    ("legal_basis", check_legal_basis),
    ("rights_requests_overdue", check_rights_requests_overdue),
    ("retention_backlog", check_retention_backlog),
    ("dormant_staff", check_dormant_staff),
)
