"""The command line, in-process through typer's runner, against real databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from confide.config import Settings
from confide.runtime import Runtime
from tests.conftest import cli_json, cli_run


def test_init_is_idempotent_and_creates_a_private_keyring(settings: Settings) -> None:
    code, first = cli_json(settings, "init")
    assert code == 0 and first["model"] is False
    code, second = cli_json(settings, "init")
    assert code == 0 and second == first
    assert (settings.keyring_path.stat().st_mode & 0o777) == 0o600


def test_ask_prints_the_answer_contract_as_json(runtime: Runtime) -> None:
    code, out = cli_json(runtime.settings, "ask", "Where is my order?")
    assert code == 0
    assert {"answer", "intent", "confidence", "decision", "citations", "conversation_id"} <= set(
        out
    )
    assert out["decision"] == "act" and out["intent"] == "track_order"
    code, follow = cli_json(
        runtime.settings,
        "ask",
        "NW-10421",
        "--conversation-id",
        out["conversation_id"],
        "--token",
        out["token"],
    )
    assert code == 0 and follow["answer"].startswith("Order NW-10421")


def test_ask_cites_the_article_it_answered_from(runtime: Runtime) -> None:
    code, out = cli_json(runtime.settings, "ask", "which payment methods can I use?")
    assert code == 0 and out["decision"] == "answer"
    assert out["citations"] and set(out["citations"][0]) == {"article_id", "title"}


def test_ask_before_init_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "nothing")
    code, out = cli_json(settings, "ask", "hello")
    assert code == 1
    assert out["error"] == "SetupError" and "confide init" in out["detail"]


def test_ask_before_training_is_a_clear_error(settings: Settings) -> None:
    cli_run(settings, "init")
    code, out = cli_json(settings, "ask", "hello")
    assert code == 1 and out == {
        "error": "NotReady",
        "detail": "no intent model is trained yet: run `confide train`",
    }


def test_kb_import_of_markdown_json_and_csv_then_list(settings: Settings, tmp_path: Path) -> None:
    cli_run(settings, "init")
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "gift-wrap.md").write_text(
        "---\ntitle: Gift wrapping\ntags: [gifts]\nquestions: [Can you gift wrap?]\n---\n"
        "We gift wrap any order for 3 euros.\n",
        encoding="utf-8",
    )
    (tmp_path / "kb.json").write_text(
        json.dumps([{"id": "store-hours", "title": "Store hours", "body": "We are open 9 to 5."}]),
        encoding="utf-8",
    )
    (tmp_path / "kb.csv").write_text(
        "id,title,body,tags\nloyalty,Loyalty points,Earn a point per euro.,points|rewards\n",
        encoding="utf-8",
    )
    for path in (folder, tmp_path / "kb.json", tmp_path / "kb.csv"):
        code, out = cli_json(settings, "kb", "import", str(path))
        assert code == 0 and out == {"imported": 1, "created": 1, "updated": 0}
    code, again = cli_json(settings, "kb", "import", str(tmp_path / "kb.csv"))
    assert again == {"imported": 1, "created": 0, "updated": 1}
    code, listed = cli_json(settings, "kb", "list")
    assert [a["id"] for a in listed] == ["gift-wrap", "loyalty", "store-hours"]
    assert listed[1]["tags"] == ["points", "rewards"]


def test_kb_import_of_a_bad_file_imports_nothing(settings: Settings, tmp_path: Path) -> None:
    cli_run(settings, "init")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [
                {"id": "ok", "title": "Fine", "body": "Good."},
                {"id": "broken", "title": "", "body": "No title."},
            ]
        )
    )
    code, out = cli_json(settings, "kb", "import", str(bad))
    assert code == 1 and out["error"] == "ArticleFormatError" and "bad.json" in out["detail"]
    assert cli_json(settings, "kb", "list")[1] == []


def test_train_then_eval_reports_the_metrics(runtime: Runtime, tmp_path: Path) -> None:
    examples = tmp_path / "examples.csv"
    rows = ["text,label"]
    for i in range(12):
        rows += [
            f"where is my parcel number {i},track",
            f"I want my money back {i},refund",
            f"how do I change my password {i},password",
        ]
    rows += [f"tell me about the moon landing {i},oos" for i in range(6)]
    examples.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, meta = cli_json(runtime.settings, "train", "--examples", str(examples))
    assert code == 0 and meta["engine"] == "lexical"
    test = tmp_path / "test.csv"
    test.write_text(
        "text,intent\nwhere has my parcel gone,track\nrefund me please,refund\n"
        "what is the capital of peru,oos\n",
        encoding="utf-8",
    )
    code, report = cli_json(runtime.settings, "eval", "--data", str(test))
    assert code == 0
    assert set(report) == {"accuracy", "in_scope_accuracy", "oos_recall", "n"}
    assert report["n"] == 3


def test_train_with_a_file_missing_the_label_column_is_refused(
    runtime: Runtime, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,colour\nhello,blue\n", encoding="utf-8")
    before = runtime.settings.intent_model_path.read_bytes()
    code, out = cli_json(runtime.settings, "train", "--examples", str(bad))
    assert code == 1 and out["error"] == "TrainingDataInvalid"
    assert runtime.settings.intent_model_path.read_bytes() == before


def test_eval_of_a_missing_file_is_a_clear_error(runtime: Runtime, tmp_path: Path) -> None:
    code, out = cli_json(runtime.settings, "eval", "--data", str(tmp_path / "none.csv"))
    assert code == 1 and "none.csv" in out["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_without_serving_loads_the_store_and_trains(settings: Settings) -> None:
    code, out = cli_json(settings, "demo", "--no-serve")
    assert code == 0
    assert out["articles"] >= 30 and out["orders"] >= 20 and out["url"] == "http://127.0.0.1:8000"
    code, answer = cli_json(settings, "ask", "how do I return something?")
    assert code == 0 and answer["decision"] in {"answer", "act"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_chat_talks_in_the_terminal_until_an_empty_line(runtime: Runtime) -> None:
    code, stdout = cli_run(runtime.settings, "chat", stdin="Where is my order?\nNW-10421\n\n")
    assert code == 0
    out = " ".join(stdout.split())  # rich wraps lines to the terminal width
    assert "I'm an AI, not a person" in out
    assert "What is your order number?" in out
    assert "Order NW-10421 has shipped" in out


@pytest.mark.semantic
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_semantic_engine_trains_answers_and_retrieves_with_embeddings(
    runtime: Runtime, tmp_path: Path
) -> None:
    pytest.importorskip("sentence_transformers")
    from confide.bootstrap import DEMO_DIR
    from confide.knowledge.hybrid import HybridKnowledge

    code, meta = cli_json(
        runtime.settings,
        "train",
        "--engine",
        "semantic",
        "--examples",
        str(DEMO_DIR / "intents.csv"),
    )
    assert code == 0 and meta["engine"] == "semantic"
    code, answer = cli_json(runtime.settings, "ask", "I got charged two times for one purchase")
    assert code == 0 and answer["intent"] == "double_charge" and answer["decision"] == "answer"
    code, report = cli_json(runtime.settings, "eval", "--data", str(DEMO_DIR / "eval.csv"))
    assert code == 0 and report["n"] == 215 and report["accuracy"] > 0.8
    runtime.reload_assistant()
    assert isinstance(runtime.require_assistant().knowledge, HybridKnowledge)


def test_an_unknown_engine_is_refused(runtime: Runtime) -> None:
    code, _ = cli_run(runtime.settings, "train", "--engine", "quantum")
    assert code == 2
