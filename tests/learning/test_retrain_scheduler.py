"""The server's scheduled retrain: at once when the active model holds a withdrawn
customer's data, otherwise only after the interval and when there is something new."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from fastapi.testclient import TestClient

from confide.app import create_app
from confide.db import utcnow
from confide.learning.retrain import retrain
from confide.learning.scheduler import LearningScheduler, learning_job, retrain_due
from confide.runtime import Runtime
from tests.learning.test_retrain import (
    GOOD,
    active,
    approve,
    consenting_customer,
    set_consent,
    subject_of,
    train_base,
)


def test_a_retrain_is_due_at_once_when_the_active_model_holds_withdrawn_data(
    client: TestClient, runtime: Runtime
) -> None:
    assert retrain_due(runtime) is None  # nothing registered yet
    train_base(runtime)
    chat = consenting_customer(client)
    approve(runtime, chat, GOOD)
    assert retrain(runtime, actor="operator:test").promoted
    assert retrain_due(runtime) is None
    set_consent(client, chat, False)
    assert retrain_due(runtime) == "unlearning"


def test_a_scheduled_retrain_waits_for_the_interval_and_for_new_examples(
    client: TestClient, runtime: Runtime
) -> None:
    train_base(runtime)
    chat = consenting_customer(client)
    approve(runtime, chat, GOOD[:2])
    assert retrain_due(runtime) is None  # a day has not passed
    later = utcnow() + timedelta(days=1, seconds=1)
    runtime.clock = lambda: later
    assert retrain_due(runtime) == "scheduled"
    retrain(runtime, actor="operator:test")
    runtime.clock = lambda: later + timedelta(days=1, seconds=1)
    assert retrain_due(runtime) is None  # nothing new since the last version
    approve(runtime, chat, GOOD[2:])
    assert retrain_due(runtime) == "scheduled"
    runtime.settings.learning_retrain_seconds = 0
    assert retrain_due(runtime) is None


def test_the_server_replaces_a_model_holding_withdrawn_data_and_reloads_it(
    runtime: Runtime,
) -> None:
    runtime.settings.learning_unlearn_seconds = 0.1
    with TestClient(create_app(runtime=runtime)) as client:
        job = client.app.state.learning_scheduler  # type: ignore[attr-defined]
        assert isinstance(job, LearningScheduler)
        train_base(runtime)
        stays, leaves = consenting_customer(client), consenting_customer(client)
        approve(runtime, stays, GOOD[:2])
        approve(runtime, leaves, GOOD[2:])
        taught = retrain(runtime, actor="operator:test")
        assert job.runs == 0  # nothing was due
        before = runtime.assistant
        set_consent(client, leaves, False)
        assert job.wait_for_runs(1, timeout=60)
        result = job.last
        assert result is not None and result.promoted and result.reason == "unlearning"
        now = active(runtime)
        assert now.id == result.candidate["id"] != taught.candidate["id"]
        assert runtime.audit.subject_pseudonym(subject_of(leaves)) not in now.contributors
        assert runtime.audit.subject_pseudonym(subject_of(stays)) in now.contributors
        # The tick reloaded the assistant from the new file before it counted the run.
        assert runtime.assistant is not before and not job.reload_if_changed()


def test_the_job_is_off_when_both_intervals_are_zero(runtime: Runtime) -> None:
    runtime.settings.learning_retrain_seconds = 0
    runtime.settings.learning_unlearn_seconds = 0
    app = SimpleNamespace(state=SimpleNamespace(runtime=runtime))
    assert learning_job(app) is None and app.state.learning_scheduler is None
    runtime.settings.learning_retrain_seconds = 30
    job = learning_job(app)
    assert job is not None and job._timer.interval == 30
