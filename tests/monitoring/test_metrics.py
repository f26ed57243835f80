"""Exact metric values after real requests through the ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from confide.monitoring import Metrics
from confide.rights.queue import STATUSES, TYPES
from tests.conftest import Chat
from tests.consent.helpers import decide
from tests.monitoring.conftest import parse, scrape, value

MESSAGES = "/v1/conversations/{conversation_id}/messages"
DECISIONS = ("answer", "clarify", "act", "handoff", "out_of_scope")
UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


def test_posting_a_message_counts_its_decision_its_request_and_its_latency(
    chat: Chat, local: TestClient
) -> None:
    before = scrape(local)
    assert chat.say("How long does it take to get my refund?")["decision"] == "answer"
    after = scrape(local)
    for decision in DECISIONS:
        name = "confide_assistant_decisions_total"
        change = value(after, name, decision=decision) - value(before, name, decision=decision)
        assert change == (1 if decision == "answer" else 0), decision
    labels = {"method": "POST", "route": MESSAGES, "status": "200"}
    assert value(after, "confide_http_requests_total", **labels) == 1
    route = {"route": MESSAGES}
    assert value(after, "confide_http_request_duration_seconds_count", **route) == 1
    assert value(after, "confide_http_request_duration_seconds_sum", **route) > 0
    assert value(after, "confide_handoffs_total") == 0


def test_asking_for_a_person_counts_a_handoff(chat: Chat, local: TestClient) -> None:
    assert chat.say("I want to talk to a real person please")["decision"] == "handoff"
    samples = scrape(local)
    assert value(samples, "confide_handoffs_total") == 1
    assert value(samples, "confide_assistant_decisions_total", decision="handoff") == 1


def test_consent_decisions_are_counted_by_purpose_and_decision(
    chat: Chat, local: TestClient
) -> None:
    decide(chat, "improvement", True)
    decide(chat, "improvement", False)
    decide(chat, "personalization", True)
    samples = scrape(local)
    name = "confide_consent_changes_total"
    assert value(samples, name, purpose="improvement", decision="grant") == 1
    assert value(samples, name, purpose="improvement", decision="withdraw") == 1
    assert value(samples, name, purpose="personalization", decision="grant") == 1
    assert value(samples, name, purpose="personalization", decision="withdraw") == 0


def test_reading_a_transcript_counts_one_service_decrypt_per_message(
    chat: Chat, client: TestClient, local: TestClient
) -> None:
    chat.say("How do I reset my password?")
    before = scrape(local)
    transcript = client.get(f"/v1/conversations/{chat.id}", headers=chat.headers).json()
    after = scrape(local)
    name = "confide_vault_decrypts_total"
    messages = len(transcript["messages"])
    assert messages == 3
    assert value(after, name, purpose="service") - value(before, name, purpose="service") == 3
    assert value(after, name, purpose="analytics") == 0


def test_rights_requests_are_counted_by_kind_and_state_at_each_scrape(
    chat: Chat, local: TestClient
) -> None:
    before = scrape(local)
    for kind in TYPES:
        for state in STATUSES:
            assert value(before, "confide_rights_requests", kind=kind, state=state) == 0
    assert chat.client.post("/v1/me/restriction", headers=chat.headers).status_code == 200
    after = scrape(local)
    changed = {
        (dict(labels)["kind"], dict(labels)["state"]): count
        for (name, labels), count in after.items()
        if name == "confide_rights_requests" and count
    }
    assert changed == {("restriction", "completed"): 1}


def test_no_label_carries_an_id_a_token_or_a_raw_path(
    chat: Chat, client: TestClient, local: TestClient
) -> None:
    chat.say("Where is my order?")
    client.get(f"/v1/conversations/{chat.id}?email=ada@example.com", headers=chat.headers)
    client.get(f"/v1/conversations/{chat.id}/no-such-thing", headers=chat.headers)
    client.post(f"/v1/conversations/{chat.id}/feedback", json={"rating": "up"})
    decide(chat, "improvement", True)
    response = local.get("/metrics")
    assert chat.id not in response.text and chat.token not in response.text
    labels = [v for _, pairs in parse(response.text) for _, v in pairs]
    assert labels and not [v for v in labels if UUID.search(v) or "@" in v]
    requests = {
        dict(pairs)["route"]
        for name, pairs in parse(response.text)
        if name == "confide_http_requests_total"
    }
    assert {"/v1/conversations/{conversation_id}", "unmatched", MESSAGES} <= requests


def test_a_body_refused_before_routing_is_counted_as_unmatched(
    chat: Chat, client: TestClient, local: TestClient
) -> None:
    big = "x" * (client.app.state.runtime.settings.max_body_bytes + 1)
    path = f"/v1/conversations/{chat.id}/messages"
    response = client.post(path, content=big, headers=chat.headers)
    assert response.status_code == 413
    labels = {"method": "POST", "route": "unmatched", "status": "413"}
    assert value(scrape(local), "confide_http_requests_total", **labels) == 1


def test_unknown_methods_are_counted_as_other() -> None:
    metrics = Metrics()
    metrics.observe_request("BREW", "unmatched", 405, 0.01)
    samples = parse(metrics.exposition().decode())
    labels = {"method": "other", "route": "unmatched", "status": "405"}
    assert value(samples, "confide_http_requests_total", **labels) == 1


def test_each_metrics_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.count_decision("handoff")
    assert value(parse(first.exposition().decode()), "confide_handoffs_total") == 1
    assert value(parse(second.exposition().decode()), "confide_handoffs_total") == 0
