from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from confide.conversations.schemas import MessageOut
from confide.db import MAX_INTEGER


class QueueItemOut(BaseModel):
    conversation_id: uuid.UUID
    status: str
    channel: str
    handed_off_at: datetime | None
    message_count: int
    assigned_to_me: bool
    claimed: bool


class QueueOut(BaseModel):
    conversations: list[QueueItemOut]


class CustomerView(BaseModel):
    """The customer's contact details: masked unless a reveal is in force."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None


class HandoffConversationOut(BaseModel):
    conversation_id: uuid.UUID
    status: str
    handed_off_at: datetime | None
    revealed: bool = Field(description="whether a break-glass reveal is in force for you")
    revealed_until: datetime | None = None
    customer: CustomerView
    messages: list[MessageOut]


class RevealIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="why you need to see it")
    message_seq: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INTEGER,
        description="one message only; all of the conversation if omitted",
    )
    minutes: int | None = Field(default=None, ge=1, le=60)


class RevealOut(BaseModel):
    conversation_id: uuid.UUID
    message_seq: int | None
    expires_at: datetime


class AgentReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=8000)


class AgentReplyOut(BaseModel):
    conversation_id: uuid.UUID
    message: MessageOut


class HandoffStateOut(BaseModel):
    conversation_id: uuid.UUID
    status: str
    assigned_to_me: bool
