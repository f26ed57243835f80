"""The handoff from the agent's side, through HTTP: queue, claim, masked read, break-glass
reveal, reply reaching the customer, hand back, close; each step audited about the customer."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from confide.audit.models import AuditEntry
from confide.runtime import Runtime
from tests.conftest import Chat
from tests.staff.helpers import HANDOFF, staff_headers


def handed_off(client: TestClient) -> Chat:
    chat = Chat(client)
    chat.say("Hi, my name is Jane Doe and my email is jane.doe@example.com")
    reply = chat.say(HANDOFF)
    assert reply["conversation_status"] == "waiting_for_agent", reply
    return chat


def actions_about(runtime: Runtime, chat: Chat) -> list[str]:
    with runtime.work() as session:
        entries = session.query(AuditEntry).order_by(AuditEntry.seq).all()
        subject = runtime.audit.subject_pseudonym(__import__("uuid").UUID(chat.start["subject_id"]))
        return [e.action for e in entries if e.subject == subject]


def test_agent_claims_reads_masked_replies_and_the_customer_sees_the_reply(
    client: TestClient, runtime: Runtime
) -> None:
    agent = staff_headers(client, runtime, "ana", "agent")
    chat = handed_off(client)

    queue = client.get("/v1/agent/queue", headers=agent).json()["conversations"]
    assert [q["conversation_id"] for q in queue] == [chat.id]
    assert queue[0]["claimed"] is False

    claimed = client.post(f"/v1/agent/conversations/{chat.id}/claim", headers=agent)
    assert claimed.status_code == 200 and claimed.json()["assigned_to_me"] is True

    view = client.get(f"/v1/agent/conversations/{chat.id}", headers=agent).json()
    texts = " ".join(m["text"] for m in view["messages"])
    assert "jane.doe@example.com" not in texts and "<EMAIL_ADDRESS>" in texts
    assert "Jane Doe" not in texts
    assert view["revealed"] is False

    sent = client.post(
        f"/v1/agent/conversations/{chat.id}/reply",
        json={"text": "Hello, I'm Ana from support. How can I help?"},
        headers=agent,
    )
    assert sent.status_code == 200, sent.text
    transcript = client.get(f"/v1/conversations/{chat.id}", headers=chat.headers).json()
    last = transcript["messages"][-1]
    assert (last["role"], last["text"]) == ("agent", "Hello, I'm Ana from support. How can I help?")
    # The customer writes while a person has the conversation: the assistant stays out.
    assert "member of our team has your conversation" in str(chat.say("Thanks!")["text"])

    assert actions_about(runtime, chat)[-3:] == ["staff.claim", "staff.read", "staff.reply"]


def test_reveal_needs_a_reason_unmasks_for_a_while_and_is_audited_with_it(
    client: TestClient, runtime: Runtime
) -> None:
    agent = staff_headers(client, runtime, "ana", "agent")
    chat = handed_off(client)
    client.post(f"/v1/agent/conversations/{chat.id}/claim", headers=agent)
    url = f"/v1/agent/conversations/{chat.id}"

    no_reason = client.post(f"{url}/reveal", json={"reason": "  "}, headers=agent)
    assert no_reason.status_code == 422
    revealed = client.post(
        f"{url}/reveal",
        json={"reason": "customer asked to confirm the email on file"},
        headers=agent,
    )
    assert revealed.status_code == 200, revealed.text

    view = client.get(url, headers=agent).json()
    assert view["revealed"] is True
    assert any("jane.doe@example.com" in m["text"] for m in view["messages"])
    with runtime.work() as session:
        entry = (
            session.query(AuditEntry)
            .filter_by(action="staff.reveal")
            .order_by(AuditEntry.seq)
            .one()
        )
        assert entry.reason == "customer asked to confirm the email on file"
        assert entry.actor.startswith("agent:")
    assert actions_about(runtime, chat)[-2:] == ["staff.reveal", "staff.read.revealed"]

    # Once the reveal expires the text is masked again.
    runtime.handoffs = type(runtime.handoffs)(
        runtime.vault,
        runtime.audit,
        runtime.rules,
        lambda: runtime.clock() + timedelta(minutes=16),
        runtime.settings.reveal_minutes,
    )
    later = client.get(url, headers=agent).json()
    assert later["revealed"] is False
    assert not any("jane.doe@example.com" in m["text"] for m in later["messages"])


def test_a_reveal_of_one_message_unmasks_only_that_message(
    client: TestClient, runtime: Runtime
) -> None:
    agent = staff_headers(client, runtime, "ana", "agent")
    chat = handed_off(client)
    client.post(f"/v1/agent/conversations/{chat.id}/claim", headers=agent)
    url = f"/v1/agent/conversations/{chat.id}"
    body = {"reason": "need the exact wording of the first question", "message_seq": 2}
    assert client.post(f"{url}/reveal", json=body, headers=agent).status_code == 200
    view = client.get(url, headers=agent).json()
    by_seq = {m["seq"]: m["text"] for m in view["messages"]}
    assert "jane.doe@example.com" in by_seq[2]
    assert view["customer"] == {"name": None, "email": None, "phone": None}
    beyond = client.post(f"{url}/reveal", json={**body, "message_seq": 99}, headers=agent)
    assert beyond.status_code == 422


def test_contact_details_are_masked_until_revealed(client: TestClient, runtime: Runtime) -> None:
    agent = staff_headers(client, runtime, "ana", "agent")
    started = client.post(
        "/v1/conversations",
        json={"customer": {"name": "Jane Doe", "email": "jane.doe@example.com"}},
    ).json()
    headers = {"Authorization": f"Bearer {started['token']}"}
    url = f"/v1/conversations/{started['conversation_id']}/messages"
    client.post(url, json={"text": HANDOFF}, headers=headers)
    agent_url = f"/v1/agent/conversations/{started['conversation_id']}"
    client.post(f"{agent_url}/claim", headers=agent)
    customer = client.get(agent_url, headers=agent).json()["customer"]
    assert customer == {"name": "J••• D•••", "email": "j•••@e•••.com", "phone": None}
    client.post(
        f"{agent_url}/reveal", json={"reason": "verify identity on the phone"}, headers=agent
    )
    customer = client.get(agent_url, headers=agent).json()["customer"]
    assert customer == {"name": "Jane Doe", "email": "jane.doe@example.com", "phone": None}


def test_another_agents_conversation_is_refused_and_a_supervisor_sees_it(
    client: TestClient, runtime: Runtime
) -> None:
    ana = staff_headers(client, runtime, "ana", "agent")
    ben = staff_headers(client, runtime, "ben", "agent")
    sue = staff_headers(client, runtime, "sue", "supervisor")
    chat = handed_off(client)
    url = f"/v1/agent/conversations/{chat.id}"
    assert client.post(f"{url}/claim", headers=ana).status_code == 200

    assert client.get("/v1/agent/queue", headers=ben).json()["conversations"] == []
    for method, path in [("get", ""), ("post", "/claim"), ("post", "/release"), ("post", "/close")]:
        response = client.request(method, url + path, headers=ben)
        assert response.status_code == 404, (path, response.text)
    refused = client.post(f"{url}/reply", json={"text": "hi"}, headers=ben)
    assert refused.status_code == 404

    assert [
        q["conversation_id"]
        for q in client.get("/v1/agent/queue", headers=sue).json()["conversations"]
    ] == [chat.id]
    assert client.get(url, headers=sue).status_code == 200


def test_hand_back_returns_the_conversation_to_the_assistant_and_ends_staff_access(
    client: TestClient, runtime: Runtime
) -> None:
    agent = staff_headers(client, runtime, "ana", "agent")
    chat = handed_off(client)
    url = f"/v1/agent/conversations/{chat.id}"
    client.post(f"{url}/claim", headers=agent)
    released = client.post(f"{url}/release", headers=agent)
    assert released.json()["status"] == "open"
    assert client.get(url, headers=agent).status_code == 404
    assert chat.say("What are your opening hours?")["decision"] != "handoff"


def test_close_ends_the_conversation_for_the_customer(client: TestClient, runtime: Runtime) -> None:
    agent = staff_headers(client, runtime, "ana", "agent")
    chat = handed_off(client)
    url = f"/v1/agent/conversations/{chat.id}"
    client.post(f"{url}/claim", headers=agent)
    assert client.post(f"{url}/close", headers=agent).json()["status"] == "closed"
    response = client.post(
        f"/v1/conversations/{chat.id}/messages", json={"text": "hello?"}, headers=chat.headers
    )
    assert response.status_code == 409


def test_claiming_twice_conflicts_and_an_open_conversation_is_not_in_the_queue(
    client: TestClient, runtime: Runtime
) -> None:
    ana = staff_headers(client, runtime, "ana", "agent")
    sue = staff_headers(client, runtime, "sue", "supervisor")
    chat = handed_off(client)
    other = Chat(client)  # never asked for a person
    assert client.post(f"/v1/agent/conversations/{chat.id}/claim", headers=ana).status_code == 200
    again = client.post(f"/v1/agent/conversations/{chat.id}/claim", headers=sue)
    assert again.status_code == 409
    assert client.get(f"/v1/agent/conversations/{other.id}", headers=sue).status_code == 404


def test_reading_a_restricted_customers_conversation_is_refused(
    client: TestClient, runtime: Runtime
) -> None:
    agent = staff_headers(client, runtime, "ana", "agent")
    chat = handed_off(client)
    client.post(f"/v1/agent/conversations/{chat.id}/claim", headers=agent)
    restricted = client.post("/v1/me/restriction", headers=chat.headers, json={})
    assert restricted.status_code in (200, 201), restricted.text
    response = client.get(f"/v1/agent/conversations/{chat.id}", headers=agent)
    assert response.status_code == 403
    assert response.json()["error"] == "ProcessingRestricted"
