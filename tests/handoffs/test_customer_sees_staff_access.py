"""What staff did is visible to the customer: in the privacy center and in the export,
by role, with the reveal's reason, never by name."""

from __future__ import annotations

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from tests.handoffs.test_agent_console import handed_off
from tests.rights.helpers import unzip
from tests.staff.helpers import staff_headers

REASON = "customer asked to confirm the email on file"


def test_export_lists_the_agents_read_and_reveal_with_the_reason(
    client: TestClient, runtime: Runtime
) -> None:
    agent = staff_headers(client, runtime, "ana.staffer", "agent")
    chat = handed_off(client)
    url = f"/v1/agent/conversations/{chat.id}"
    client.post(f"{url}/claim", headers=agent)
    client.get(url, headers=agent)
    client.post(f"{url}/reveal", json={"reason": REASON}, headers=agent)

    data, page = unzip(client.get("/v1/me/export", headers=chat.headers).content)
    staff = [e for e in data["access_log"] if e["action"].startswith("staff.")]
    assert [(e["who"], e["action"], e["reason"]) for e in staff] == [
        ("agent", "staff.reveal", REASON),
        ("agent", "staff.read", None),
        ("agent", "staff.claim", None),
    ]
    assert "ana.staffer" not in str(data["access_log"])
    assert "Who did what with your data" in page and REASON in page


def test_privacy_center_shows_the_reveal_by_role_with_its_reason(
    client: TestClient, runtime: Runtime
) -> None:
    agent = staff_headers(client, runtime, "ana.staffer", "agent")
    response = client.post("/chat", data={"text": "I want to talk to a human please"})
    assert response.status_code == 200
    [waiting] = client.get("/v1/agent/queue", headers=agent).json()["conversations"]
    url = f"/v1/agent/conversations/{waiting['conversation_id']}"
    client.post(f"{url}/claim", headers=agent)
    client.post(f"{url}/reveal", json={"reason": REASON}, headers=agent)

    page = client.get("/privacy").text
    log = page.split('id="access-log"')[1]
    assert "revealed masked details" in log and REASON in log
    assert "took your conversation" in log
    assert "ana.staffer" not in log
