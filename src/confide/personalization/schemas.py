"""The profile's shape: what the customer may set themselves, and what the assistant
remembers from their conversations (bounded lists, no message text)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_ORDERS = 5
MAX_ISSUES = 10
MAX_PREFERENCES = 10


Preference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileSettings(Strict):
    """What the customer states themselves (``PUT /v1/me/profile``)."""

    name: Name | None = None
    language: str | None = Field(
        default=None, pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$", description="BCP 47, e.g. en"
    )
    contact_preference: Literal["chat", "email", "phone"] | None = None
    preferences: list[Preference] = Field(
        default_factory=list,
        max_length=MAX_PREFERENCES,
        description="stated preferences, e.g. 'no phone calls', at most 200 characters each",
    )


class RememberedOrder(Strict):
    number: str = Field(max_length=32)
    items: list[str] = Field(default_factory=list, max_length=20)
    # The intent it was last discussed under, and the day.
    topic: str | None = Field(default=None, max_length=64)
    seen_on: date


class PastIssue(Strict):
    intent: str = Field(max_length=64)
    order: str | None = Field(default=None, max_length=32)
    # answer | act | handoff: how the assistant dealt with it.
    outcome: str = Field(max_length=16)
    on: date


class ProfileData(ProfileSettings):
    """The whole profile, sealed as one JSON document under the customer's data key."""

    orders: list[RememberedOrder] = Field(default_factory=list, max_length=MAX_ORDERS)
    issues: list[PastIssue] = Field(default_factory=list, max_length=MAX_ISSUES)


class PersonalProfileOut(ProfileData):
    personalization: bool = Field(description="whether the customer consents to it now")
