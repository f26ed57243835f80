"""The model registry: every trained intent model is a version, with its files and its lineage.

On disk, under ``models/``: ``versions/<id>.joblib`` (the model served when the version is
active, trained on all base examples), ``versions/<id>.gate.joblib`` (the same recipe without
the held-out set: the one scored to gate promotion), ``intent-model.joblib`` (a copy of the
active version's model, what the assistant loads), ``base-examples.csv`` (the company's own
examples, kept to retrain from) and ``heldout.csv`` (the test set, which only grows).
Customers' examples never enter these CSV files: they stay sealed in the database.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from confide.config import Settings
from confide.learning.models import LearningExample, ModelVersion
from confide.learning.service import PHRASING
from confide.nlu import IntentDataError, LabelledText, read_labelled_csv
from confide.subjects.models import Subject
from confide.subjects.service import ERASED

ACTIVE, CANDIDATE, RETIRED, REJECTED = "active", "candidate", "retired", "rejected"


def new_version_id(now: datetime) -> str:
    return f"m-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"


# Files.


def versions_dir(settings: Settings) -> Path:
    return settings.models_dir / "versions"


def model_file(settings: Settings, version_id: str) -> Path:
    return versions_dir(settings) / f"{version_id}.joblib"


def gate_file(settings: Settings, version_id: str) -> Path:
    return versions_dir(settings) / f"{version_id}.gate.joblib"


def base_file(settings: Settings) -> Path:
    return settings.models_dir / "base-examples.csv"


def heldout_file(settings: Settings) -> Path:
    return settings.models_dir / "heldout.csv"


def has_files(settings: Settings, version_id: str) -> bool:
    return model_file(settings, version_id).exists()


def copy_atomically(source: Path, target: Path) -> None:
    """Replace ``target`` with a copy of ``source``; a reader sees the old or the new file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def activate_file(settings: Settings, version_id: str) -> None:
    """Make the version's model the one the assistant loads."""
    copy_atomically(model_file(settings, version_id), settings.intent_model_path)


def delete_files(settings: Settings, version_id: str) -> bool:
    """Delete a version's model files; True when there were any."""
    found = False
    for path in (model_file(settings, version_id), gate_file(settings, version_id)):
        if path.exists():
            path.unlink()
            found = True
    return found


def write_examples(path: Path, rows: Sequence[LabelledText]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["text", "intent"])
    writer.writerows([row.text, row.intent] for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(buffer.getvalue())
    os.replace(tmp, path)


def read_examples(path: Path) -> list[LabelledText]:
    """The rows of a CSV written by :func:`write_examples`; none when it does not exist."""
    if not path.exists():
        return []
    try:
        return read_labelled_csv(path)
    except IntentDataError:
        return []  # the header alone: an empty set


# Rows.


def get_version(session: Session, version_id: str) -> ModelVersion | None:
    return session.get(ModelVersion, version_id)


def active_version(session: Session) -> ModelVersion | None:
    query = select(ModelVersion).where(ModelVersion.status == ACTIVE)
    return session.scalars(query.order_by(ModelVersion.promoted_at.desc())).first()


def list_versions(session: Session) -> list[ModelVersion]:
    query = select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
    return list(session.scalars(query))


def previous_active(session: Session) -> ModelVersion | None:
    """The version that was active before the current one (the latest retired)."""
    query = select(ModelVersion).where(
        ModelVersion.status == RETIRED, ModelVersion.promoted_at.is_not(None)
    )
    return session.scalars(query.order_by(ModelVersion.promoted_at.desc())).first()


def latest_created_at(session: Session) -> datetime | None:
    return session.scalar(select(func.max(ModelVersion.created_at)))


def add_version(session: Session, version: ModelVersion) -> None:
    session.add(version)
    session.flush()


def promote(session: Session, version: ModelVersion, now: datetime) -> ModelVersion | None:
    """Make ``version`` the active one; returns the one it replaces (now retired)."""
    before = active_version(session)
    if before is not None and before.id != version.id:
        before.status = RETIRED
    version.status = ACTIVE
    version.promoted_at = now
    session.flush()
    return before if before is not None and before.id != version.id else None


def usable_example_ids(session: Session, ids: Iterable[str]) -> set[str]:
    """Of the given example ids, those still in the training store, of a customer not erased."""
    wanted = [uuid.UUID(i) for i in ids]
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        query = (
            select(LearningExample.id)
            .join(Subject, Subject.id == LearningExample.subject_id)
            .where(LearningExample.id.in_(wanted[start : start + 500]), Subject.status != ERASED)
        )
        found.update(str(example_id) for example_id in session.scalars(query))
    return found


def approved_since(session: Session, since: datetime) -> bool:
    """Whether a phrasing was approved after ``since`` (inserted approved: created after)."""
    reviewed = func.coalesce(LearningExample.reviewed_at, LearningExample.created_at)
    query = select(LearningExample.id).where(
        LearningExample.status == "approved",
        LearningExample.kind == PHRASING,
        reviewed > since,
    )
    return session.scalars(query.limit(1)).first() is not None
