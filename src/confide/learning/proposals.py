"""What learning proposes for an operator to approve or reject: new phrasings for existing
intents, clusters of unanswered questions (knowledge gaps) with their counts, and draft
articles from what agents answered. Texts are the redacted ones, read for ``improvement``
(a customer who withdrew since is simply no longer there)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy.orm import Session

from confide.errors import Conflict, NotFound
from confide.learning import repository
from confide.learning.models import LearningExample
from confide.learning.service import (
    AGENT_ANSWER,
    GAP,
    PHRASING,
    LearningContext,
    OpenedExample,
    open_example,
)

PLACEHOLDER = re.compile(r"<[A-Z_]+(?:_\d+)?>")


class ExampleNotFound(NotFound):
    pass


class AlreadyReviewed(Conflict):
    pass


class PhrasingOut(BaseModel):
    id: uuid.UUID
    intent: str | None
    text: str
    signal: str


class GapOut(BaseModel):
    count: int
    examples: list[str]
    ids: list[uuid.UUID]


class DraftOut(BaseModel):
    id: uuid.UUID
    question: str
    answer: str | None


class ProposalsOut(BaseModel):
    phrasings: list[PhrasingOut]
    gaps: list[GapOut]
    drafts: list[DraftOut]


class ReviewOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str


def list_proposals(session: Session, ctx: LearningContext) -> ProposalsOut:
    pending = _opened(session, ctx, repository.examples(session, status="pending"))
    return ProposalsOut(
        phrasings=[
            PhrasingOut(
                id=o.example.id, intent=o.example.intent, text=o.text, signal=o.example.signal
            )
            for o in pending
            if o.example.kind == PHRASING
        ],
        gaps=cluster_gaps([o for o in pending if o.example.kind == GAP]),
        drafts=[
            DraftOut(id=o.example.id, question=o.text, answer=o.answer)
            for o in pending
            if o.example.kind == AGENT_ANSWER
        ],
    )


def review(
    session: Session,
    ctx: LearningContext,
    example_id: uuid.UUID,
    *,
    approve: bool,
    actor: str,
    intent: str | None = None,
) -> ReviewOut:
    """Approve (optionally relabelling the intent) or reject one pending example."""
    example = session.get(LearningExample, example_id)
    if example is None:
        raise ExampleNotFound("no such learning example")
    if example.status != "pending":
        raise AlreadyReviewed(f"this example is already {example.status}")
    example.status = "approved" if approve else "rejected"
    if approve and intent:
        example.intent = intent
    example.reviewed_at = ctx.clock()
    reason = f"{example.kind} {example.status}" + (f" as {example.intent}" if approve else "")
    ctx.audit.record(session, "learning.review", actor=actor, reason=reason)
    return ReviewOut(id=example.id, kind=example.kind, status=example.status)


def _opened(
    session: Session, ctx: LearningContext, examples: list[LearningExample]
) -> list[OpenedExample]:
    return [o for o in (open_example(session, ctx, e) for e in examples) if o is not None]


@dataclass
class _Cluster:
    words: set[str]
    members: list[OpenedExample]


def _words(text: str) -> set[str]:
    cleaned = PLACEHOLDER.sub(" ", text.lower())
    return {w for w in re.findall(r"[a-z0-9']+", cleaned) if len(w) > 2}


def cluster_gaps(gaps: list[OpenedExample], threshold: float = 0.3) -> list[GapOut]:
    """Greedy single-pass clustering by word overlap (Jaccard): unanswered questions that
    share their words are one knowledge gap. Largest first."""
    clusters: list[_Cluster] = []
    for gap in gaps:
        words = _words(gap.text)
        best, score = None, 0.0
        for cluster in clusters:
            union = words | cluster.words
            similarity = len(words & cluster.words) / len(union) if union else 0.0
            if similarity > score:
                best, score = cluster, similarity
        if best is not None and score >= threshold:
            best.members.append(gap)
            best.words |= words
        else:
            clusters.append(_Cluster(set(words), [gap]))
    clusters.sort(key=lambda c: -len(c.members))
    return [
        GapOut(
            count=len(c.members),
            examples=[m.text for m in c.members[:3]],
            ids=[m.example.id for m in c.members],
        )
        for c in clusters
    ]
