"""Retraining with a gate, rollback and unlearning on the model registry.

A candidate is trained on the company's base examples plus the approved phrasings of
customers who still allow ``improvement`` (each read through :func:`open_example`, so the
policy decides again at training time). It is scored on the held-out set (company examples
only, never trained on, and never shrinking) against the active model's gate copy, and
promoted only when its accuracy is at least the active one's minus the tolerance.

A version is *tainted* when one of its training examples has left the training store
(withdrawal, objection and erasure delete a customer's examples) or belongs to an erased
customer. A tainted active model is replaced by the next candidate whatever its score
(unlearning is not subject to the gate); a tainted older version cannot be rolled back to,
and its files are deleted. A restriction, being temporary, deletes nothing: the restricted
customer's examples are left out of new candidates (the policy refuses to open them), but
it does not force a retrain.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from confide.audit import AuditLog
from confide.config import Settings
from confide.db import as_utc
from confide.errors import ConfideError
from confide.intents.service import TrainingDataInvalid, configured_embedder
from confide.learning import registry
from confide.learning.models import LearningExample, ModelVersion
from confide.learning.repository import examples as stored_examples
from confide.learning.service import PHRASING, LearningContext, open_example
from confide.nlu import (
    OOS_LABEL,
    Embedder,
    EvalReport,
    IntentModel,
    LabelledText,
    SemanticEngineUnavailable,
    SentenceEmbedder,
    evaluate,
    train_intent_model,
)
from confide.vault import SubjectErased

if TYPE_CHECKING:
    from confide.runtime import Runtime

HELDOUT_FRACTION = 0.2
# Retired versions that keep their files, for rollback.
KEEP_RETIRED = 5
# Examples opened per transaction when reading what customers taught.
OPEN_BATCH = 200
REQUESTED, SCHEDULED, UNLEARNING = "requested", "scheduled", "unlearning"
# Accuracies are means of the same booleans: equal ones must compare equal despite rounding.
EPSILON = 1e-9


class NoBaseData(ConfideError):
    status_code = 409


class NoHeldOutSet(ConfideError):
    status_code = 409


class VersionNotFound(ConfideError):
    status_code = 404


class RollbackRefused(ConfideError):
    status_code = 409


# The company's examples and the held-out set.


def text_key(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class BaseData:
    """The company's examples (company content, not personal data) and the held-out set."""

    examples: list[LabelledText]
    heldout: list[LabelledText]

    @property
    def heldout_keys(self) -> set[str]:
        return {text_key(row.text) for row in self.heldout}

    @property
    def train(self) -> list[LabelledText]:
        """The examples the gate copy of a model is trained on: all but the held-out ones."""
        held = self.heldout_keys
        return [row for row in self.examples if text_key(row.text) not in held]

    @property
    def intents(self) -> set[str]:
        return {row.intent for row in self.examples if row.intent != OOS_LABEL}


def load_base(settings: Settings) -> BaseData:
    return BaseData(
        registry.read_examples(registry.base_file(settings)),
        registry.read_examples(registry.heldout_file(settings)),
    )


def store_base(settings: Settings, rows: Sequence[LabelledText]) -> BaseData:
    """Keep ``rows`` as the base examples, and extend the held-out set to cover them."""
    previous = load_base(settings)
    examples = _distinct(rows)
    seen = {text_key(row.text) for row in previous.examples}
    base = BaseData(examples, choose_heldout(examples, previous.heldout, seen))
    registry.write_examples(registry.base_file(settings), base.examples)
    registry.write_examples(registry.heldout_file(settings), base.heldout)
    return base


def choose_heldout(
    rows: Sequence[LabelledText],
    previous: Sequence[LabelledText],
    seen: set[str],
    fraction: float = HELDOUT_FRACTION,
) -> list[LabelledText]:
    """The previous held-out rows (relabelled as ``rows`` say), plus, per intent with at
    least 3 examples, enough of its other rows to hold out ``fraction`` of it: rows never
    seen before first (no model was trained on them), then in a fixed pseudo-random order.
    Rows the company dropped stay held out and still count towards their intent's share,
    so rows an earlier model trained on join the test set only when no new ones are left."""
    label = {text_key(row.text): row.intent for row in rows}
    held = [LabelledText(r.text, label.get(text_key(r.text), r.intent)) for r in previous]
    held = _distinct(held)
    held_keys = {text_key(row.text) for row in held}
    by_intent: dict[str, list[LabelledText]] = defaultdict(list)
    for row in rows:
        by_intent[row.intent].append(row)
    held_per_intent = Counter(row.intent for row in held)
    for intent, group in sorted(by_intent.items()):
        quota = round(len(group) * fraction) if len(group) >= 3 else 0
        have = held_per_intent[intent]
        pool = [row for row in group if text_key(row.text) not in held_keys]
        pool.sort(key=lambda row: (text_key(row.text) in seen, _rank(row.text)))
        held += pool[: max(0, quota - have)]
    return held


