"""Retraining with a gate: a candidate is promoted only when it does not regress on the
held-out set; what a withdrawn customer taught leaves the next model, and no rollback brings
it back."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.audit.models import AuditEntry
from confide.conversations.models import Conversation
from confide.intents.service import train_and_save
from confide.learning import registry
from confide.learning.models import LearningExample, ModelVersion
from confide.learning.retrain import (
    NoBaseData,
    RollbackRefused,
    lineage,
    register_trained,
    retrain,
    rollback,
)
from confide.learning.service import open_example, unlearn_subject
from confide.nlu import LabelledText
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault import FieldRef
from tests.conftest import Chat

TEMPLATES = {
    "track_order": (
        ["where is my {}", "has my {} shipped", "track my {}", "when will my {} arrive"],
        ["parcel", "order", "package", "delivery"],
    ),
    "refund": (
        ["I want my money back for the {}", "refund the {}", "can I get a refund on my {}"],
        ["lamp", "chair", "rug", "kettle", "sofa"],
    ),
    "reset_password": (
        ["I forgot my {} password", "reset my {} password", "cannot log in to my {}"],
        ["account", "profile", "shop", "app", "email"],
    ),
    "oos": (["what is the weather in {}", "tell me a joke about {}"], ["paris", "rome", "oslo"]),
}
GOOD = [
    ("where on earth is my parcel", "track_order"),
    ("my package never came, where is it", "track_order"),
    ("please refund my kettle", "refund"),
    ("I need to reset the password of my account", "reset_password"),
]


def base_rows() -> list[LabelledText]:
    return [
        LabelledText(template.format(thing), intent)
        for intent, (templates, things) in TEMPLATES.items()
        for template in templates
        for thing in things
    ]


def train_base(runtime: Runtime) -> ModelVersion:
    """What `confide train` does: train the served model on every base row, register it."""
    rows = base_rows()
    train_and_save(runtime.settings, rows)
    return register_trained(runtime, rows, actor="operator:test")


def consenting_customer(client: TestClient, granted: bool = True) -> Chat:
    chat = Chat(client)
    set_consent(client, chat, granted)
    return chat


def set_consent(client: TestClient, chat: Chat, granted: bool) -> None:
    response = client.put(
        "/v1/me/consents/improvement", json={"granted": granted}, headers=chat.headers
    )
    assert response.status_code == 200, response.text


def approve(runtime: Runtime, chat: Chat, rows: list[tuple[str, str]]) -> list[str]:
    """Approved phrasings from ``chat``'s customer, sealed under their key as collection does."""
    ids = []
    with runtime.work() as session:
        conversation = session.get(Conversation, uuid.UUID(chat.id))
        assert conversation is not None
        subject = session.get(Subject, conversation.subject_id)
        assert subject is not None
        for text, intent in rows:
            example_id = uuid.uuid4()
            ref = FieldRef("learning_examples", "text", str(example_id))
            session.add(
                LearningExample(
                    id=example_id,
                    subject_id=subject.id,
                    contributor=runtime.audit.subject_pseudonym(subject.id),
                    conversation_id=conversation.id,
                    kind="phrasing",
                    signal="feedback_up",
                    intent=intent,
                    text_ct=runtime.vault.seal(session, subject.data_key_id, ref, text),
                    status="approved",
                    reviewed_at=runtime.clock(),
                )
            )
            ids.append(str(example_id))
    return ids


def subject_of(chat: Chat) -> uuid.UUID:
    return uuid.UUID(str(chat.start["subject_id"]))


def active(runtime: Runtime) -> ModelVersion:
    with runtime.work() as session:
        version = registry.active_version(session)
        assert version is not None
        session.expunge(version)
        return version


def audit_reasons(runtime: Runtime, action: str) -> list[str]:
    with runtime.work() as session:
        query = select(AuditEntry.reason).where(AuditEntry.action == action)
        return [r or "" for r in session.scalars(query.order_by(AuditEntry.seq))]


def test_a_candidate_that_does_not_regress_is_promoted_with_its_lineage(
    client: TestClient, runtime: Runtime
) -> None:
    first = train_base(runtime)
    chat = consenting_customer(client)
    ids = approve(runtime, chat, GOOD)
    result = retrain(runtime, actor="operator:test")
    assert result.promoted and not result.forced
    assert result.active is not None and result.active["id"] == first.id
    now = active(runtime)
    assert now.id == result.candidate["id"] != first.id
    assert sorted(now.example_ids) == sorted(ids)
    assert now.contributors == [runtime.audit.subject_pseudonym(subject_of(chat))]
    assert set(now.metrics) == {"accuracy", "in_scope_accuracy", "oos_recall", "n"}
    settings = runtime.settings
    served = registry.model_file(settings, now.id).read_bytes()
    assert settings.intent_model_path.read_bytes() == served
    [reason] = audit_reasons(runtime, "learning.retrain")
    assert reason.startswith(f"promoted {now.id}: accuracy ")
    assert "<" not in reason  # nothing in it looked like personal data to the redactor
    with runtime.work() as session:
        found = lineage(session, runtime.audit, subject_of(chat))
    assert found["active"] == now.id and found["active_contains"] is True
    assert {v["id"]: v["contains"] for v in found["versions"]} == {now.id: True, first.id: False}


