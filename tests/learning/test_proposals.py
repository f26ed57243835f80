"""What learning proposes, reviewed by an admin: phrasings, clustered gaps, draft answers
from agents; a decision is final and audited."""

from __future__ import annotations

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from tests.conftest import Chat
from tests.handoffs.test_agent_console import HANDOFF
from tests.learning.test_collection import consent
from tests.staff.helpers import staff_headers


def consenting_chat(client: TestClient) -> Chat:
    chat = Chat(client)
    consent(client, chat, True)
    return chat


def test_gaps_are_clustered_with_counts_and_phrasings_listed(
    client: TestClient, runtime: Runtime
) -> None:
    admin = staff_headers(client, runtime, "root", "admin")
    for question in [
        "what is the weather like on the moon?",
        "is the weather on the moon cold today?",
        "who won the football match yesterday?",
    ]:
        consenting_chat(client).say(question)
    chat = consenting_chat(client)
    chat.say("what is the weather like on the moon?")
    chat.say("How long do refunds take?")

    proposals = client.get("/v1/learning/proposals", headers=admin).json()
    gaps = [(g["count"], g["examples"][0]) for g in proposals["gaps"]]
    assert gaps[0] == (3, "what is the weather like on the moon?")
    assert (1, "who won the football match yesterday?") in gaps
    [phrasing] = proposals["phrasings"]
    assert (phrasing["intent"], phrasing["signal"]) == ("refund_policy", "rephrase")


def test_approve_relabels_and_a_second_decision_conflicts(
    client: TestClient, runtime: Runtime
) -> None:
    admin = staff_headers(client, runtime, "root", "admin")
    chat = consenting_chat(client)
    chat.say("what is the weather like on the moon?")
    chat.say("How long do refunds take?")
    [phrasing] = client.get("/v1/learning/proposals", headers=admin).json()["phrasings"]
    url = f"/v1/learning/examples/{phrasing['id']}"
    approved = client.post(f"{url}/approve", json={"intent": "shipping_times"}, headers=admin)
    assert approved.json()["status"] == "approved"
    again = client.post(f"{url}/reject", headers=admin)
    assert again.status_code == 409
    assert client.get("/v1/learning/proposals", headers=admin).json()["phrasings"] == []
    missing = client.post(
        "/v1/learning/examples/00000000-0000-0000-0000-000000000000/reject", headers=admin
    )
    assert missing.status_code == 404


def test_an_agents_reply_becomes_a_redacted_draft(client: TestClient, runtime: Runtime) -> None:
    admin = staff_headers(client, runtime, "root", "admin")
    agent = staff_headers(client, runtime, "ana", "agent")
    chat = consenting_chat(client)
    chat.say("Can I pay with a voucher from Jane Doe?")
    chat.say(HANDOFF)
    url = f"/v1/agent/conversations/{chat.id}"
    client.post(f"{url}/claim", headers=agent)
    client.post(
        f"{url}/reply",
        json={"text": "Yes, vouchers work at checkout. Call me at 555-0100 if not."},
        headers=agent,
    )
    [draft] = client.get("/v1/learning/proposals", headers=admin).json()["drafts"]
    assert draft["question"] == "Can I pay with a voucher from <PERSON>?"
    assert "555-0100" not in draft["answer"] and "vouchers work at checkout" in draft["answer"]
