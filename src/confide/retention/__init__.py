"""Retention: each category of personal data is deleted once its configured period ends."""

from confide.retention.periods import CATEGORIES, RetentionPeriods
from confide.retention.schemas import CategoryReport, RetentionReport
from confide.retention.service import run_retention

__all__ = ["CATEGORIES", "CategoryReport", "RetentionPeriods", "RetentionReport", "run_retention"]
