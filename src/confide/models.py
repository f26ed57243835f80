"""Every ORM model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from confide.consent.models import ConsentRecord, PrivacyNotice
from confide.conversations.models import Conversation, Feedback, Message
from confide.db import Base
from confide.db_settings import AppSetting
from confide.knowledge.models import ArticleRecord
from confide.orders.models import Order, ReturnRequest
from confide.subjects.models import Subject
from confide.vault.models import DataKeyRecord

__all__ = [
    "AppSetting",
    "ArticleRecord",
    "Base",
    "ConsentRecord",
    "Conversation",
    "DataKeyRecord",
    "Feedback",
    "Message",
    "Order",
    "PrivacyNotice",
    "ReturnRequest",
    "Subject",
]
