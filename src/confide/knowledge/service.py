"""The knowledge base as stored: import, list, and load for the assistant's index."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from confide.db import utcnow
from confide.knowledge.articles import Article
from confide.knowledge.models import ArticleRecord


def import_articles(session: Session, articles: Sequence[Article]) -> tuple[int, int]:
    """Insert or replace ``articles`` by id; returns (created, updated)."""
    created = updated = 0
    for article in articles:
        record = session.get(ArticleRecord, article.id)
        if record is None:
            record = ArticleRecord(id=article.id)
            session.add(record)
            created += 1
        else:
            updated += 1
        record.title = article.title
        record.body = article.body
        record.tags = list(article.tags)
        record.questions = list(article.questions)
        record.intent = article.intent
        record.updated_at = utcnow()
    return created, updated


def list_articles(session: Session) -> list[Article]:
    records = session.scalars(select(ArticleRecord).order_by(ArticleRecord.id))
    return [
        Article(
            id=r.id,
            title=r.title,
            body=r.body,
            tags=tuple(r.tags),
            questions=tuple(r.questions),
            intent=r.intent,
        )
        for r in records
    ]


def intent_article_map(articles: Sequence[Article]) -> dict[str, str]:
    """Intent → the article that answers it (front matter ``intent``); where several do,
    the last one loaded (``intent_article_choices`` has them all)."""
    return {a.intent: a.id for a in articles if a.intent}


def intent_article_choices(articles: Sequence[Article]) -> dict[str, tuple[str, ...]]:
    """Intent → every article that answers it, in load order, for intents with several."""
    choices: dict[str, list[str]] = {}
    for article in articles:
        if article.intent:
            choices.setdefault(article.intent, []).append(article.id)
    return {intent: tuple(ids) for intent, ids in choices.items() if len(ids) > 1}
