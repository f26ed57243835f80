"""Kantara Consent Receipt v1.1 documents, signed with Ed25519.

Pure: imports neither the ORM nor the web framework. A signed receipt is
``{"receipt": {...}, "signature": {"alg": "EdDSA", "kid": ..., "value": ...}}``; the
signature covers the receipt's canonical JSON (keys sorted, no insignificant whitespace,
UTF-8), so re-indenting the file keeps it valid and changing any value does not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from confide.consent.purposes import PurposeSettings
from confide.crypto import SecretKey

__all__ = [
    "KANTARA_VERSION",
    "SIGNATURE_ALG",
    "ReceiptFacts",
    "ReceiptSigner",
    "Verification",
    "build_receipt",
    "canonical_json",
]

KANTARA_VERSION = "KI-CR-v1.1.0"
SIGNATURE_ALG = "EdDSA"


def canonical_json(document: Mapping[str, Any]) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Verification:
    valid: bool
    detail: str
    receipt_id: str | None = None


class ReceiptSigner:
    """The server's Ed25519 receipt key. The private half never leaves this object."""

    __slots__ = ("_private", "key_id", "public_key")

    def __init__(self, seed: SecretKey) -> None:
        self._private = Ed25519PrivateKey.from_private_bytes(seed.reveal())
        raw = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key = _b64url(raw)
        self.key_id = "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"ReceiptSigner(key_id={self.key_id!r}, ***)"

    def sign(self, receipt: Mapping[str, Any]) -> dict[str, Any]:
        signature = self._private.sign(canonical_json(receipt))
        return {
            "receipt": dict(receipt),
            "signature": {"alg": SIGNATURE_ALG, "kid": self.key_id, "value": _b64url(signature)},
        }

    def verify(self, document: Any) -> Verification:
        """Check a signed receipt against this server's key; never raises on bad input."""
        if not isinstance(document, Mapping):
            return Verification(False, "a signed receipt is a JSON object")
        receipt, signature = document.get("receipt"), document.get("signature")
        if not isinstance(receipt, Mapping) or not isinstance(signature, Mapping):
            return Verification(False, "a signed receipt has a 'receipt' and a 'signature' object")
        receipt_id = receipt.get("consentReceiptID")
        receipt_id = receipt_id if isinstance(receipt_id, str) else None
        if signature.get("alg") != SIGNATURE_ALG:
            return Verification(
                False, f"the signature algorithm must be {SIGNATURE_ALG}", receipt_id
            )
        if receipt.get("publicKey") != self.public_key or signature.get("kid") != self.key_id:
            return Verification(
                False, "the receipt was not signed with this server's key", receipt_id
            )
        value = signature.get("value")
        try:
            raw = _unb64url(value) if isinstance(value, str) else b""
            self._private.public_key().verify(raw, canonical_json(receipt))
        except (InvalidSignature, binascii.Error, ValueError, TypeError):
            return Verification(
                False, "the signature does not match: the receipt was changed", receipt_id
            )
        return Verification(True, "the receipt is authentic and unchanged", receipt_id)


@dataclass(frozen=True)
class ReceiptFacts:
    """What one consent decision's receipt states; ``purposes`` are those in force after it."""

    receipt_id: str
    timestamp: datetime
    collection_method: str
    jurisdiction: str
    language: str
    principal_id: str
    controller: Mapping[str, str]
    policy_url: str
    service: str
    purposes: Mapping[str, PurposeSettings]
    decision: Mapping[str, Any]


def _purpose_entry(name: str, purpose: PurposeSettings) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "purpose": purpose.description,
        "purposeName": name,
        "purposeCategory": [purpose.category],
        "consentType": "EXPLICIT",
        "piiCategory": list(purpose.data_categories),
        "primaryPurpose": purpose.primary,
        "termination": purpose.termination,
        "thirdPartyDisclosure": bool(purpose.third_parties),
    }
    if purpose.third_parties:
        entry["thirdPartyName"] = ", ".join(purpose.third_parties)
    return entry


def build_receipt(facts: ReceiptFacts, public_key: str) -> dict[str, Any]:
    """The receipt's fields (Kantara CR v1.1), plus ``consentDecision`` (an extension)."""
    purposes: Sequence[tuple[str, PurposeSettings]] = sorted(facts.purposes.items())
    spi = sorted({c for _, p in purposes if p.sensitive for c in p.sensitive_categories})
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": facts.jurisdiction,
        "consentTimestamp": int(facts.timestamp.timestamp()),
        "collectionMethod": facts.collection_method,
        "consentReceiptID": facts.receipt_id,
        "publicKey": public_key,
        "language": facts.language,
        "piiPrincipalId": facts.principal_id,
        "piiControllers": [dict(facts.controller)],
        "policyUrl": facts.policy_url,
        "services": [
            {"service": facts.service, "purposes": [_purpose_entry(n, p) for n, p in purposes]}
        ],
        "sensitive": any(p.sensitive for _, p in purposes),
        "spiCat": spi,
        "consentDecision": dict(facts.decision),
    }