def test_a_worse_candidate_is_rejected_and_the_active_model_stays(
    client: TestClient, runtime: Runtime
) -> None:
    first = train_base(runtime)
    before = runtime.settings.intent_model_path.read_bytes()
    chat = consenting_customer(client)
    # A flood of tracking questions labelled as refunds.
    tracking = [row.text for row in base_rows() if row.intent == "track_order"]
    ends = ["please", "now", "today", "asap", "thanks"]
    approve(runtime, chat, [(f"{text} {end}", "refund") for text in tracking for end in ends])
    result = retrain(runtime, actor="operator:test")
    assert not result.promoted
    assert result.active is not None
    assert result.candidate["metrics"]["accuracy"] < result.active["metrics"]["accuracy"] - 0.01
    assert result.candidate["status"] == "rejected"
    assert active(runtime).id == first.id
    assert runtime.settings.intent_model_path.read_bytes() == before
    assert not registry.has_files(runtime.settings, result.candidate["id"])
    [reason] = audit_reasons(runtime, "learning.retrain")
    assert reason.startswith(f"rejected {result.candidate['id']}: accuracy ")


def test_a_negative_tolerance_rejects_even_an_equal_candidate(runtime: Runtime) -> None:
    first = train_base(runtime)
    result = retrain(runtime, actor="operator:test", tolerance=-1)
    assert not result.promoted and result.tolerance == -1
    assert result.active is not None
    assert result.candidate["metrics"] == result.active["metrics"]
    assert active(runtime).id == first.id


def test_a_withdrawn_customer_is_left_out_of_the_next_model_whatever_the_gate(
    client: TestClient, runtime: Runtime
) -> None:
    train_base(runtime)
    stays, leaves = consenting_customer(client), consenting_customer(client)
    approve(runtime, stays, GOOD[:2])
    approve(runtime, leaves, GOOD[2:])
    taught = retrain(runtime, actor="operator:test")
    assert taught.promoted and taught.candidate["contributors"] == 2
    with runtime.work() as session:
        theirs = session.scalars(
            select(LearningExample).where(LearningExample.subject_id == subject_of(leaves))
        ).all()
        session.expunge_all()
    set_consent(client, leaves, False)
    with runtime.work() as session:
        assert [open_example(session, runtime.learning, e) for e in theirs] == [None, None]
    # Even a gate nothing could pass does not keep their data in the active model.
    result = retrain(runtime, actor="operator:test", tolerance=-1)
    assert result.promoted and result.forced and result.reason == "unlearning"
    now = active(runtime)
    pseudonym = runtime.audit.subject_pseudonym(subject_of(leaves))
    assert pseudonym not in now.contributors
    assert now.contributors == [runtime.audit.subject_pseudonym(subject_of(stays))]
    with runtime.work() as session:
        found = lineage(session, runtime.audit, subject_of(leaves))
    assert found["active_contains"] is False
    assert [v["id"] for v in found["versions"] if v["contains"]] == [taught.candidate["id"]]
    # The version trained on their examples can never serve again: its files are gone.
    assert not registry.has_files(runtime.settings, taught.candidate["id"])
    with pytest.raises(RollbackRefused, match="withdrawn consent or been erased"):
        rollback(runtime, taught.candidate["id"], actor="operator:test")
    assert any(
        r.startswith("deleted the files of") for r in audit_reasons(runtime, "learning.purge")
    )


def test_rollback_makes_the_previous_version_active_again(
    client: TestClient, runtime: Runtime
) -> None:
    first = train_base(runtime)
    first_file = registry.model_file(runtime.settings, first.id).read_bytes()
    approve(runtime, consenting_customer(client), GOOD)
    second = retrain(runtime, actor="operator:test").candidate["id"]
    restored = rollback(runtime, actor="operator:test")
    assert restored.id == first.id and active(runtime).id == first.id
    assert runtime.settings.intent_model_path.read_bytes() == first_file
    assert audit_reasons(runtime, "learning.rollback") == [
        f"rolled back to {first.id} from {second}"
    ]
    with runtime.work() as session:
        statuses = {v.id: v.status for v in registry.list_versions(session)}
    assert statuses == {first.id: "active", second: "retired"}


def test_rollback_to_a_version_with_an_erased_customers_examples_changes_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    first = train_base(runtime)
    chat = consenting_customer(client)
    approve(runtime, chat, GOOD)
    taught = retrain(runtime, actor="operator:test").candidate["id"]
    rollback(runtime, first.id, actor="operator:test")
    with runtime.work() as session:
        unlearn_subject(session, runtime.learning, subject_of(chat), actor="test", why="erasure")
    before = runtime.settings.intent_model_path.read_bytes()
    with pytest.raises(RollbackRefused):
        rollback(runtime, taught, actor="operator:test")
    assert active(runtime).id == first.id
    assert runtime.settings.intent_model_path.read_bytes() == before
    assert audit_reasons(runtime, "learning.rollback") == [
        f"rolled back to {first.id} from {taught}"
    ]


def test_retrain_before_any_training_is_a_clear_error(runtime: Runtime) -> None:
    with pytest.raises(NoBaseData, match="run `confide train` first"):
        retrain(runtime, actor="operator:test")
