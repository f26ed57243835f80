"""Settings from the environment (prefix ``CONFIDE_``), read once where the app or CLI starts."""

from __future__ import annotations

import os
from ipaddress import ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from confide.consent.purposes import (
    PrivacySettings,
    PurposeSettings,
    check_purposes,
    default_purposes,
)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "confide"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONFIDE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    master_key: SecretStr | None = None
    # Seals the keyring file's secrets (Argon2id + AES-256-GCM); ignored with master_key.
    keyring_passphrase: SecretStr | None = None
    # Set by `confide serve` when it serves HTTPS: HSTS on every response, Secure cookies.
    tls_enabled: bool = False

    # Phone numbers written without a country code are read as numbers of this region.
    default_phone_region: str = "US"

    # PII engine (values from the environment are JSON, e.g.
    # CONFIDE_PII_ALLOW_LIST='["Northwind Goods"]', CONFIDE_PII_THRESHOLDS='{"PERSON": 0.7}').
    pii_entities: list[str] | None = None
    pii_thresholds: dict[str, float] = Field(default_factory=dict)
    pii_allow_list: list[str] = Field(default_factory=list)
    pii_deny_list: dict[str, list[str]] = Field(default_factory=dict)
    pii_order_patterns: list[str] | None = None
    pii_custom_patterns: dict[str, str] = Field(default_factory=dict)
    pii_statistical: bool = True
    # Log-odds added to the name model's score for a name: the higher, the more names are
    # found, and the more false ones (benchmarks/RESULTS.md, "the name prior"); 0 is the model
    # as trained; 1.75 was chosen on WNUT-17 train in five folds and the synthetic sets.
    pii_name_prior: float = Field(default=1.75, ge=-8.0, le=8.0)  # ner's DEFAULT/MAX_NAME_PRIOR
    # The optional MiniLM-based name recognizer (needs the `semantic` extra): better on
    # noisy text, about 15 ms per message. A model directory, or the packaged one when unset.
    pii_semantic: bool = False
    pii_semantic_model_path: Path | None = None

    # Request limits: a message is at most this many characters, a request body this many bytes.
    max_message_chars: int = 4000
    max_body_bytes: int = 64 * 1024
    max_comment_chars: int = 2000

    # Dialogue behaviour.
    history_turns: int = 20
    clarify_margin: float = 0.12
    handoff_after_failures: int = 2

    # Master key lifecycle: rotate the active version once it is this many days old (0: never),
    # checking this often while the server runs.
    key_rotation_days: int = 90
    key_rotation_check_seconds: float = 3600.0

    # Retention, in days (0: keep forever); see confide.retention and docs/decisions.md.
    # Transcripts (messages with their redacted copies, dialogue state) go this long after
    # the conversation's last activity; a redacted copy alone earlier if its period is shorter;
    # feedback with its transcript or after its own period; consent records this long after
    # the customer's last decision or activity. The job runs every retention_check_seconds
    # while the server runs (0: only `confide retention run`).
    retention_transcripts_days: int = Field(default=90, ge=0)
    retention_redacted_copies_days: int = Field(default=30, ge=0)
    retention_feedback_days: int = Field(default=90, ge=0)
    retention_rights_requests_days: int = Field(default=730, ge=0)
    retention_audit_days: int = Field(default=365, ge=0)
    retention_consent_records_days: int = Field(default=1095, ge=0)
    retention_check_seconds: float = Field(default=3600.0, ge=0)

    # Staff accounts: a login's session token lasts this long; this many wrong passwords in a
    # row lock the account for staff_lockout_minutes; one address may try this many logins a
    # minute (per worker). A break-glass reveal lasts reveal_minutes (at most 60).
    staff_session_minutes: int = Field(default=480, ge=1)
    staff_max_failed_logins: int = Field(default=5, ge=1)
    staff_lockout_minutes: int = Field(default=15, ge=1)
    staff_logins_per_minute: int = Field(default=10, ge=1)
    reveal_minutes: int = Field(default=15, ge=1, le=60)
    # The role the command line acts with (the same role x action table as the API). Whoever
    # can read the keyring file is in effect an admin; a privacy officer's shell account can
    # be limited to the audit commands with CONFIDE_CLI_ROLE=auditor.
    cli_role: Literal["agent", "supervisor", "admin", "auditor"] = "admin"
    # Argon2id cost of staff passwords (argon2-cffi's defaults); raising them rehashes each
    # password at its next login.
    staff_password_time_cost: int = Field(default=3, ge=1)
    staff_password_memory_kib: int = Field(default=65536, ge=1024)

    # monitoring: /metrics answers only clients in these addresses or networks (JSON, e.g.
    # CONFIDE_METRICS_ALLOW='["127.0.0.1/32", "10.0.0.0/8"]') and, when metrics_token is set,
    # only requests with "Authorization: Bearer <token>".
    metrics_allow: list[IPvAnyNetwork] = Field(
        default_factory=lambda: [ip_network("127.0.0.1/32"), ip_network("::1/128")]
    )
    metrics_token: SecretStr | None = None
    # Signed-in customers: the operator's backend sends external_id with identity_hash =
    # HMAC-SHA256(identity_secret, external_id) hex, and the customer's conversations join up
    # (personalization then knows them). Unset: identity_hash is refused.
    identity_secret: SecretStr | None = None

    # Access anomaly alerts, checked every alert_check_seconds (0: off): a staff member who
    # reads at least alert_min_subjects customers in alert_window_minutes and more than
    # alert_rate_factor times their busiest window of the last alert_baseline_days; an actor
    # refused alert_max_denials times in a window; alert_decrypt_factor times the usual
    # decrypts in a check interval (at least alert_min_decrypts). Alerts are audit entries,
    # also POSTed as JSON to alert_webhook_url when it is set.
    alert_check_seconds: float = Field(default=300.0, ge=0)
    alert_window_minutes: int = Field(default=60, ge=1)
    alert_baseline_days: int = Field(default=7, ge=1)
    alert_rate_factor: float = Field(default=3.0, gt=0)
    alert_min_subjects: int = Field(default=20, ge=1)
    alert_max_denials: int = Field(default=10, ge=1)
    alert_decrypt_factor: float = Field(default=5.0, gt=0)
    alert_min_decrypts: int = Field(default=1000, ge=1)
    alert_webhook_url: str | None = None

    # NLU.
    nlu_engine: str = "lexical"
    semantic_model_path: Path | None = None

    # Learning (confide.learning.retrain): a retrained candidate is promoted when its held-out
    # accuracy is at least the active model's minus learning_tolerance. The server retrains
    # every learning_retrain_seconds when the approved examples changed (0: only on command),
    # and replaces a model trained on withdrawn or erased customers' examples within
    # learning_unlearn_seconds (0: only on command).
    learning_tolerance: float = Field(default=0.01, ge=-1, le=1)
    learning_retrain_seconds: float = Field(default=86400.0, ge=0)
    learning_unlearn_seconds: float = Field(default=600.0, ge=0)

    # Purposes of processing, each with a legal basis and a plain-language description.
    # CONFIDE_PURPOSES (JSON) replaces the whole set; `service` must stay, on 'contract'.
    purposes: dict[str, PurposeSettings] = Field(default_factory=default_purposes)
    # Jurisdiction, language and public address used in consent receipts.
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)

    @field_validator("purposes")
    @classmethod
    def _purposes_can_work(cls, value: dict[str, PurposeSettings]) -> dict[str, PurposeSettings]:
        check_purposes(value)
        return value

    # self-audit (`confide audit report`): the server runs it every self_audit_seconds (0: off)
    # and signs a checkpoint each time; it samples this many rows per table for plaintext
    # personal data, fails on data more than the grace period past its retention period, and
    # on enabled staff accounts without a login for staff_dormant_days.
    self_audit_seconds: float = Field(default=86400.0, ge=0)
    self_audit_sample_rows: int = Field(default=200, ge=1)
    self_audit_retention_grace_days: int = Field(default=7, ge=0)
    staff_dormant_days: int = Field(default=90, ge=1)

    # Signed audit checkpoints go here: another disk or mounted remote store in production.
    audit_checkpoint_dir: Path | None = None

    @property
    def audit_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.data_dir / "audit"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'confide.db'}"

    @property
    def keyring_path(self) -> Path:
        return self.data_dir / "keyring.json"

    @property
    def tls_dir(self) -> Path:
        return self.data_dir / "tls"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def intent_model_path(self) -> Path:
        return self.models_dir / "intent-model.joblib"
