"""What the rights tests share: customers through the HTTP API, codes from the outbox."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from confide.runtime import Runtime
from tests.conftest import Chat

CODE = re.compile(r"\b(\d{8})\b")


class Known(Chat):
    """A customer who gave an email (and more) when the chat started."""

    def __init__(self, client: TestClient, marker: str = "ada") -> None:
        self.client = client
        self.email = f"{marker}@example.com"
        customer = {"email": self.email, "name": f"Ada {marker}", "phone": "+1 202 555 0143"}
        response = client.post("/v1/conversations", json={"customer": customer})
        assert response.status_code == 201, response.text
        body = response.json()
        self.id, self.token, self.start = body["conversation_id"], body["token"], body


def subject_of(chat: Chat) -> uuid.UUID:
    return uuid.UUID(chat.start["subject_id"])


def outbox(runtime: Runtime) -> list[dict[str, Any]]:
    folder = Path(runtime.settings.data_dir) / "outbox"
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return [json.loads(p.read_text(encoding="utf-8")) for p in files]


def request_code(chat: Chat, runtime: Runtime) -> str:
    """Ask for a code through the API and read it from the development outbox."""
    response = chat.client.post("/v1/me/verification", headers=chat.headers)
    assert response.status_code == 200, response.text
    assert response.json()["sent"] is True
    message = outbox(runtime)[-1]
    match = CODE.search(message["body"])
    assert match is not None
    return match.group(1)


def with_code(chat: Chat, code: str) -> dict[str, str]:
    return {**chat.headers, "X-Verification-Code": code}


def me(chat: Chat) -> dict[str, Any]:
    response = chat.client.get("/v1/me", headers=chat.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def unzip(archive: bytes) -> tuple[dict[str, Any], str]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert sorted(zf.namelist()) == ["data.json", "index.html"]
        data = json.loads(zf.read("data.json"))
        page = zf.read("index.html").decode("utf-8")
    return data, page
