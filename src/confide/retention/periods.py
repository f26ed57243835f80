"""The retention period of each data category, as configured (``CONFIDE_RETENTION_*``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from confide.config import Settings

TRANSCRIPTS = "transcripts"
REDACTED_COPIES = "redacted_copies"
FEEDBACK = "feedback"
RIGHTS_REQUESTS = "rights_requests"
AUDIT_ENTRIES = "audit_entries"
CONSENT_RECORDS = "consent_records"
CATEGORIES = (
    TRANSCRIPTS,
    REDACTED_COPIES,
    FEEDBACK,
    RIGHTS_REQUESTS,
    AUDIT_ENTRIES,
    CONSENT_RECORDS,
)


@dataclass(frozen=True)
class RetentionPeriods:
    """Days per category; 0 keeps that category forever."""

    transcripts: int = 90
    redacted_copies: int = 30
    feedback: int = 90
    rights_requests: int = 730
    audit_entries: int = 365
    consent_records: int = 1095

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPeriods:
        return cls(
            transcripts=settings.retention_transcripts_days,
            redacted_copies=settings.retention_redacted_copies_days,
            feedback=settings.retention_feedback_days,
            rights_requests=settings.retention_rights_requests_days,
            audit_entries=settings.retention_audit_days,
            consent_records=settings.retention_consent_records_days,
        )

    def days(self, category: str) -> int:
        days: int = getattr(self, category)
        return days

    def cutoff(self, category: str, now: datetime) -> datetime | None:
        """What is older than this has expired; None when the category is kept forever."""
        days = self.days(category)
        return now - timedelta(days=days) if days > 0 else None
