"""The model registry: every trained model is a version with its files, metrics and base
data; the held-out set is a fixed, stratified share of the company's examples that only
grows and never trains a model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.audit.models import AuditEntry
from confide.config import Settings
from confide.learning import registry
from confide.learning.retrain import (
    choose_heldout,
    load_base,
    prune_versions,
    retrain,
    store_base,
)
from confide.nlu import LabelledText
from confide.runtime import Runtime
from tests.learning.test_retrain import approve, base_rows, consenting_customer, train_base


def test_training_registers_the_active_version_with_its_files_and_base_data(
    runtime: Runtime,
) -> None:
    version = train_base(runtime)
    settings = runtime.settings
    assert version.status == "active" and version.note == "confide train"
    assert version.id.startswith("m-") and len(version.id) == len("m-20261129T004000-abcd")
    assert (version.example_ids, version.contributors) == ([], [])
    assert version.base_examples == len(base_rows())
    assert settings.intent_model_path.read_bytes() == (
        registry.model_file(settings, version.id).read_bytes()
    )
    assert registry.gate_file(settings, version.id).exists()
    base = load_base(settings)
    assert base.examples == base_rows()
    held = Counter(row.intent for row in base.heldout)
    assert held == {"track_order": 3, "refund": 3, "reset_password": 3, "oos": 1}
    assert version.metrics["n"] == 10
    with runtime.work() as session:
        reasons = session.scalars(
            select(AuditEntry.reason).where(AuditEntry.action == "learning.register")
        ).all()
    assert reasons == [f"registered {version.id} from confide train: 52 base examples"]


def test_training_again_retires_the_previous_version(runtime: Runtime) -> None:
    first = train_base(runtime)
    second = train_base(runtime)
    with runtime.work() as session:
        statuses = {v.id: v.status for v in registry.list_versions(session)}
        assert registry.previous_active(session) is not None
    assert statuses == {first.id: "retired", second.id: "active"}


def test_the_heldout_set_is_deterministic_and_never_shrinks(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    rows = base_rows()
    first = store_base(settings, rows).heldout
    assert store_base(settings, rows).heldout == first
    # The company drops two held-out rows and adds new ones: the dropped rows stay held
    # out, and the new quota is filled from rows no model has seen.
    dropped = {first[0].text, first[1].text}
    new = [LabelledText(f"where has my parcel number {i} gone", "track_order") for i in range(9)]
    kept = [row for row in rows if row.text not in dropped]
    second = store_base(settings, kept + new).heldout
    assert set(first) <= set(second)
    added = set(second) - set(first)
    assert added and added <= set(new)
    assert load_base(settings).heldout == second


def test_a_relabelled_heldout_row_takes_its_new_label(tmp_path: Path) -> None:
    rows = base_rows()
    held = choose_heldout(rows, [], set())
    moved = held[0]
    relabelled = [LabelledText(r.text, "refund") if r.text == moved.text else r for r in rows]
    again = choose_heldout(relabelled, held, {r.text.lower() for r in rows})
    assert LabelledText(moved.text, "refund") in again and moved not in again


def test_held_out_texts_never_train_a_model(client: TestClient, runtime: Runtime) -> None:
    train_base(runtime)
    base = load_base(runtime.settings)
    held = base.heldout[0]
    assert all(row.text != held.text for row in base.train)
    chat = consenting_customer(client)
    [leak] = approve(runtime, chat, [(f"  {held.text.upper()} ", held.intent)])
    result = retrain(runtime, actor="operator:test")
    assert result.candidate["skipped"] == 1 and result.candidate["examples"] == 0
    with runtime.work() as session:
        version = registry.get_version(session, result.candidate["id"])
        assert version is not None and leak not in version.example_ids


def test_only_the_latest_retired_versions_keep_their_files(runtime: Runtime) -> None:
    oldest, middle, newest = (train_base(runtime) for _ in range(3))
    assert prune_versions(runtime, actor="operator:test", keep=1) == [oldest.id]
    settings = runtime.settings
    assert [registry.has_files(settings, v.id) for v in (oldest, middle, newest)] == [
        False,
        True,
        True,
    ]
    assert prune_versions(runtime, actor="operator:test", keep=1) == []
    with runtime.work() as session:
        reasons = session.scalars(
            select(AuditEntry.reason).where(AuditEntry.action == "learning.prune")
        ).all()
    assert reasons == [f"deleted the files of {oldest.id}: older than the last 1"]
