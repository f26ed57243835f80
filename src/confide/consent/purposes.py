"""Purposes of processing as the operator declares them in configuration.

Pure pydantic: ``confide.config`` builds ``Settings.purposes`` from these, so an unknown
legal basis or a missing ``service`` purpose stops the server and every command at startup
with a clear message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SERVICE",
    "LegalBasis",
    "PrivacySettings",
    "PurposeSettings",
    "check_purposes",
    "default_purposes",
]

SERVICE = "service"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class LegalBasis(StrEnum):
    """GDPR Article 6(1) bases."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTEREST = "legitimate_interest"


class PurposeSettings(BaseModel):
    """One purpose: why personal data is processed, on which legal basis, what it covers.

    ``category``, ``data_categories``, ``primary``, ``termination``, ``third_parties``,
    ``sensitive`` and ``sensitive_categories`` become the Kantara consent receipt's
    ``purposeCategory``, ``piiCategory``, ``primaryPurpose``, ``termination``,
    ``thirdPartyName``, ``sensitive`` and ``spiCat``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=500)
    legal_basis: LegalBasis
    category: str = Field(default="Core Function", min_length=1, max_length=80)
    data_categories: tuple[str, ...] = ()
    primary: bool = False
    termination: str = Field(
        default="When you withdraw your consent or your data is erased.", min_length=1
    )
    third_parties: tuple[str, ...] = ()
    sensitive: bool = False
    sensitive_categories: tuple[str, ...] = ()
    # Allowed only once the customer has asked for a person (human review of a transcript).
    requires_handoff: bool = False

    @property
    def consent_based(self) -> bool:
        return self.legal_basis is LegalBasis.CONSENT

    @property
    def objectable(self) -> bool:
        """GDPR Article 21: the customer may object to processing on these two bases."""
        return self.legal_basis in (LegalBasis.LEGITIMATE_INTEREST, LegalBasis.PUBLIC_TASK)


class PrivacySettings(BaseModel):
    """Where the controller operates and where customers find the notice.

    ``public_url`` makes the absolute ``policyUrl`` of consent receipts; the controller's own
    identity and contact details come from the privacy notice in force (its front matter).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    jurisdiction: str = Field(default="EU", min_length=1, max_length=64)
    language: str = Field(default="en", min_length=2, max_length=16)
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://\S+$")


def default_purposes() -> dict[str, PurposeSettings]:
    conversation = ("conversation content", "contact details you give us", "order details")
    return {
        SERVICE: PurposeSettings(
            title="Answering you",
            description=(
                "We read what you write in the chat, and the contact and order details you "
                "give us, to answer your questions and do what you ask (order status, returns)."
            ),
            legal_basis=LegalBasis.CONTRACT,
            data_categories=conversation,
            primary=True,
            termination="When the conversation's retention period ends or you ask us to erase "
            "your data.",
        ),
        "personalization": PurposeSettings(
            title="Tailored answers",
            description=(
                "We use your earlier conversations and profile to tailor answers to you, for "
                "example by remembering your last order."
            ),
            legal_basis=LegalBasis.CONSENT,
            category="Personalisation",
            data_categories=("conversation history", "profile"),
        ),
        "improvement": PurposeSettings(
            title="Improving the assistant",
            description=(
                "We learn from copies of your conversations with names, contact details and "
                "other personal details removed, to make the assistant's answers better."
            ),
            legal_basis=LegalBasis.CONSENT,
            category="Improve Performance",
            data_categories=("redacted conversation content",),
        ),
        "analytics": PurposeSettings(
            title="Statistics",
            description=(
                "We count conversations, topics and outcomes in aggregate statistics that "
                "identify no one. You can object to this."
            ),
            legal_basis=LegalBasis.LEGITIMATE_INTEREST,
            category="Analytics",
            data_categories=("conversation metadata",),
            termination="When you object, or when your data is erased.",
        ),
        "human_review": PurposeSettings(
            title="Help from a person",
            description=(
                "When you ask for a person, a member of our support team reads this "
                "conversation to help you."
            ),
            legal_basis=LegalBasis.CONTRACT,
            category="Core Function",
            data_categories=conversation,
            requires_handoff=True,
            termination="When the conversation's retention period ends or you ask us to erase "
            "your data.",
        ),
    }


def check_purposes(purposes: Mapping[str, PurposeSettings]) -> None:
    """Raise ValueError with a plain sentence if the declared purposes cannot work."""
    for name in purposes:
        if not _NAME.match(name):
            raise ValueError(
                f"purpose name {name!r} must be lowercase letters, digits and underscores "
                "(at most 32, starting with a letter)"
            )
    service = purposes.get(SERVICE)
    if service is None:
        raise ValueError(f"the {SERVICE!r} purpose (answering the customer) must be declared")
    if service.legal_basis is not LegalBasis.CONTRACT:
        raise ValueError(f"the {SERVICE!r} purpose must have the legal basis 'contract'")
