"""Shared fixtures for the crypto tests: real keyrings in tmp_path, no mocks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from confide.crypto import DataKey, Keyring, SecretKey, generate_data_key

FIXED_TIME = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_TIME


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    return tmp_path / "keyring.json"


@pytest.fixture
def keyring(keyring_path: Path) -> Keyring:
    return Keyring.create(keyring_path, clock=fixed_clock)


@pytest.fixture
def data_key() -> DataKey:
    return generate_data_key()


def secret_forms(material: bytes) -> list[str]:
    """Every textual form in which key bytes could leak into a message or repr."""
    return [
        material.hex(),
        material.hex().upper(),
        base64.b64encode(material).decode(),
        base64.urlsafe_b64encode(material).decode(),
        base64.b64encode(material).decode().rstrip("="),
        base64.urlsafe_b64encode(material).decode().rstrip("="),
        repr(material),
        repr(material)[2:-1],
    ]


def assert_no_secret(text: str, *keys: SecretKey | bytes) -> None:
    for key in keys:
        material = key.reveal() if isinstance(key, SecretKey) else key
        for form in secret_forms(material):
            assert form not in text
