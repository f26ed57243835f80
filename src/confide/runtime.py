"""What the server and the CLI build once: engine, keyring, vault, the loaded assistant."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from confide.config import Settings
from confide.conversations.service import Limits
from confide.crypto import Keyring, KeyringError
from confide.db import make_engine, make_session_factory, unit_of_work
from confide.db_settings import DEFAULT_COMPANY, get_setting
from confide.dialogue import Assistant, DialogueOptions, default_actions
from confide.errors import ConfideError, NotReady
from confide.knowledge.retrieval import KnowledgeIndex
from confide.knowledge.service import intent_article_map, list_articles
from confide.migrate import upgrade_database
from confide.nlu import IntentModel
from confide.vault import Vault

log = logging.getLogger(__name__)


class SetupError(ConfideError):
    status_code = 500


def open_keyring(settings: Settings, *, create: bool = False) -> Keyring:
    """The master key: from ``CONFIDE_MASTER_KEY`` if set, else the data directory's keyring."""
    if settings.master_key is not None:
        return Keyring.from_master_key(settings.master_key.get_secret_value())
    path = settings.keyring_path
    if not path.exists():
        if not create:
            raise SetupError(
                f"no keyring in {settings.data_dir}: run `confide init` first "
                "(or set CONFIDE_MASTER_KEY)"
            )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return Keyring.create(path)
    return Keyring.load(path)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: Keyring
    assistant: Assistant | None = None
    company_name: str = DEFAULT_COMPANY
    vault: Vault = field(init=False)
    limits: Limits = field(init=False)

    def __post_init__(self) -> None:
        self.vault = Vault(self.keyring)
        self.limits = Limits(
            max_message_chars=self.settings.max_message_chars,
            max_comment_chars=self.settings.max_comment_chars,
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
    model = IntentModel.load(path)
    with unit_of_work(sessions) as session:
        articles = list_articles(session)
    return Assistant(
        model,
        KnowledgeIndex.build(articles),
        default_actions(),
        intent_article_map(articles),
        DialogueOptions(
            clarify_margin=settings.clarify_margin,
            handoff_after_failures=settings.handoff_after_failures,
            history_turns=settings.history_turns,
        ),
    )


def build_runtime(settings: Settings, *, create: bool = False, migrate: bool = True) -> Runtime:
    """Open (or with ``create``, initialise) everything Confide needs; idempotent."""
    try:
        keyring = open_keyring(settings, create=create)
    except KeyringError as exc:
        raise SetupError(str(exc)) from exc
    engine = make_engine(settings.resolved_database_url)
    if migrate:
        upgrade_database(engine)
    sessions = make_session_factory(engine)
    runtime = Runtime(settings, engine, sessions, keyring)
    runtime.reload_assistant()
    return runtime
