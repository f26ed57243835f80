"""Every ORM model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

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
    "Conversation",
    "DataKeyRecord",
    "Feedback",
    "Message",
    "Order",
    "ReturnRequest",
    "Subject",
]
