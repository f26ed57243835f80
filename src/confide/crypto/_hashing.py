"""Keyed digests: blind indexes, pseudonyms and bearer-token hashes (HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from confide.crypto._encoding import length_prefixed
from confide.crypto._keys import SecretKey

__all__ = ["blind_index", "hash_token", "new_token", "pseudonym", "tokens_match"]

_PSEUDONYM_BYTES = 16  # 128 bits
_TOKEN_BYTES = 32  # 256 bits


def _mac(key: SecretKey, domain: bytes, value: str) -> bytes:
    # The domain label keeps the three uses apart even if a caller reuses one key.
    message = length_prefixed(domain, value.encode("utf-8"))
    return hmac.new(key.reveal(), message, hashlib.sha256).digest()


def blind_index(key: SecretKey, value: str) -> str:
    """Deterministic keyed index of ``value`` as given (callers normalise): 64 hex chars."""
    return _mac(key, b"confide.blind-index.v1", value).hex()


def pseudonym(key: SecretKey, value: str, *, prefix: str = "") -> str:
    """Stable keyed pseudonym: ``prefix`` + 26 lowercase base32 chars (128 bits).

    The prefix is cosmetic and not part of the MAC; use separate derived keys where
    pseudonyms from different contexts must not be linkable.
    """
    digest = _mac(key, b"confide.pseudonym.v1", value)[:_PSEUDONYM_BYTES]
    return prefix + base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def hash_token(key: SecretKey, token: str) -> str:
    """The keyed hash under which a bearer token is stored: 64 hex chars."""
    return _mac(key, b"confide.token.v1", token).hex()


def identity_hash(secret: str, external_id: str) -> str:
    """HMAC-SHA256 of a customer's ``external_id`` under the operator's identity secret, in
    hex: what the operator's own backend computes for a signed-in customer (the scheme
    support widgets use), so Confide can trust that the customer is who the site says."""
    return hmac.new(secret.encode("utf-8"), external_id.encode("utf-8"), hashlib.sha256).hexdigest()


def new_token() -> str:
    """A fresh URL-safe bearer token with 256 bits of randomness (43 chars)."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def tokens_match(a: str, b: str) -> bool:
    """Constant-time comparison of two tokens or token hashes."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
