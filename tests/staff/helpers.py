"""Staff members for tests: an account in the database and a logged-in bearer header."""

from __future__ import annotations

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from confide.staff import service
from tests.conftest import Chat

PASSWORD = "correct horse battery staple"


def add_staff(runtime: Runtime, name: str, role: str, password: str = PASSWORD) -> str:
    """Create the account; returns its audit actor id."""
    with runtime.work() as session:
        return service.add_user(session, runtime.staff, name, role, password, actor="test").actor


def login(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/v1/staff/login", json={"name": name, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def staff_headers(client: TestClient, runtime: Runtime, name: str, role: str) -> dict[str, str]:
    add_staff(runtime, name, role)
    return login(client, name)


HANDOFF = "I want to talk to a human please"


def claimed_handoff(client: TestClient, agent: dict[str, str], chat: Chat | None = None) -> Chat:
    """``chat`` (a new customer if None) asks for a person, and ``agent`` claims it."""
    chat = chat or Chat(client)
    chat.say(HANDOFF)
    response = client.post(f"/v1/agent/conversations/{chat.id}/claim", headers=agent)
    assert response.status_code == 200, response.text
    return chat
