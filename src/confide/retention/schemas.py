from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CategoryReport(BaseModel):
    period_days: int = Field(description="0: kept forever")
    cutoff: datetime | None = Field(description="what is older than this has expired")
    counts: dict[str, int] = Field(description="rows deleted (or, in a dry run, that would be)")
    note: str | None = None


class RetentionReport(BaseModel):
    dry_run: bool
    now: datetime
    categories: dict[str, CategoryReport]

    @property
    def total(self) -> int:
        return sum(sum(c.counts.values()) for c in self.categories.values())
