"""Access and portability: one ZIP with data.json and index.html, everything included."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Table

from confide.consent.notices import publish_notice
from confide.conversations.models import Conversation
from confide.models import Base
from confide.rights.export import EXPORTED_TABLES
from confide.runtime import Runtime
from tests.conftest import Chat, cli_json
from tests.rights.helpers import Known, request_code, subject_of, unzip, with_code


def _tables_holding_customer_data() -> set[str]:
    """From the ORM metadata: every table that points (through foreign keys, at any depth)
    at a customer, and every table with a sealed (``*_ct``) column."""
    tables: dict[str, Table] = dict(Base.metadata.tables)
    found = {"subjects"}
    grew = True
    while grew:
        grew = False
        for name, table in tables.items():
            if name in found:
                continue
            if any(fk.column.table.name in found for fk in table.foreign_keys):
                found.add(name)
                grew = True
    found |= {n for n, t in tables.items() if any(c.name.endswith("_ct") for c in t.columns)}
    return found


def test_every_table_holding_a_customers_data_is_in_the_export() -> None:
    holding = _tables_holding_customer_data()
    assert {"subjects", "messages", "consent_records", "rights_request_events"} <= holding
    missing = holding - set(EXPORTED_TABLES)
    assert missing == set(), f"tables missing from confide.rights.export: {sorted(missing)}"


def _full_customer(client: TestClient, runtime: Runtime) -> Known:
    with runtime.work() as session:
        publish_notice(session, "# Privacy\n\nWe keep your chats 90 days.")
    known = Known(client, "export")
    known.say("I want to return order 1001 because it <b>arrived</b> broken")
    known.say("yes")
    client.put("/v1/me/consents/improvement", json={"granted": True}, headers=known.headers)
    client.post(
        f"/v1/conversations/{known.id}/feedback",
        json={"rating": "up", "comment": "great <script>alert(1)</script>"},
        headers=known.headers,
    )
    client.post("/v1/me/objection", json={}, headers=known.headers)
    return known


def test_export_holds_every_section_and_the_page_escapes_everything(
    client: TestClient, runtime: Runtime
) -> None:
    known = _full_customer(client, runtime)
    code = request_code(known, runtime)
    response = client.get("/v1/me/export", headers=with_code(known, code))
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data, page = unzip(response.content)

    assert set(EXPORTED_TABLES.values()) <= set(data)
    assert data["profile"]["identifiers"]["email"] == "export@example.com"
    [conversation] = data["conversations"]
    texts = [m["text"] for m in conversation["messages"]]
    assert "I want to return order 1001 because it <b>arrived</b> broken" in texts
    assert all(m["redacted_text"] is not None for m in conversation["messages"])
    assert "pseudonyms" in conversation and "dialogue_state" in conversation
    [record] = data["consents"]["records"]
    assert record["purpose"] == "improvement" and record["granted"] is True
    signed = record["signed_receipt"]
    verified = client.post("/v1/consent-receipts/verify", json=signed).json()
    assert verified["valid"] is True
    assert data["feedback"][0]["comment"] == "great <script>alert(1)</script>"
    assert data["processing"]["objected"] == ["analytics"]
    types = [r["type"] for r in data["rights_requests"]]
    assert types == ["objection", "access"] or sorted(types) == ["access", "objection"]
    assert all(r["history"] for r in data["rights_requests"])
    assert data["verification_codes"][0]["used_at"] is not None
    assert "code_hash" not in str(data["verification_codes"])

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;arrived&lt;/b&gt;" in page
    assert "export@example.com" in page


def test_export_records_a_completed_access_request(client: TestClient) -> None:
    chat = Chat(client)
    assert client.get("/v1/me/export", headers=chat.headers).status_code == 200
    [request] = client.get("/v1/me", headers=chat.headers).json()["requests"]
    assert (request["type"], request["status"], request["channel"]) == (
        "access",
        "completed",
        "api",
    )
    assert [e["status"] for e in request["history"]] == ["received", "completed"]


def test_cli_export_writes_the_archive_and_refuses_to_overwrite(
    client: TestClient, runtime: Runtime, tmp_path: Path
) -> None:
    known = _full_customer(client, runtime)
    out = tmp_path / "export.zip"
    sid = str(subject_of(known))
    code, body = cli_json(runtime.settings, "subjects", "export", sid, "--out", str(out))
    assert code == 0, body
    assert body["bytes"] == out.stat().st_size and body["subject_id"] == sid
    data, _ = unzip(out.read_bytes())
    assert data["profile"]["subject_id"] == sid
    assert any(r["channel"] == "cli" for r in data["rights_requests"])

    code, body = cli_json(runtime.settings, "subjects", "export", sid, "--out", str(out))
    assert (code, body["error"]) == (1, "OutputExists")


def test_cli_export_refuses_bad_and_unknown_ids(runtime: Runtime, tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    code, body = cli_json(runtime.settings, "subjects", "export", "nope", "--out", str(out))
    assert (code, body["error"]) == (1, "InvalidRightsInput")
    code, body = cli_json(
        runtime.settings, "subjects", "export", str(uuid.uuid4()), "--out", str(out)
    )
    assert (code, body["error"]) == (1, "SubjectNotFound")
    assert not out.exists()


def test_export_never_includes_another_customers_conversation(
    client: TestClient, runtime: Runtime
) -> None:
    first, second = Chat(client), Chat(client)
    second.say("my other secret")
    data, _ = unzip(client.get("/v1/me/export", headers=first.headers).content)
    assert [c["conversation_id"] for c in data["conversations"]] == [first.id]
    with runtime.work() as session:
        assert session.get(Conversation, uuid.UUID(second.id)) is not None
