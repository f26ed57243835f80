"""What the server and the CLI build once: engine, keyring, vault, the loaded assistant."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from confide.alerts.rules import AlertRules
from confide.alerts.service import AlertMonitor
from confide.audit import AuditLog
from confide.config import Settings
from confide.consent.service import Consents
from confide.conversations.service import MessageRules
from confide.crypto import Keyring, KeyringError, LocalKeyProvider, Passphrase
from confide.db import make_engine, make_session_factory, unit_of_work
from confide.db import utcnow as utc_now
from confide.db_settings import DEFAULT_COMPANY, get_setting
from confide.dialogue import Assistant, DialogueOptions, default_actions
from confide.dialogue.engine import Knowledge
from confide.errors import ConfideError, NotReady
from confide.handoffs.service import HandoffContext
from confide.intents.service import load_model
from confide.knowledge.hybrid import HybridKnowledge
from confide.knowledge.retrieval import KnowledgeIndex
from confide.knowledge.service import (
    intent_article_choices,
    intent_article_map,
    list_articles,
)
from confide.learning.service import Learner, LearningContext
from confide.migrate import upgrade_database
from confide.monitoring import Metrics
from confide.personalization.service import PersonalizationContext, Personalizer
from confide.pii import PiiAnalyzer, redact
from confide.pii_config import configured_analyzer
from confide.policy.service import Policy
from confide.rights.flags import read_flags
from confide.rights.service import RightsContext
from confide.rights.verification import OutboxSender
from confide.staff.passwords import Passwords
from confide.staff.service import StaffContext, StaffPolicy
from confide.staff.throttle import LoginThrottle
from confide.subjects.models import Subject
from confide.vault import Vault
from confide.vault.keycheck import check_keys_open_data_keys, refuse_new_keyring_over_data_keys

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class SetupError(ConfideError):
    status_code = 500


def open_keyring(settings: Settings, *, create: bool = False, clock: Clock = utc_now) -> Keyring:
    """The master key: from ``CONFIDE_MASTER_KEY`` if set, else the data directory's keyring."""
    if settings.master_key is not None:
        return Keyring.from_master_key(settings.master_key.get_secret_value(), clock=clock)
    path = settings.keyring_path
    if not path.exists():
        if not create:
            raise SetupError(
                f"no keyring in {settings.data_dir}: run `confide init` first "
                "(or set CONFIDE_MASTER_KEY)"
            )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return Keyring.create(path, clock=clock, passphrase=keyring_passphrase(settings))
    passphrase = keyring_passphrase(settings)
    keyring = Keyring.load(path, clock=clock, passphrase=passphrase)
    if passphrase is not None and not keyring.passphrase_protected:
        log.warning(
            "keyring file %s is not passphrase-protected; CONFIDE_KEYRING_PASSPHRASE "
            "does not apply to it",
            path,
        )
    return keyring


def keyring_passphrase(settings: Settings) -> Passphrase | None:
    """``CONFIDE_KEYRING_PASSPHRASE``, if set (an empty one is a KeyringError)."""
    if settings.keyring_passphrase is None:
        return None
    return Passphrase(settings.keyring_passphrase.get_secret_value())


