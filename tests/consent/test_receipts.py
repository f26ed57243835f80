"""Consent receipts are signed with Ed25519: authentic ones verify, changed ones do not."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from confide.config import Settings
from confide.consent.models import ConsentRecord
from confide.consent.receipts import ReceiptSigner, canonical_json
from confide.crypto import SecretKey
from confide.keys.service import rekey_subject
from confide.runtime import Runtime
from confide.subjects.models import Subject
from confide.vault import FieldRef, Purpose
from tests.conftest import Chat, cli_json, cli_run
from tests.consent.helpers import decide, subject_id

Signed = dict[str, Any]


@pytest.fixture
def signed(chat: Chat) -> Signed:
    decide(chat, "personalization", True)
    return decide(chat, "improvement", True, method="widget")


def _verify(client: TestClient, document: Any) -> tuple[int, dict[str, Any]]:
    response = client.post("/v1/consent-receipts/verify", json=document)
    body: dict[str, Any] = response.json()
    return response.status_code, body


def test_an_issued_receipt_verifies(client: TestClient, signed: Signed) -> None:
    code, body = _verify(client, signed)
    assert (code, body["valid"]) == (200, True)
    assert body["consent_receipt_id"] == signed["receipt"]["consentReceiptID"]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Signed], None]:
    def change(document: Signed) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _forged_by_another_key(document: Signed) -> None:
    forger = ReceiptSigner(SecretKey.generate())
    document["receipt"]["consentDecision"]["granted"] = False
    document["receipt"]["publicKey"] = forger.public_key
    document.update(forger.sign(document["receipt"]))


TAMPERING: dict[str, Callable[[Signed], None]] = {
    "granted-flag": _set(("receipt", "consentDecision", "granted"), False),
    "purpose": _set(("receipt", "consentDecision", "purpose"), "analytics"),
    "timestamp": _set(("receipt", "consentTimestamp"), 1),
    "principal": _set(("receipt", "piiPrincipalId"), "cr-aaaaaaaaaaaaaaaaaaaaaaaaaa"),
    "purpose-list": _set(("receipt", "services", 0, "purposes"), []),
    "added-field": _set(("receipt", "note"), "added later"),
    "removed-field": lambda d: d["receipt"].pop("policyUrl"),
    "signature": _set(("signature", "value"), "A" * 86),
    "signature-not-base64": _set(("signature", "value"), "%%%"),
    "key-id": _set(("signature", "kid"), "ed25519:0000000000000000"),
    "algorithm": _set(("signature", "alg"), "RS256"),
    "other-key": _forged_by_another_key,
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_a_changed_receipt_does_not_verify(
    client: TestClient, signed: Signed, tamper: Callable[[Signed], None]
) -> None:
    document = copy.deepcopy(signed)
    tamper(document)
    code, body = _verify(client, document)
    assert (code, body["valid"]) == (200, False)
    assert body["detail"]


@pytest.mark.parametrize(
    "document",
    [
        {"receipt": "text", "signature": {"alg": "EdDSA", "kid": "k", "value": "v"}},
        {"receipt": {}},
        {"signature": {"alg": "EdDSA", "kid": "k", "value": "v"}},
        {"receipt": {}, "signature": {"alg": "EdDSA", "kid": "k", "value": "v"}, "x": 1},
        [],
        "receipt",
    ],
    ids=["receipt-not-object", "no-signature", "no-receipt", "extra-field", "array", "string"],
)
def test_a_malformed_verification_request_is_a_422(client: TestClient, document: Any) -> None:
    code, body = _verify(client, document)
    assert (code, body["error"]) == (422, "ValidationError")


def test_invalid_json_to_verify_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/v1/consent-receipts/verify",
        content=b'{"receipt": ',
        headers={"Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["error"]) == (400, "BadRequest")


def test_the_public_key_endpoint_gives_the_receipts_key(client: TestClient, signed: Signed) -> None:
    key = client.get("/v1/consent-receipts/public-key").json()
    assert key["alg"] == "EdDSA"
    assert key["public_key"] == signed["receipt"]["publicKey"]
    assert key["kid"] == signed["signature"]["kid"]


def _stored_receipt(runtime: Runtime, receipt_id: str) -> tuple[bytes, Any]:
    with runtime.work() as session:
        record = session.get(ConsentRecord, uuid.UUID(receipt_id))
        assert record is not None and record.receipt_ct is not None
        subject = session.get(Subject, record.subject_id)
        assert subject is not None
        ref = FieldRef("consent_records", "receipt", receipt_id)
        blob = record.receipt_ct
        text = runtime.vault.open(session, subject.data_key_id, ref, blob, Purpose.SERVICE)
    return blob, json.loads(text)


def test_the_stored_receipt_is_sealed_under_the_customers_key(
    runtime: Runtime, signed: Signed
) -> None:
    blob, stored = _stored_receipt(runtime, signed["receipt"]["consentReceiptID"])
    assert signed["receipt"]["piiPrincipalId"].encode() not in blob
    assert stored == signed


def test_rekeying_a_customer_moves_their_receipts_to_the_new_key(
    runtime: Runtime, chat: Chat, signed: Signed
) -> None:
    receipt_id = signed["receipt"]["consentReceiptID"]
    before, _ = _stored_receipt(runtime, receipt_id)
    with runtime.work() as session:
        rekey_subject(session, runtime.vault, subject_id(chat))
    after, stored = _stored_receipt(runtime, receipt_id)
    assert after != before and stored == signed


def _write(tmp_path: Path, document: Any, name: str = "receipt.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2, sort_keys=False), encoding="utf-8")
    return path


def test_cli_verifies_a_receipt_re_indented_in_a_file(
    settings: Settings, signed: Signed, tmp_path: Path
) -> None:
    # Another process, its own runtime: the signing key is derived, not held in memory.
    code, out = cli_json(settings, "consent", "verify", str(_write(tmp_path, signed)))
    assert (code, out["valid"]) == (0, True)
    assert out["consent_receipt_id"] == signed["receipt"]["consentReceiptID"]


def test_cli_rejects_a_tampered_receipt(settings: Settings, signed: Signed, tmp_path: Path) -> None:
    document = copy.deepcopy(signed)
    document["receipt"]["consentDecision"]["granted"] = False
    code, out = cli_json(settings, "consent", "verify", str(_write(tmp_path, document)))
    assert (code, out["valid"]) == (1, False)
    assert "changed" in out["detail"]


@pytest.mark.parametrize(
    ("content", "error"),
    [(b"not json", "ReceiptMalformed"), (b"\xff\xfe", "UnreadableFile"), (None, "UnreadableFile")],
    ids=["not-json", "not-utf8", "missing"],
)
def test_cli_refuses_an_unreadable_receipt_file(
    runtime: Runtime, settings: Settings, tmp_path: Path, content: bytes | None, error: str
) -> None:
    path = tmp_path / "receipt.json"
    if content is not None:
        path.write_bytes(content)
    code, out = cli_json(settings, "consent", "verify", str(path))
    assert (code, out["error"]) == (1, error)
    assert out["detail"]


def test_cli_says_valid_to_a_person(settings: Settings, signed: Signed, tmp_path: Path) -> None:
    code, out = cli_run(settings, "consent", "verify", str(_write(tmp_path, signed)))
    assert code == 0 and "valid" in out


def test_canonical_json_ignores_key_order_and_whitespace() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": "é", "c": True}]}) == (
        '{"a":[1,{"c":true,"d":"é"}],"b":1}'.encode()
    )


def test_the_signer_never_shows_its_private_key() -> None:
    key = SecretKey.generate(id="test")
    signer = ReceiptSigner(key)
    assert key.reveal().hex() not in repr(signer)
    assert "***" in repr(signer)
