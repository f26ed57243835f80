from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerIn(Strict):
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)
    identity_hash: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{64}$",
        description="HMAC-SHA256(identity secret, external_id), hex, from the operator's own "
        "backend for a signed-in customer: their conversations then join up",
    )


class StartConversationIn(Strict):
    customer: CustomerIn | None = None
    channel: Literal["api", "web", "cli"] = "api"


class CitationOut(BaseModel):
    article_id: str
    title: str


class MessageOut(BaseModel):
    id: uuid.UUID
    seq: int
    role: str
    text: str | None = Field(description="null once the customer's data has been erased")
    created_at: datetime
    intent: str | None = None
    confidence: float | None = None
    decision: str | None = None
    citations: list[CitationOut] = []


class StartConversationOut(BaseModel):
    conversation_id: uuid.UUID
    subject_id: uuid.UUID
    token: str = Field(description="Bearer token: the only credential for this conversation.")
    greeting: MessageOut
    personal_greeting: MessageOut | None = Field(
        default=None,
        description="a returning customer who consented to personalization is greeted by "
        "name, with the order they talked about last time",
    )


class PersonalizationOut(BaseModel):
    """Why a reply was tailored, and how to stop it."""

    used: list[str] = Field(description='what of the profile shaped it: "your recent order"')
    why: str
    turn_off: str


class MessageIn(Strict):
    text: str


class ReplyOut(BaseModel):
    message_id: uuid.UUID
    text: str
    intent: str | None
    confidence: float | None
    decision: Literal["answer", "clarify", "act", "handoff", "out_of_scope"]
    citations: list[CitationOut]
    conversation_status: str
    result: dict[str, str] = {}
    personalization: PersonalizationOut | None = Field(
        default=None, description="set when the customer's profile shaped this reply"
    )


class TranscriptOut(BaseModel):
    conversation_id: uuid.UUID
    status: str = Field(description='open, waiting_for_agent, closed, "expired" or "erased"')
    created_at: datetime
    messages: list[MessageOut]


class FeedbackIn(Strict):
    rating: Literal["up", "down"]
    comment: str | None = None
    solved: bool | None = None
    message_id: uuid.UUID | None = None


class FeedbackOut(BaseModel):
    feedback_id: uuid.UUID
    conversation_id: uuid.UUID
    rating: str
    solved: bool | None
