from __future__ import annotations

import hashlib
import hmac
import re

from confide.crypto import (
    SecretKey,
    blind_index,
    hash_token,
    new_token,
    pseudonym,
    tokens_match,
)

KEY = SecretKey(bytes(range(32)), id="known-answer")
OTHER_KEY = SecretKey(bytes(range(1, 33)), id="other")


def test_blind_index_has_a_fixed_known_answer() -> None:
    # Stored indexes depend on this value never changing.
    assert blind_index(KEY, "alice@example.com") == (
        "b8175223ee8dca8b95a41d867b89ec77ac340dd908e8120ad9a0886e880f01ce"
    )


def test_blind_index_matches_the_documented_construction() -> None:
    label, value = b"confide.blind-index.v1", b"alice@example.com"
    message = len(label).to_bytes(4, "big") + label + len(value).to_bytes(4, "big") + value

    assert blind_index(KEY, "alice@example.com") == (
        hmac.new(bytes(range(32)), message, hashlib.sha256).hexdigest()
    )


def test_blind_index_is_deterministic_keyed_and_takes_the_value_as_given() -> None:
    index = blind_index(KEY, "alice@example.com")

    assert blind_index(KEY, "alice@example.com") == index
    assert blind_index(OTHER_KEY, "alice@example.com") != index
    assert blind_index(KEY, "Alice@example.com") != index
    assert blind_index(KEY, "bob@example.com") != index
    assert hashlib.sha256(b"alice@example.com").hexdigest() != index


def test_pseudonym_is_a_prefixed_128_bit_base32_value() -> None:
    assert pseudonym(KEY, "alice@example.com", prefix="cust_") == "cust_6dvtehdquw7be7mvihopbel26m"
    assert re.fullmatch(r"[a-z2-7]{26}", pseudonym(KEY, "+1 555 0100"))


def test_pseudonym_is_deterministic_keyed_and_unlike_the_blind_index() -> None:
    value = pseudonym(KEY, "alice@example.com")

    assert pseudonym(KEY, "alice@example.com") == value
    assert pseudonym(OTHER_KEY, "alice@example.com") != value
    assert pseudonym(KEY, "bob@example.com") != value
    assert pseudonym(KEY, "alice@example.com", prefix="p-") == "p-" + value
    assert value not in blind_index(KEY, "alice@example.com")


def test_token_hash_is_keyed_and_has_a_fixed_known_answer() -> None:
    assert hash_token(KEY, "tok") == (
        "4d0d9a3a08bfb9a80519e682ce3e3a2138b76f69d355b1637ea8a5fd50cef371"
    )
    assert hash_token(OTHER_KEY, "tok") != hash_token(KEY, "tok")
    assert hash_token(KEY, "tok") != blind_index(KEY, "tok")


def test_new_tokens_are_url_safe_256_bit_and_unique() -> None:
    tokens = {new_token() for _ in range(100)}

    assert len(tokens) == 100
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


def test_stored_token_hash_matches_only_the_same_token() -> None:
    token = new_token()
    stored = hash_token(KEY, token)

    assert tokens_match(hash_token(KEY, token), stored) is True
    assert tokens_match(hash_token(KEY, new_token()), stored) is False
    assert tokens_match("ünïcode", "ünïcode") is True
    assert tokens_match("ünïcode", "unicode") is False
