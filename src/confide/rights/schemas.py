from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from confide.consent.schemas import MyConsentsOut

RequestType = Literal["access", "erasure", "rectification", "restriction", "objection"]
RequestStatus = Literal["received", "verifying", "in_progress", "completed", "rejected"]


class IdentifiersOut(BaseModel):
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    external_id: str | None = None


class ProfileOut(BaseModel):
    subject_id: uuid.UUID
    pseudonymous_id: str = Field(description="keyed HMAC of the customer id (receipts, queue)")
    status: str = Field(description='active, or "erased" once the data key is shredded')
    created_at: datetime
    identifiers: IdentifiersOut | None = Field(description="null once erased")
    verification_required: bool = Field(
        description="an email is on file: exports, erasure and rectification need a "
        "one-time code sent to it (POST /v1/me/verification) besides the token"
    )


class ConversationSummaryOut(BaseModel):
    conversation_id: uuid.UUID
    status: str
    channel: str
    created_at: datetime
    updated_at: datetime
    message_count: int


class ProcessingOut(BaseModel):
    restricted: bool = Field(description="Article 18: every purpose is refused, data is kept")
    restricted_at: datetime | None = None
    objected: list[str] = Field(description="Article 21: purposes objected to")


class PurposeUseOut(BaseModel):
    name: str
    title: str
    description: str
    legal_basis: str
    data_categories: list[str]
    processing_allowed: bool
    reason: str


class RequestEventOut(BaseModel):
    seq: int
    kind: Literal["status", "extended"]
    status: str
    at: datetime
    note: str | None = None


class RequestOut(BaseModel):
    request_id: uuid.UUID
    subject_id: uuid.UUID | None = Field(description="null once the customer is erased")
    subject_pseudonym: str
    type: str
    status: str
    channel: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    extended_at: datetime | None = None
    extension_reason: str | None = None
    closed_at: datetime | None = None
    details: dict[str, Any] = {}
    history: list[RequestEventOut] = []


class FeedbackItemOut(BaseModel):
    feedback_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID | None
    rating: str
    solved: bool | None
    comment: str | None
    created_at: datetime


class ReturnItemOut(BaseModel):
    reference: str
    order_number: str
    status: str
    reason: str | None
    created_at: datetime


class DerivedOut(BaseModel):
    """What was derived from your conversations, each only with your consent."""

    personalization_profile: bool = Field(
        description="a profile tailors answers to you (consent to personalization)"
    )
    learning_examples: int = Field(
        description="redacted excerpts kept to improve the assistant (consent to improvement)"
    )


class MeOut(BaseModel):
    """What Confide stores about you, and why."""

    profile: ProfileOut
    purposes: list[PurposeUseOut] = Field(description="why: each purpose and whether it applies")
    consents: MyConsentsOut
    processing: ProcessingOut
    conversations: list[ConversationSummaryOut]
    feedback: list[FeedbackItemOut]
    returns: list[ReturnItemOut]
    requests: list[RequestOut]
    derived: DerivedOut


class SubjectSummaryOut(BaseModel):
    subject_id: uuid.UUID
    pseudonymous_id: str
    status: str
    created_at: datetime
    conversations: int
    requests: int
    restricted: bool
    identifiers: IdentifiersOut | None = None


class RectificationIn(BaseModel):
    """Only the fields given change; "" removes a phone or name."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=200)


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purposes: list[str] | None = Field(
        default=None, max_length=32, description="default: every purpose open to objection"
    )
    lift: StrictBool = False


class VerificationSentOut(BaseModel):
    required: bool = Field(description="false: no email on file, the token is enough")
    sent: bool
    expires_at: datetime | None = None
    detail: str
