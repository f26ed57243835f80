"""Personalisation end to end through the HTTP API: a returning customer who consented is
greeted by name and spared questions already answered; one who did not gets the same
assistant minus the profile, and not one profile field is read for them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.audit.models import AuditEntry
from confide.personalization.models import Profile
from confide.personalization.service import read_profile
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault import PurposeNotPermitted
from tests.conftest import Chat

ALEX = {"name": "Alex Example", "email": "alex@example.com"}
ORDER = "NW-10387"


class Customer(Chat):
    """One customer across conversations: the token of their latest one opens the next."""

    def __init__(self, client: TestClient, details: dict[str, str] | None = None) -> None:
        self.client = client
        response = client.post("/v1/conversations", json={"customer": details or ALEX})
        assert response.status_code == 201, response.text
        self._enter(response.json())

    def _enter(self, body: dict[str, Any]) -> None:
        self.id, self.token, self.start = body["conversation_id"], body["token"], body
        self.subject_id = uuid.UUID(body["subject_id"])

    def consent(self, granted: bool) -> None:
        response = self.client.put(
            "/v1/me/consents/personalization", json={"granted": granted}, headers=self.headers
        )
        assert response.status_code == 200, response.text

    def come_back(self) -> dict[str, Any]:
        response = self.client.post("/v1/conversations", headers=self.headers)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        self._enter(body)
        return body


def personalization_reads(runtime: Runtime) -> float:
    """Fields decrypted for the personalization purpose so far, in this runtime."""
    value = runtime.metrics.registry.get_sample_value(
        "confide_vault_decrypts_total", {"purpose": "personalization"}
    )
    assert value is not None
    return value


def profile_rows(runtime: Runtime) -> list[Profile]:
    with runtime.work() as session:
        return list(session.scalars(select(Profile)))


def asked_about_an_order(customer: Customer) -> None:
    assert customer.say("Where is my order?")["text"].startswith("Sure. What is your order")
    assert customer.say(ORDER)["result"] == {"order_number": ORDER, "status": "shipped"}


def test_without_consent_no_profile_field_is_read_or_written(
    client: TestClient, runtime: Runtime
) -> None:
    customer = Customer(client)
    asked_about_an_order(customer)
    back = customer.come_back()
    assert back["subject_id"] == str(customer.subject_id)  # the same customer...
    assert back["personal_greeting"] is None  # ...not greeted by name
    # The same question is asked again: nothing was remembered.
    reply = customer.say("Where is my order?")
    assert reply["text"].startswith("Sure. What is your order")
    assert reply["personalization"] is None
    assert customer.say("is my toaster still under guarantee?")["personalization"] is None
    assert personalization_reads(runtime) == 0
    assert profile_rows(runtime) == []


def test_a_returning_customer_who_consented_is_greeted_and_spared_the_question(
    client: TestClient, runtime: Runtime
) -> None:
    customer = Customer(client)
    customer.consent(True)
    asked_about_an_order(customer)
    back = customer.come_back()
    greeting = back["personal_greeting"]
    assert greeting["text"].startswith(
        f"Welcome back, Alex Example! Is this about order {ORDER}, which we talked about "
        "earlier today?"
    )
    assert 'say "turn off personalisation"' in greeting["text"]
    reply = customer.say("yes")
    assert reply["result"] == {"order_number": ORDER, "status": "shipped"}
    assert reply["personalization"]["used"] == ["your earlier conversation"]
    # Asked again later without the number: answered for the remembered order.
    again = customer.say("where is my parcel?")
    assert again["result"]["order_number"] == ORDER
    assert again["personalization"] == {
        "used": ["your recent order"],
        "why": "You allowed tailored answers (the personalization purpose).",
        "turn_off": 'To turn this off, say "turn off personalisation".',
    }
    # The transcript keeps the greeting as the conversation's second message.
    transcript = client.get(f"/v1/conversations/{customer.id}", headers=customer.headers).json()
    assert transcript["messages"][1]["text"] == greeting["text"]
    assert personalization_reads(runtime) > 0


def test_the_profile_is_sealed_and_holds_no_message_text(
    client: TestClient, runtime: Runtime
) -> None:
    customer = Customer(client)
    customer.consent(True)
    asked_about_an_order(customer)
    [row] = profile_rows(runtime)
    assert row.subject_id == customer.subject_id
    assert b"NW-10387" not in row.data_ct and b"toaster" not in row.data_ct
    with runtime.work() as session:
        subject = session.get(Subject, customer.subject_id)
        assert subject is not None
        profile = read_profile(session, runtime.personalizer.ctx, subject)
    assert profile is not None
    assert [(o.number, o.topic) for o in profile.orders] == [(ORDER, "order_status")]
    assert "Two-slice toaster, sage green" in profile.orders[0].items
    assert "Where is my order" not in profile.model_dump_json()


def test_withdrawing_in_the_chat_deletes_the_profile_and_stops_at_once(
    client: TestClient, runtime: Runtime
) -> None:
    customer = Customer(client)
    customer.consent(True)
    asked_about_an_order(customer)
    customer.come_back()
    said = customer.say("turn off personalisation")
    assert said["intent"] == "withdraw_consent"
    assert profile_rows(runtime) == []
    reads = personalization_reads(runtime)
    reply = customer.say("Where is my order?")
    assert reply["text"].startswith("Sure. What is your order")
    assert reply["personalization"] is None
    assert personalization_reads(runtime) == reads
    with runtime.work() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.subject == runtime.audit.subject_pseudonym(customer.subject_id)
            )
        ).all()
    assert "personalization.profile_deleted" in actions


def test_a_returning_token_must_open_a_conversation_and_comes_alone(
    client: TestClient, runtime: Runtime
) -> None:
    customer = Customer(client)
    bad = client.post("/v1/conversations", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401, bad.text
    both = client.post("/v1/conversations", json={"customer": ALEX}, headers=customer.headers)
    assert both.status_code == 422, both.text
    assert "either customer or the earlier conversation's token" in both.json()["detail"]
    with runtime.work() as session:
        assert len(session.scalars(select(Subject)).all()) == 1  # nothing created


def test_an_erased_or_restricted_customer_cannot_come_back(
    client: TestClient, runtime: Runtime
) -> None:
    restricted = Customer(client)
    assert client.post("/v1/me/restriction", headers=restricted.headers).status_code == 200
    refused = client.post("/v1/conversations", headers=restricted.headers)
    assert refused.status_code == 423, refused.text
    erased = Customer(client, {"name": "Sam Example"})  # no email: the token suffices
    assert client.delete("/v1/me", headers=erased.headers).status_code == 200
    gone = client.post("/v1/conversations", headers=erased.headers)
    assert gone.status_code == 401, gone.text  # erasure revoked every token


def test_the_vault_itself_refuses_a_profile_read_the_policy_does_not_allow(
    client: TestClient, runtime: Runtime
) -> None:
    """Restriction keeps the profile (storage only) but stops its use: the hooks read
    nothing, and a direct read for personalization is refused by the vault."""
    customer = Customer(client)
    customer.consent(True)
    asked_about_an_order(customer)
    assert client.post("/v1/me/restriction", headers=customer.headers).status_code == 200
    reads = personalization_reads(runtime)
    ctx = runtime.personalizer.ctx
    with runtime.work() as session:
        subject = session.get(Subject, customer.subject_id)
        assert subject is not None
        assert runtime.personalizer.personal(session, subject) is None
        with pytest.raises(PurposeNotPermitted):
            read_profile(session, ctx, subject)
    assert personalization_reads(runtime) == reads
    assert len(profile_rows(runtime)) == 1


def test_a_started_return_is_named_again_to_its_customer_only(client: TestClient) -> None:
    customer = Customer(client)
    asks = customer.say("I want to return order NW-10412")
    assert "why are you returning it?" in asks["text"], asks["text"]
    started = customer.say("It's too small")["result"]["return_reference"]
    customer.come_back()
    again = customer.say("I want to return order NW-10412")
    assert again["text"].startswith(f"A return for order NW-10412 is already started: {started}")
    assert again["result"] == {"order_number": "NW-10412", "return_reference": started}
    stranger = Customer(client, {"name": "Sam Example"})
    theirs = stranger.say("I want to return order NW-10412")
    assert "why are you returning it?" in theirs["text"] and started not in theirs["text"]


def test_what_do_you_know_about_me_names_the_profile(client: TestClient) -> None:
    customer = Customer(client)
    assert client.get("/v1/me", headers=customer.headers).json()["derived"] == {
        "personalization_profile": False,
        "learning_examples": 0,
    }
    customer.consent(True)
    asked_about_an_order(customer)
    me = client.get("/v1/me", headers=customer.headers).json()
    assert me["derived"]["personalization_profile"] is True
    summary = customer.say("What do you know about me?")["text"]
    assert "a profile for tailored answers (orders you asked about, your issues)" in summary


def test_without_an_identity_secret_a_signature_is_refused(client: TestClient) -> None:
    customer = {"external_id": "account-4711", "identity_hash": "a" * 64}
    response = client.post("/v1/conversations", json={"customer": customer})
    assert response.status_code == 422, response.text
    assert "CONFIDE_IDENTITY_SECRET" in response.json()["detail"]
