"""Every ORM model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from confide.audit.models import AuditEntry, AuditHead
from confide.consent.models import ConsentRecord, PrivacyNotice
from confide.conversations.models import Conversation, Feedback, Message
from confide.db import Base
from confide.db_settings import AppSetting
from confide.knowledge.models import ArticleRecord
from confide.learning.models import LearningExample, ModelVersion
from confide.orders.models import Order, ReturnRequest
from confide.personalization.models import Profile
from confide.rights.models import (
    ErasureTombstone,
    ProcessingFlagsRecord,
    RightsRequest,
    RightsRequestEvent,
    VerificationCode,
)
from confide.staff.models import RevealGrant, StaffToken, StaffUser
from confide.subjects.models import Subject
from confide.vault.models import DataKeyRecord

__all__ = [
    "AppSetting",
    "ArticleRecord",
    "AuditEntry",
    "AuditHead",
    "Base",
    "ConsentRecord",
    "Conversation",
    "DataKeyRecord",
    "ErasureTombstone",
    "Feedback",
    "LearningExample",
    "Message",
    "ModelVersion",
    "Order",
    "PrivacyNotice",
    "ProcessingFlagsRecord",
    "Profile",
    "ReturnRequest",
    "RevealGrant",
    "RightsRequest",
    "RightsRequestEvent",
    "StaffToken",
    "StaffUser",
    "Subject",
    "VerificationCode",
]