def keyring_location(settings: Settings) -> str:
    """Where the master key comes from, for messages."""
    if settings.master_key is not None:
        return "CONFIDE_MASTER_KEY"
    return f"the keyring file {settings.keyring_path}"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: Keyring
    assistant: Assistant | None = None
    company_name: str = DEFAULT_COMPANY
    # What "now" is for key ages and rotation; tests pass a fake one.
    clock: Clock = utc_now
    vault: Vault = field(init=False)
    rules: MessageRules = field(init=False)
    analyzer: PiiAnalyzer = field(init=False)
    policy: Policy = field(init=False)
    consents: Consents = field(init=False)
    rights: RightsContext = field(init=False)
    audit: AuditLog = field(init=False)
    metrics: Metrics = field(init=False)
    staff: StaffContext = field(init=False)
    handoffs: HandoffContext = field(init=False)
    login_throttle: LoginThrottle = field(init=False)
    alerts: AlertMonitor = field(init=False)
    learning: LearningContext = field(init=False)
    learner: Learner = field(init=False)
    personalizer: Personalizer = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = Metrics(self.work)
        self.analyzer = configured_analyzer(self.settings)
        analyze = self.analyzer.analyze

        def redact_text(text: str) -> str:
            return redact(text, analyze(text))

        self.audit = AuditLog(
            self.keyring,
            self.settings.audit_dir,
            redact=redact_text,
            clock=self.clock,
        )
        # Restriction and objection (confide.rights) are read on every policy decision.
        self.policy = Policy(self.settings.purposes, flags=read_flags)
        self.vault = Vault(
            self.keyring,
            ledger_dir=self.settings.data_dir,
            guard=self.policy.guard_data_key,
            on_open=self.metrics.count_decrypt,
        )
        self.learning = LearningContext(
            self.vault, self.policy, self.audit, self.clock, redact_text
        )
        self.learner = Learner(self.learning)
        self.personalizer = Personalizer(
            PersonalizationContext(self.vault, self.policy, self.audit, self.clock)
        )
        self.consents = Consents(
            self.vault,
            self.policy,
            self.settings.privacy,
            clock=self.clock,
            audit=self.audit,
            on_change=self.metrics.count_consent,
            on_withdraw=self._after_withdrawal,
        )
        self.rights = RightsContext(
            self.vault,
            self.consents,
            self.policy,
            # Development delivery of one-time codes; production plugs in a real sender.
            OutboxSender(self.settings.data_dir / "outbox"),
            clock=self.clock,
            phone_region=self.settings.default_phone_region,
            audit=self.audit,
        )
        self.rules = MessageRules(
            redact=redact_text,
            max_message_chars=self.settings.max_message_chars,
            max_comment_chars=self.settings.max_comment_chars,
            learner=self.learner,
            personalizer=self.personalizer,
        )
        self._build_staff()

    def _after_withdrawal(self, session: Session, subject: Subject, purpose: str) -> None:
        """A withdrawal reaches derived data at once: examples unlearned, profile deleted."""
        self.learner.after_withdrawal(session, subject, purpose)
        self.personalizer.after_withdrawal(session, subject, purpose)

    def _build_staff(self) -> None:
        settings = self.settings
        self.staff = StaffContext(
            self.vault.token_hash,
            Passwords(
                time_cost=settings.staff_password_time_cost,
                memory_kib=settings.staff_password_memory_kib,
            ),
            self.audit,
            self.clock,
            StaffPolicy(
                session_minutes=settings.staff_session_minutes,
                max_failed_logins=settings.staff_max_failed_logins,
                lockout_minutes=settings.staff_lockout_minutes,
            ),
        )
        self.handoffs = HandoffContext(
            self.vault,
            self.audit,
            self.rules,
            self.clock,
            settings.reveal_minutes,
            learning=self.learning,
        )
        self.login_throttle = LoginThrottle(settings.staff_logins_per_minute)
        self.alerts = AlertMonitor(
            self.sessions,
            self.audit,
            self.clock,
            AlertRules(
                window_minutes=settings.alert_window_minutes,
                baseline_days=settings.alert_baseline_days,
                rate_factor=settings.alert_rate_factor,
                min_subjects=settings.alert_min_subjects,
                max_denials=settings.alert_max_denials,
                decrypt_factor=settings.alert_decrypt_factor,
                min_decrypts=settings.alert_min_decrypts,
            ),
            decrypts=self.metrics.total_decrypts,
            webhook_url=settings.alert_webhook_url,
        )

    def work(self) -> AbstractContextManager[Session]:
        """One unit of work: commits on success, rolls back on any exception.

        Endpoints open it inside their own body, so a request holds a database connection
        only while it runs, never while waiting for a worker thread to clean up.
        """
        return unit_of_work(self.sessions)

    def require_assistant(self) -> Assistant:
        if self.assistant is None:
            raise NotReady("no intent model is trained yet: run `confide train`")
        return self.assistant

    def reload_assistant(self) -> None:
        self.assistant = load_assistant(self.settings, self.sessions)
        with unit_of_work(self.sessions) as session:
            self.company_name = get_setting(session, "company_name", DEFAULT_COMPANY)

    def close(self) -> None:
        self.engine.dispose()


def load_assistant(settings: Settings, sessions: sessionmaker[Session]) -> Assistant | None:
    path = settings.intent_model_path
    if not path.exists():
        return None
    model = load_model(settings)
    with unit_of_work(sessions) as session:
        articles = list_articles(session)
    index = KnowledgeIndex.build(articles)
    # A semantic model brings a sentence embedder: reuse it for dense retrieval.
    knowledge: Knowledge = (
        index if model.embedder is None else HybridKnowledge(index, model.embedder)
    )
    return Assistant(
        model,
        knowledge,
        default_actions(),
        intent_article_map(articles),
        DialogueOptions(
            clarify_margin=settings.clarify_margin,
            handoff_after_failures=settings.handoff_after_failures,
            history_turns=settings.history_turns,
        ),
        article_choices=intent_article_choices(articles),
    )


def build_runtime(
    settings: Settings,
    *,
    create: bool = False,
    migrate: bool = True,
    clock: Clock = utc_now,
    with_assistant: bool = True,
) -> Runtime:
    """Open (or with ``create``, initialise) everything Confide needs; idempotent.

    ``with_assistant=False`` skips loading the intent model (key management needs none).
    """
    # A missing keyring file is created only after the database shows it holds no data keys.
    fresh = create and settings.master_key is None and not settings.keyring_path.exists()
    try:
        keyring = None if fresh else open_keyring(settings, clock=clock)
    except KeyringError as exc:
        raise SetupError(str(exc)) from exc
    engine = make_engine(settings.resolved_database_url)
    try:
        if migrate:
            upgrade_database(engine)
        sessions = make_session_factory(engine)
        keyring = _checked_keyring(settings, sessions, keyring, clock)
    except BaseException:
        engine.dispose()
        raise
    runtime = Runtime(settings, engine, sessions, keyring, clock=clock)
    if with_assistant:
        runtime.reload_assistant()
    return runtime


def _checked_keyring(
    settings: Settings, sessions: sessionmaker[Session], keyring: Keyring | None, clock: Clock
) -> Keyring:
    """The keyring (created if ``keyring`` is None), once it opens the database's data keys.

    Refuses, changing nothing, when it would strand them: a wrong ``CONFIDE_MASTER_KEY``, a
    replaced keyring file, or a deleted one while the database still holds data keys.
    """
    where = keyring_location(settings)
    with unit_of_work(sessions) as session:
        if keyring is None:
            refuse_new_keyring_over_data_keys(session, where)
            try:
                keyring = open_keyring(settings, create=True, clock=clock)
            except KeyringError as exc:
                raise SetupError(str(exc)) from exc
        check_keys_open_data_keys(session, LocalKeyProvider(keyring), where)
    return keyring
