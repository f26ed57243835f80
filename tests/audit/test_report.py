"""The self-audit report: every check passes on a fresh installation, and each one fails,
naming what is wrong but never a customer's data, when its rule is broken."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from confide.audit import report
from confide.audit.models import AuditEntry
from confide.audit.report import (
    CHECKS,
    AuditContext,
    CheckResult,
    SelfAuditOptions,
    SelfAuditReport,
    run_self_audit,
)
from confide.config import Settings
from confide.consent.purposes import LegalBasis, PurposeSettings
from confide.keys import service as keys_service
from confide.orders.models import Order
from confide.pii import redact
from confide.pii_config import configured_analyzer
from confide.policy.service import Policy
from confide.rights import queue
from confide.rights.flags import read_flags
from confide.runtime import Runtime, build_runtime
from confide.staff.models import StaffUser
from tests.conftest import Chat
from tests.consent.helpers import decide, subject_id
from tests.retention.test_retention import age

NAMES = [name for name, _ in CHECKS]
PII = "jane.doe@example.com"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timed(runtime: Runtime, settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    """A second runtime on the same data, whose "now" the test moves."""
    built = build_runtime(settings, clock=clock, with_assistant=False)
    try:
        yield built
    finally:
        built.close()


def audit(runtime: Runtime, **options: int) -> SelfAuditReport:
    return run_self_audit(runtime, actor="system", options=SelfAuditOptions(**options))


def check(report: SelfAuditReport, name: str) -> tuple[bool, str]:
    found = next(c for c in report.checks if c.name == name)
    return found.ok, found.detail


def failed_only(report: SelfAuditReport, name: str) -> str:
    """The detail of ``name``, which must be the one check that failed."""
    assert report.failed == [name], report.as_dict()
    assert report.ok is False
    return check(report, name)[1]


def last_report_entry(runtime: Runtime) -> AuditEntry:
    with runtime.work() as session:
        query = select(AuditEntry).where(AuditEntry.action == "audit.report")
        entry = session.scalars(query.order_by(AuditEntry.seq.desc()).limit(1)).one()
    return entry


def test_a_fresh_installation_passes_every_check_and_the_run_is_audited(
    runtime: Runtime,
) -> None:
    report = audit(runtime)
    assert (
        [c.name for c in report.checks]
        == NAMES
        == [
            "audit_chain",
            "master_key_age",
            "retired_keys_unreferenced",
            "no_plaintext_pii_sample",
            "legal_basis",
            "rights_requests_overdue",
            "retention_backlog",
            "dormant_staff",
        ]
    )
    assert report.ok is True, report.failed + [c.detail for c in report.checks if not c.ok]
    data = report.as_dict()
    assert set(data) == {"ok", "checks", "at"}
    assert all(set(c) == {"name", "ok", "detail"} for c in data["checks"])
    entry = last_report_entry(runtime)
    assert (entry.actor, entry.outcome, entry.reason) == ("system", "ok", None)


def test_an_altered_audit_entry_fails_audit_chain_and_the_entry_names_it(
    runtime: Runtime,
) -> None:
    with runtime.work() as session:
        runtime.audit.record(session, "test.one", actor="system")
        runtime.audit.record(session, "test.two", actor="system")
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'someone' WHERE seq = 1"))
    detail = failed_only(audit(runtime), "audit_chain")
    assert detail.startswith("entry 1 does not match its hash")
    entry = last_report_entry(runtime)
    assert (entry.outcome, entry.reason) == ("failed", "check.audit_chain")


def test_a_master_key_older_than_the_rotation_period_fails_until_rotated(
    timed: Runtime, clock: FakeClock
) -> None:
    clock.advance(days=89)
    assert check(audit(timed), "master_key_age")[0] is True
    clock.advance(days=2)
    detail = failed_only(audit(timed), "master_key_age")
    assert "is 91 days old, past the rotation period of 90 days" in detail
    keys_service.rotate_master_key(timed.keyring)
    ok, detail = check(audit(timed), "master_key_age")
    assert ok is True and "is 0 days old (rotation period 90 days)" in detail


def test_with_rotation_off_any_key_age_passes(timed: Runtime, clock: FakeClock) -> None:
    timed.settings = timed.settings.model_copy(update={"key_rotation_days": 0})
    clock.advance(days=400)
    ok, detail = check(audit(timed), "master_key_age")
    assert ok is True and "rotation is off" in detail


def test_a_data_key_under_a_retired_master_version_fails(runtime: Runtime) -> None:
    old = runtime.keyring.active.id
    keys_service.rotate_master_key(runtime.keyring)
    keys_service.rewrap_data_keys(runtime.sessions, runtime.keyring)
    with runtime.work() as session:
        keys_service.retire_master_key(session, runtime.keyring, old)
    ok, detail = check(audit(runtime), "retired_keys_unreferenced")
    assert ok is True and "(1 retired)" in detail
    with runtime.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO data_keys (id, master_version, wrapped, created_at) "
                "VALUES ('dk-stranded', :old, :blob, :at)"
            ),
            {"old": old, "blob": b"\x00" * 40, "at": datetime.now(UTC)},
        )
    detail = failed_only(audit(runtime), "retired_keys_unreferenced")
    assert detail.startswith("1 data keys are wrapped under retired or unknown")
    assert f"{old} (1)" in detail


def test_plaintext_personal_data_fails_naming_the_column_and_type_never_the_value(
    runtime: Runtime,
) -> None:
    with runtime.engine.begin() as conn:
        number = conn.execute(text("SELECT number FROM orders ORDER BY number")).scalars().first()
        conn.execute(
            text("UPDATE orders SET carrier = :pii WHERE number = :n"), {"pii": PII, "n": number}
        )
    report = audit(runtime)
    detail = failed_only(report, "no_plaintext_pii_sample")
    assert "orders.carrier: EMAIL_ADDRESS in 1 rows" in detail
    assert "jane" not in str(report.as_dict()) and "example.com" not in str(report.as_dict())
    entry = last_report_entry(runtime)
    assert (entry.outcome, entry.reason) == ("failed", "check.no_plaintext_pii_sample")


def test_json_columns_are_read_and_an_allowance_covers_only_its_entity_types(
    runtime: Runtime,
) -> None:
    with runtime.work() as session:
        first, second = session.scalars(select(Order).order_by(Order.number).limit(2))
        first.items = [{"name": "Mug", "buyer": PII}]
        second.number = "ada@example.com"  # an order number column, but not an order number
    detail = failed_only(audit(runtime), "no_plaintext_pii_sample")
    assert "orders.items: EMAIL_ADDRESS in 1 rows" in detail
    assert "orders.number: EMAIL_ADDRESS in 1 rows" in detail
    assert "ORDER_NUMBER" not in detail  # the store's own order numbers are allowed


@pytest.mark.parametrize(
    ("value", "texts"),
    [
        # keys and JSON punctuation are not read, each string and number is, on its own
        ('[{"name": "Merino jumper", "qty": 2}]', ["Merino jumper", "2"]),
        ([{"name": "Merino jumper", "qty": 2, "gift": True}], ["Merino jumper", "2"]),
        ({"a": {"b": ["x", None]}}, ["x"]),
        ("[not json", ["[not json"]),
        ("plain text", ["plain text"]),
        (None, []),
        # at most MAX_VALUE_CHARS characters in all
        (["a" * report.MAX_VALUE_CHARS, "b"], ["a" * report.MAX_VALUE_CHARS]),
    ],
)
def test_a_value_is_read_as_the_texts_it_holds(value: object, texts: list[str]) -> None:
    assert report._as_texts(value) == texts


def test_company_content_may_name_the_company_contact_details(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET body = body || ' Write to help@example.com.'"))
    assert check(audit(runtime), "no_plaintext_pii_sample")[0] is True


def test_the_sample_reads_at_most_the_configured_rows_per_table(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE orders SET carrier = :pii"), {"pii": PII})
    detail = failed_only(audit(runtime, sample_rows=3), "no_plaintext_pii_sample")
    assert "orders.carrier: EMAIL_ADDRESS in 3 rows" in detail


def _consenting_customer(client: TestClient) -> Chat:
    chat = Chat(client)
    decide(chat, "personalization", True)
    return chat


def test_a_consent_grant_without_its_signed_receipt_fails_legal_basis(
    runtime: Runtime, client: TestClient
) -> None:
    _consenting_customer(client)
    ok, detail = check(audit(runtime), "legal_basis")
    assert ok is True and "1 consents in force, each with a signed receipt" in detail
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE consent_records SET receipt_ct = NULL"))
    detail = failed_only(audit(runtime), "legal_basis")
    assert detail == "1 consent grants for personalization have no signed receipt"


def test_consent_in_force_for_a_purpose_moved_off_consent_fails_legal_basis(
    runtime: Runtime, client: TestClient
) -> None:
    _consenting_customer(client)
    purposes = dict(runtime.settings.purposes)
    purposes["personalization"] = purposes["personalization"].model_copy(
        update={"legal_basis": LegalBasis.LEGITIMATE_INTEREST}
    )
    runtime.policy = Policy(purposes, flags=read_flags)
    detail = failed_only(audit(runtime), "legal_basis")
    assert detail == (
        "1 customers' consent to personalization is in force, but personalization is now "
        "declared on legitimate_interest"
    )


def test_a_purpose_without_a_legal_basis_fails(runtime: Runtime) -> None:
    purposes = dict(runtime.settings.purposes)
    purposes["profiling"] = PurposeSettings.model_construct(
        title="Profiling", description="Built without validation", legal_basis=None
    )
    runtime.policy = Policy(purposes, flags=read_flags)
    detail = failed_only(audit(runtime), "legal_basis")
    assert detail == "purpose profiling has no valid legal basis"


def test_a_rights_request_open_past_its_month_fails_with_the_count(
    timed: Runtime, clock: FakeClock, client: TestClient
) -> None:
    chat = Chat(client)
    with timed.work() as session:
        for type_ in ("access", "erasure"):
            queue.file_request(
                session, subject_id(chat), "s-test", type_, channel="api", now=clock()
            )
    clock.advance(days=27)
    ok, detail = check(audit(timed), "rights_requests_overdue")
    assert ok is True and detail == "2 open rights requests, none past its deadline"
    clock.advance(days=5)  # one month after receipt has passed (27 + 5 > 31)
    detail = failed_only(audit(timed), "rights_requests_overdue")
    assert detail.startswith("2 open rights requests are past their deadline")
    assert detail.endswith(": access 1, erasure 1")


def test_data_past_its_retention_period_beyond_the_grace_period_fails(
    runtime: Runtime, client: TestClient
) -> None:
    chat = Chat(client)
    chat.say("How long do refunds take?")
    age(runtime, chat, 95, what="conversation")  # 5 days past 90: within the 7-day grace
    ok, detail = check(audit(runtime), "retention_backlog")
    assert ok is True and detail == "nothing is more than 7 days past its retention period"
    age(runtime, chat, 5, what="conversation")  # 10 days past
    detail = failed_only(audit(runtime), "retention_backlog")
    assert detail == (
        "more than 7 days past the retention period, not deleted: "
        "transcripts: 1 conversations, 3 messages"
    )
    assert check(audit(runtime, retention_grace_days=30), "retention_backlog")[0] is True


def _staff(runtime: Runtime, **fields: object) -> StaffUser:
    user = StaffUser(
        id=uuid.uuid4(),
        name=f"agent-{uuid.uuid4().hex[:6]}",
        role="agent",
        password_hash="not-a-real-hash",
        **fields,
    )
    with runtime.work() as session:
        session.add(user)
    return user


def test_an_enabled_staff_account_without_a_login_for_90_days_is_dormant(
    runtime: Runtime,
) -> None:
    now = datetime.now(UTC)
    _staff(runtime, last_login_at=now - timedelta(days=3))
    _staff(runtime, created_at=now - timedelta(days=5))  # new, never logged in yet
    _staff(runtime, disabled=True, last_login_at=now - timedelta(days=200))
    ok, detail = check(audit(runtime), "dormant_staff")
    assert ok is True and detail == "every enabled staff account has logged in within 90 days"
    idle = _staff(runtime, last_login_at=now - timedelta(days=91))
    never = _staff(runtime, created_at=now - timedelta(days=120))
    detail = failed_only(audit(runtime), "dormant_staff")
    assert detail.startswith("2 enabled staff accounts without a login for more than 90 days")
    assert never.actor in detail and idle.actor in detail
    assert idle.name not in detail
    assert check(audit(runtime, dormant_days=200), "dormant_staff")[0] is True


def test_a_check_that_raises_fails_naming_only_the_error_type(runtime: Runtime) -> None:
    def broken(context: AuditContext) -> tuple[bool, str]:
        raise ValueError(PII)

    report = run_self_audit(runtime, actor="system", checks=[("broken", broken), *CHECKS[:1]])
    assert report.checks[0].as_dict() == {
        "name": "broken",
        "ok": False,
        "detail": "the check could not run: ValueError",
    }
    assert report.failed == ["broken"]


def test_the_names_of_failed_checks_come_through_the_reason_redactor_intact() -> None:
    analyzer = configured_analyzer(Settings())
    now = datetime.now(UTC)
    for size in range(1, len(NAMES) + 1):
        for failed in itertools.combinations(NAMES, size):
            checks = [CheckResult(name, name not in failed, "") for name in NAMES]
            reason = SelfAuditReport(checks, now).audit_reason
            assert reason == ", ".join(f"check.{name}" for name in failed)
            assert redact(reason, analyzer.analyze(reason)) == reason