def _rank(text: str) -> str:
    return hashlib.sha256(f"confide-heldout:{text_key(text)}".encode()).hexdigest()


def _distinct(rows: Iterable[LabelledText]) -> list[LabelledText]:
    out: dict[str, LabelledText] = {}
    for row in rows:
        out.setdefault(text_key(row.text), row)
    return list(out.values())


# Training and scoring.


def _embedder(settings: Settings, engine: str) -> Embedder | None:
    if engine != "semantic":
        return None
    return configured_embedder(settings) or SentenceEmbedder()


def _train(rows: Sequence[LabelledText], engine: str, embedder: Embedder | None) -> IntentModel:
    try:
        return train_intent_model(rows, engine=engine, embedder=embedder)
    except (ValueError, SemanticEngineUnavailable) as exc:
        raise TrainingDataInvalid(str(exc)) from exc


def _metrics(report: EvalReport | None) -> dict[str, Any]:
    return report.as_dict() if report is not None else {}


def _gate_model(settings: Settings, version_id: str) -> IntentModel:
    """The version's gate copy (trained without the held-out set); its served model if the
    gate copy is missing, which can only flatter it."""
    path = registry.gate_file(settings, version_id)
    if not path.exists():
        path = registry.model_file(settings, version_id)
    return IntentModel.load(path, embedder=configured_embedder(settings))


def register_trained(
    runtime: Runtime, rows: Sequence[LabelledText], *, actor: str, engine: str | None = None
) -> ModelVersion:
    """Register the model ``confide train`` just wrote from ``rows`` as the active version:
    keep the base examples, extend the held-out set, train the gate copy and score it."""
    settings = runtime.settings
    engine = engine or settings.nlu_engine
    base = store_base(settings, rows)
    version_id = registry.new_version_id(runtime.clock())
    gate = _train(base.train, engine, _embedder(settings, engine))
    registry.copy_atomically(settings.intent_model_path, registry.model_file(settings, version_id))
    gate.save(registry.gate_file(settings, version_id))
    report = evaluate(gate, base.heldout) if base.heldout else None
    with runtime.work() as session:
        version = _new_version(runtime, version_id, base, report, note="confide train")
        registry.add_version(session, version)
        registry.promote(session, version, runtime.clock())
        reason = f"registered {version_id} from confide train: {len(base.examples)} base examples"
        runtime.audit.record(session, "learning.register", actor=actor, reason=reason)
        session.expunge(version)
    return version


def _new_version(
    runtime: Runtime,
    version_id: str,
    base: BaseData,
    report: EvalReport | None,
    *,
    note: str,
    learned: Learned | None = None,
) -> ModelVersion:
    return ModelVersion(
        id=version_id,
        status=registry.CANDIDATE,
        metrics=_metrics(report),
        base_examples=len(base.examples),
        example_ids=learned.ids if learned else [],
        contributors=learned.contributors if learned else [],
        note=note,
        created_at=runtime.clock(),
    )


# What customers taught, read again through the policy.


@dataclass
class Learned:
    rows: list[LabelledText] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    contributors: list[str] = field(default_factory=list)
    skipped: int = 0


def learned_examples(runtime: Runtime, base: BaseData) -> Learned:
    """Approved phrasings of the base's intents that the policy still lets us read, each
    opened for ``improvement``; not one that repeats a held-out text (it would leak the test
    set into training). Read in short transactions: SQLite writers wait for none of them."""
    with runtime.work() as session:
        approved = stored_examples(session, status="approved", kind=PHRASING)
        session.expunge_all()
    learned, contributors, held = Learned(), set(), base.heldout_keys
    for start in range(0, len(approved), OPEN_BATCH):
        with runtime.work() as session:
            for example in approved[start : start + OPEN_BATCH]:
                known = example.intent in base.intents
                text = _open_text(session, runtime.learning, example) if known else None
                if text is None or example.intent is None or text_key(text) in held:
                    learned.skipped += 1
                    continue
                learned.rows.append(LabelledText(text, example.intent))
                learned.ids.append(str(example.id))
                contributors.add(example.contributor)
    learned.contributors = sorted(contributors)
    return learned


