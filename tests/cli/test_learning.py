"""`confide learning`: retrain, models, lineage and rollback from the command line."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from tests.conftest import cli_json
from tests.learning.test_retrain import GOOD, approve, base_rows, consenting_customer, subject_of


def train_from_csv(runtime: Runtime, tmp_path: Path) -> dict[str, object]:
    examples = tmp_path / "examples.csv"
    lines = ["text,intent"] + [f"{row.text},{row.intent}" for row in base_rows()]
    examples.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _ = cli_json(runtime.settings, "train", "--examples", str(examples))
    assert code == 0
    code, versions = cli_json(runtime.settings, "learning", "models")
    assert code == 0 and len(versions) == 1
    version: dict[str, object] = versions[0]
    return version


def test_train_registers_a_version_that_models_lists(runtime: Runtime, tmp_path: Path) -> None:
    version = train_from_csv(runtime, tmp_path)
    assert version["status"] == "active" and version["files"] is True
    assert version["tainted"] is False and version["note"] == "confide train"
    # The CSV's rows and the demo articles' example questions.
    assert isinstance(version["base_examples"], int) and version["base_examples"] > 52
    assert (version["examples"], version["contributors"]) == (0, 0)
    assert set(version["metrics"]) == {"accuracy", "in_scope_accuracy", "oos_recall", "n"}  # type: ignore[arg-type]


def test_retrain_lineage_and_rollback_from_the_command_line(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    first = train_from_csv(runtime, tmp_path)
    chat = consenting_customer(client)
    approve(runtime, chat, GOOD)
    code, result = cli_json(runtime.settings, "learning", "retrain")
    assert code == 0 and result["promoted"] is True and result["forced"] is False
    assert result["active"]["id"] == first["id"]
    assert result["candidate"]["examples"] == 4 and result["candidate"]["contributors"] == 1
    assert set(result["candidate"]["metrics"]) == set(result["active"]["metrics"])
    taught = result["candidate"]["id"]
    code, rejected = cli_json(runtime.settings, "learning", "retrain", "--tolerance", "-1")
    assert code == 0 and rejected["promoted"] is False
    assert rejected["candidate"]["status"] == "rejected"
    code, found = cli_json(runtime.settings, "learning", "lineage", str(subject_of(chat)))
    assert code == 0 and found["active"] == taught and found["active_contains"] is True
    code, back = cli_json(runtime.settings, "learning", "rollback")
    assert code == 0 and back["active"] == first["id"]
    code, found = cli_json(runtime.settings, "learning", "lineage", str(subject_of(chat)))
    assert found["active"] == first["id"] and found["active_contains"] is False
    code, versions = cli_json(runtime.settings, "learning", "models")
    statuses = {v["id"]: v["status"] for v in versions}
    assert statuses == {
        first["id"]: "active",
        taught: "retired",
        rejected["candidate"]["id"]: "rejected",
    }


def test_learning_commands_refuse_clearly(runtime: Runtime, tmp_path: Path) -> None:
    code, out = cli_json(runtime.settings, "learning", "retrain")
    assert code == 1 and out["error"] == "NoBaseData"
    train_from_csv(runtime, tmp_path)
    code, out = cli_json(runtime.settings, "learning", "rollback")
    assert code == 1 and out == {
        "error": "VersionNotFound",
        "detail": "no earlier active version: see `confide learning models`",
    }
    code, out = cli_json(runtime.settings, "learning", "rollback", "m-nothing")
    assert code == 1 and out["error"] == "VersionNotFound"
    code, out = cli_json(runtime.settings, "learning", "lineage", "not-an-id")
    assert code == 1 and out["error"] == "BadRequest"
    code, out = cli_json(runtime.settings, "learning", "lineage", str(uuid.uuid4()))
    assert code == 0 and out["active_contains"] is False
