"""`confide retention run` and the job in the server's lifespan."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from confide.app import create_app
from confide.config import Settings
from confide.runtime import Runtime
from tests.conftest import Chat, cli_json, cli_run
from tests.retention.test_retention import age, rows


def test_the_cli_dry_run_reports_and_changes_nothing_then_the_run_deletes(
    runtime: Runtime, settings: Settings, client: TestClient
) -> None:
    chat = Chat(client)
    chat.say("How long do refunds take?")
    age(runtime, chat, 91)
    before = rows(runtime, chat)

    code, planned = cli_json(settings, "retention", "run", "--dry-run")
    assert code == 0
    assert planned["dry_run"] is True
    assert planned["categories"]["transcripts"]["counts"] == {
        "conversations": 1,
        "messages": 3,
        "feedback": 0,
    }
    assert planned["categories"]["transcripts"]["period_days"] == 90
    assert "signed checkpoint" in planned["categories"]["audit_entries"]["note"]
    assert planned["categories"]["audit_entries"]["counts"] == {"entries": 0}
    assert rows(runtime, chat) == before

    code, done = cli_json(settings, "retention", "run")
    assert code == 0
    assert done["dry_run"] is False
    assert (
        done["categories"]["transcripts"]["counts"]
        == planned["categories"]["transcripts"]["counts"]
    )
    assert rows(runtime, chat)["status"] == "expired"

    code, out = cli_run(settings, "retention", "run", "--dry-run")
    assert code == 0
    assert "Dry run: nothing was changed." in out


def test_the_server_runs_the_job_on_its_clock_when_asked(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"retention_check_seconds": 3600.0})
    with TestClient(create_app(runtime=runtime)) as client:
        scheduler = client.app.state.retention  # type: ignore[attr-defined]
        assert scheduler.wait_for_runs(1, timeout=20)
        chat = Chat(client)
        chat.say("Where is my order?")
        now = runtime.clock()
        runtime.clock = lambda: now + timedelta(days=91)
        scheduler.wake()
        assert scheduler.wait_for_runs(2, timeout=20)
        assert scheduler.last_report.categories["transcripts"].counts["conversations"] == 1
        reply = client.post(
            f"/v1/conversations/{chat.id}/messages", json={"text": "hi"}, headers=chat.headers
        )
        assert reply.status_code == 410


def test_the_job_is_off_when_the_interval_is_zero(client: TestClient) -> None:
    assert client.app.state.retention is None  # type: ignore[attr-defined]