def _open_text(session: Session, ctx: LearningContext, example: LearningExample) -> str | None:
    try:
        opened = open_example(session, ctx, example)
    except SubjectErased:
        return None
    return opened.text if opened is not None else None


def tainted_examples(session: Session, version: ModelVersion) -> set[str]:
    """The version's training examples that may no longer be used: gone from the training
    store (withdrawal, objection and erasure delete them) or of an erased customer."""
    if not version.example_ids:
        return set()
    return set(version.example_ids) - registry.usable_example_ids(session, version.example_ids)


# Retraining.


@dataclass(frozen=True)
class RetrainResult:
    promoted: bool
    # Promoted without the gate: the active model held data that may no longer be used.
    forced: bool
    reason: str
    tolerance: float
    candidate: dict[str, Any]
    active: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "promoted": self.promoted,
            "forced": self.forced,
            "reason": self.reason,
            "tolerance": self.tolerance,
            "candidate": self.candidate,
            "active": self.active,
        }


@dataclass(frozen=True)
class _Before:
    active: ModelVersion | None
    tainted: bool
    learned: Learned


def retrain(
    runtime: Runtime,
    *,
    actor: str,
    tolerance: float | None = None,
    reason: str = REQUESTED,
    reload: bool = True,
) -> RetrainResult:
    """Train a candidate, score it and the active model on the held-out set, promote it
    when it does not regress by more than ``tolerance`` (or when the active one is tainted).
    With ``reload``, the runtime's assistant is reloaded after a promotion."""
    settings = runtime.settings
    tolerance = settings.learning_tolerance if tolerance is None else tolerance
    base = load_base(settings)
    if not base.examples:
        raise NoBaseData("no base examples are stored: run `confide train` first")
    if not base.heldout:
        raise NoHeldOutSet("the held-out set is empty: train with 3 or more examples per intent")
    before = _read_before(runtime, base)
    active_gate = _gate_model(settings, before.active.id) if before.active else None
    engine = active_gate.engine if active_gate else settings.nlu_engine
    embedder = _embedder(settings, engine)
    learned = before.learned
    gate = _train(base.train + learned.rows, engine, embedder)
    candidate_report = evaluate(gate, base.heldout)
    active_report = evaluate(active_gate, base.heldout) if active_gate else None
    forced = before.tainted
    promoted = forced or _passes(candidate_report, active_report, tolerance)
    version_id = registry.new_version_id(runtime.clock())
    if promoted:
        served = _train(base.examples + learned.rows, engine, embedder)
        served.save(registry.model_file(settings, version_id))
        gate.save(registry.gate_file(settings, version_id))
    why = _why(version_id, promoted, forced, candidate_report, active_report, tolerance)
    version = _record(runtime, version_id, base, learned, candidate_report, promoted, actor, why)
    if promoted and reload:
        runtime.reload_assistant()
    prune_versions(runtime, actor=actor)
    return RetrainResult(
        promoted=promoted,
        forced=forced,
        reason=UNLEARNING if forced else reason,
        tolerance=tolerance,
        candidate={**_summary(version), "skipped": learned.skipped},
        active=(
            {"id": before.active.id, "metrics": _metrics(active_report)} if before.active else None
        ),
    )


def _read_before(runtime: Runtime, base: BaseData) -> _Before:
    with runtime.work() as session:
        active = registry.active_version(session)
        tainted = active is not None and bool(tainted_examples(session, active))
        if active is not None:
            session.expunge(active)
    return _Before(active, tainted, learned_examples(runtime, base))


def _passes(candidate: EvalReport, active: EvalReport | None, tolerance: float) -> bool:
    return active is None or candidate.accuracy + EPSILON >= active.accuracy - tolerance


def _why(
    version_id: str,
    promoted: bool,
    forced: bool,
    candidate: EvalReport,
    active: EvalReport | None,
    tolerance: float,
) -> str:
    verdict = "promoted" if promoted else "rejected"
    against = f" vs {active.accuracy:.3f}" if active else ""
    why = " to unlearn withdrawn data" if forced else ""
    return (
        f"{verdict} {version_id}{why}: accuracy {candidate.accuracy:.3f}{against} "
        f"on {candidate.n} held out, tolerance {tolerance:g}"
    )


def _record(
    runtime: Runtime,
    version_id: str,
    base: BaseData,
    learned: Learned,
    report: EvalReport,
    promoted: bool,
    actor: str,
    why: str,
) -> ModelVersion:
    with runtime.work() as session:
        version = _new_version(runtime, version_id, base, report, note=why[:200], learned=learned)
        registry.add_version(session, version)
        if promoted:
            registry.promote(session, version, runtime.clock())
            # Last, so a failed copy rolls the registry back with it.
            registry.activate_file(runtime.settings, version_id)
        else:
            version.status = registry.REJECTED
        runtime.audit.record(session, "learning.retrain", actor=actor, reason=why)
        session.flush()
        session.expunge(version)
    return version


