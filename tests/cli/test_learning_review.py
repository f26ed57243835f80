"""``confide learning review list|approve|reject`` with --json."""

from __future__ import annotations

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from tests.conftest import Chat, cli_json
from tests.learning.test_collection import consent


def test_list_approve_and_reject_from_the_command_line(
    client: TestClient, runtime: Runtime
) -> None:
    chat = Chat(client)
    consent(client, chat, True)
    chat.say("what is the weather like on the moon?")
    chat.say("How long do refunds take?")
    code, listed = cli_json(runtime.settings, "learning", "review", "list")
    assert code == 0
    [phrasing] = listed["phrasings"]
    assert phrasing["intent"] == "refund_policy"
    [gap] = listed["gaps"]
    assert gap["count"] == 1

    code, approved = cli_json(
        runtime.settings, "learning", "review", "approve", phrasing["id"], "--intent", "refunds"
    )
    assert (code, approved["status"]) == (0, "approved")
    code, again = cli_json(runtime.settings, "learning", "review", "reject", phrasing["id"])
    assert code == 1 and again["error"] == "AlreadyReviewed"
    code, bad = cli_json(runtime.settings, "learning", "review", "reject", "not-an-id")
    assert code == 1 and bad["error"] == "BadRequest"
    code, listed = cli_json(runtime.settings, "learning", "review", "list")
    assert listed["phrasings"] == []
