"""Settings from the environment (prefix ``CONFIDE_``), read once where the app or CLI starts."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
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

    # NLU.
    nlu_engine: str = "lexical"
    semantic_model_path: Path | None = None

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
