"""Retraining while the server runs.

The job wakes every ``CONFIDE_LEARNING_UNLEARN_SECONDS`` (or every
``CONFIDE_LEARNING_RETRAIN_SECONDS`` if that is shorter; either 0 leaves the other alone,
both 0 turn it off). At each tick it retrains at once when the active model is tainted
(trained on examples of a customer who has since withdrawn or been erased), or when the
retrain interval has passed since the last version and a phrasing was approved since.
Otherwise it deletes the files of tainted inactive versions (and of old retired ones). It
reloads the assistant whenever the active model file changed, whoever changed it (this job,
`confide learning retrain` or `rollback` in another process), so every worker follows.
Due-ness is read from the registry, so restarts do not reset it; two workers may rarely
retrain together, which only adds a version.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from confide.db import as_utc
from confide.learning import registry
from confide.learning.retrain import (
    SCHEDULED,
    UNLEARNING,
    RetrainResult,
    load_base,
    prune_versions,
    retrain,
    tainted_examples,
)
from confide.periodic import PeriodicJob

if TYPE_CHECKING:
    from confide.runtime import Runtime

__all__ = ["LearningScheduler", "learning_job", "retrain_due"]

log = logging.getLogger(__name__)
ACTOR = "system"

Stamp = tuple[int, int, int] | None


def retrain_due(runtime: Runtime) -> str | None:
    """Why a retrain is due now (``unlearning`` or ``scheduled``), or None. Cheap: a few
    indexed queries, nothing decrypted."""
    settings = runtime.settings
    if not load_base(settings).heldout:
        return None
    with runtime.work() as session:
        active = registry.active_version(session)
        if active is None:
            return None
        if tainted_examples(session, active):
            return UNLEARNING
        last = registry.latest_created_at(session)
        interval = settings.learning_retrain_seconds
        if interval <= 0 or last is None:
            return None
        if runtime.clock() - as_utc(last) < timedelta(seconds=interval):
            return None
        return SCHEDULED if registry.approved_since(session, as_utc(last)) else None


class LearningScheduler(PeriodicJob[RetrainResult]):
    def __init__(self, runtime: Runtime, *, tick_seconds: float) -> None:
        super().__init__(
            "learning retrain", self._tick, interval_seconds=tick_seconds, run_at_start=False
        )
        self._runtime = runtime
        self._seen = _stamp(runtime)

    def _tick(self) -> RetrainResult | None:
        runtime = self._runtime
        why = retrain_due(runtime)
        result = None
        if why is not None:
            result = retrain(runtime, actor=ACTOR, reason=why, reload=False)
            log.info("learning: %s retrain, promoted: %s", why, result.promoted)
        else:
            prune_versions(runtime, actor=ACTOR)
        self.reload_if_changed()
        return result

    def reload_if_changed(self) -> bool:
        """Reload the assistant if the active model file changed since it was loaded."""
        stamp = _stamp(self._runtime)
        if stamp == self._seen:
            return False
        self._seen = stamp
        self._runtime.reload_assistant()
        return True


def _stamp(runtime: Runtime) -> Stamp:
    try:
        stat = os.stat(runtime.settings.intent_model_path)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def learning_job(app: Any) -> LearningScheduler | None:
    """The scheduled retrain (None when both intervals are 0); on ``app.state``."""
    runtime = app.state.runtime
    settings = runtime.settings
    periods = [
        p for p in (settings.learning_retrain_seconds, settings.learning_unlearn_seconds) if p > 0
    ]
    job = LearningScheduler(runtime, tick_seconds=min(periods)) if periods else None
    app.state.learning_scheduler = job
    return job