def _summary(version: ModelVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "status": version.status,
        "metrics": version.metrics,
        "base_examples": version.base_examples,
        "examples": len(version.example_ids),
        "contributors": len(version.contributors),
        "created_at": _iso(version.created_at),
        "promoted_at": _iso(version.promoted_at),
    }


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


# Listing, lineage, rollback, purge.


def list_models(session: Session, settings: Settings) -> list[dict[str, Any]]:
    return [
        {
            **_summary(version),
            "note": version.note,
            "files": registry.has_files(settings, version.id),
            "tainted": bool(tainted_examples(session, version)),
        }
        for version in registry.list_versions(session)
    ]


def lineage(session: Session, audit: AuditLog, subject_id: uuid.UUID) -> dict[str, Any]:
    """Whether each version, and the active one, was trained on this customer's examples."""
    pseudonym = audit.subject_pseudonym(subject_id)
    versions = registry.list_versions(session)
    active = next((v for v in versions if v.status == registry.ACTIVE), None)
    return {
        "subject": pseudonym,
        "active": active.id if active else None,
        "active_contains": bool(active and pseudonym in active.contributors),
        "versions": [
            {"id": v.id, "status": v.status, "contains": pseudonym in v.contributors}
            for v in versions
        ],
    }


def rollback(
    runtime: Runtime, version_id: str | None = None, *, actor: str, reload: bool = True
) -> ModelVersion:
    """Make a previously active version active again (default: the one active before the
    current one). Refused, changing nothing, for a version trained on withdrawn data."""
    with runtime.work() as session:
        current = registry.active_version(session)
        target = (
            registry.get_version(session, version_id)
            if version_id
            else registry.previous_active(session)
        )
        _check_rollback(session, runtime, target, version_id)
        assert target is not None
        registry.promote(session, target, runtime.clock())
        registry.activate_file(runtime.settings, target.id)
        reason = f"rolled back to {target.id}" + (f" from {current.id}" if current else "")
        runtime.audit.record(session, "learning.rollback", actor=actor, reason=reason)
        session.flush()
        session.expunge(target)
    if reload:
        runtime.reload_assistant()
    return target


def _check_rollback(
    session: Session, runtime: Runtime, target: ModelVersion | None, asked: str | None
) -> None:
    if target is None:
        what = f"no model version {asked}" if asked else "no earlier active version"
        raise VersionNotFound(f"{what}: see `confide learning models`")
    if target.status == registry.ACTIVE:
        raise RollbackRefused(f"{target.id} is already the active version")
    if target.status != registry.RETIRED:
        raise RollbackRefused(f"{target.id} was never active ({target.status})")
    if tainted_examples(session, target):
        raise RollbackRefused(
            f"{target.id} was trained on examples of a customer who has since withdrawn "
            "consent or been erased; retrain instead"
        )
    if not registry.has_files(runtime.settings, target.id):
        raise RollbackRefused(f"the files of {target.id} are gone")


def prune_versions(runtime: Runtime, *, actor: str, keep: int = KEEP_RETIRED) -> list[str]:
    """Delete the files of every inactive version trained on data that may no longer be
    used (nothing can serve it again), and of retired versions older than the last ``keep``
    (disk space). The registry keeps their metrics and lineage."""
    settings = runtime.settings
    with runtime.work() as session:
        kept = [
            v
            for v in registry.list_versions(session)
            if v.status != registry.ACTIVE and registry.has_files(settings, v.id)
        ]
        tainted = [v.id for v in kept if tainted_examples(session, v)]
        retired = [v for v in kept if v.status == registry.RETIRED and v.id not in tainted]
        retired.sort(key=lambda v: as_utc(v.promoted_at or v.created_at), reverse=True)
        old = [v.id for v in retired[keep:]]
        for version_id in tainted + old:
            registry.delete_files(settings, version_id)
        if tainted:
            reason = f"deleted the files of {', '.join(tainted)}: trained on withdrawn examples"
            runtime.audit.record(session, "learning.purge", actor=actor, reason=reason[:400])
        if old:
            reason = f"deleted the files of {', '.join(old)}: older than the last {keep}"
            runtime.audit.record(session, "learning.prune", actor=actor, reason=reason[:400])
    return tainted + old
