from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

# How a decision reached us: the privacy-center widget, a direct API call, or the chat.
Method = Literal["widget", "api", "chat"]


class PurposeOut(BaseModel):
    name: str
    title: str
    description: str
    legal_basis: str
    consent_required: bool = Field(description="true: off until the customer says yes")
    withdrawable: bool = Field(description="the customer can give and withdraw consent")
    objectable: bool = Field(description="the customer can object (legitimate interest)")
    requires_handoff: bool = Field(description="only once the customer asks for a person")


class ConsentStateOut(BaseModel):
    purpose: str
    title: str
    description: str
    legal_basis: str
    granted: bool | None = Field(
        description="consent purposes: the latest decision (false if never given); "
        "null for purposes on another legal basis"
    )
    processing_allowed: bool = Field(description="whether the purpose may use your data now")
    reason: str
    decided_at: datetime | None = None
    method: str | None = None
    channel: str | None = None
    notice_version: int | None = Field(default=None, description="notice shown at the decision")


class MyConsentsOut(BaseModel):
    notice_version: int | None = Field(description="the privacy notice in force")
    consents: list[ConsentStateOut]


class ConsentDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    granted: StrictBool
    method: Method = "api"


class SignatureOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alg: str = Field(max_length=32)
    kid: str = Field(max_length=128)
    value: str = Field(max_length=256)


class SignedReceipt(BaseModel):
    """A Kantara Consent Receipt v1.1 and the server's Ed25519 signature over its canonical
    JSON. Keep it: POST it to /v1/consent-receipts/verify to prove it later."""

    model_config = ConfigDict(extra="forbid")

    receipt: dict[str, Any]
    signature: SignatureOut


class VerificationOut(BaseModel):
    valid: bool
    consent_receipt_id: str | None
    detail: str


class PublicKeyOut(BaseModel):
    alg: str
    kid: str
    public_key: str = Field(description="Ed25519 public key, raw 32 bytes, base64url")


class NoticeSummaryOut(BaseModel):
    version: int
    title: str
    sha256: str
    published_at: datetime
    active: bool


class NoticeOut(NoticeSummaryOut):
    summary: str
    body: str = Field(description="Markdown")
    controller: dict[str, str]
