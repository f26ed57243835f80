"""Shared helpers for the key lifecycle tests: a clock the test moves, fresh runtimes that
share nothing in memory with the one that wrote the data, bulk data keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert
from typer.testing import CliRunner

from confide.app import create_app
from confide.config import Settings
from confide.crypto import Keyring, generate_data_key
from confide.db import unit_of_work
from confide.runtime import Runtime, build_runtime
from confide.vault.models import DataKeyRecord
from tests.conftest import cli_json

__all__ = ["cli_json"]

runner = CliRunner()


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@contextmanager
def fresh_runtime(settings: Settings, **kwargs: object) -> Iterator[Runtime]:
    """A runtime built from the files on disk, as a newly started worker would build it."""
    runtime = build_runtime(settings, **kwargs)  # type: ignore[arg-type]
    try:
        yield runtime
    finally:
        runtime.close()


@contextmanager
def fresh_client(settings: Settings) -> Iterator[TestClient]:
    with fresh_runtime(settings) as runtime, TestClient(create_app(runtime=runtime)) as client:
        yield client


def bulk_data_keys(runtime: Runtime, keyring: Keyring, n: int) -> dict[str, bytes]:
    """Insert ``n`` data keys wrapped under the keyring's active version; returns id → key."""
    rows, material = [], {}
    for _ in range(n):
        data_key = generate_data_key()
        material[data_key.id] = data_key.key.reveal()
        rows.append(
            {
                "id": data_key.id,
                "master_version": keyring.active.id,
                "wrapped": keyring.wrap_data_key(data_key),
                "created_at": datetime.now(UTC),
            }
        )
    with unit_of_work(runtime.sessions) as session:
        session.execute(insert(DataKeyRecord), rows)
    return material
