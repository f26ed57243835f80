"""What the backup tests share: a full dump of the database, customers with details, a
shred done by hand, and a fresh server over the restored database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from confide.app import create_app
from confide.backups import repository
from confide.db import unit_of_work
from confide.runtime import Runtime, build_runtime
from confide.subjects.models import Subject
from confide.subjects.service import shred_subject


def dump(runtime: Runtime) -> dict[str, list[str]]:
    """Every row of every table, in a stable order, so two states compare exactly."""
    with runtime.engine.connect() as connection:
        return {
            table.name: sorted(repr(row) for row in repository.iter_rows(connection, table))
            for table in repository.tables()
        }


def row_counts(runtime: Runtime) -> dict[str, int]:
    return {name: len(rows) for name, rows in dump(runtime).items()}


class Customer:
    """A customer with details, in one conversation through the HTTP API."""

    def __init__(self, client: TestClient, marker: str, *, messages: int = 2) -> None:
        self.client = client
        self.email = f"{marker}@example.com"
        response = client.post(
            "/v1/conversations",
            json={
                "customer": {
                    "email": self.email,
                    "name": f"Ada {marker}",
                    "external_id": f"ext-{marker}",
                }
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        self.id, self.token = body["conversation_id"], body["token"]
        self.subject_id = uuid.UUID(body["subject_id"])
        for n in range(messages):
            self.say(f"hello, my code is {marker}-{n}")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def say(self, text: str) -> None:
        response = self.client.post(
            f"/v1/conversations/{self.id}/messages", json={"text": text}, headers=self.headers
        )
        assert response.status_code == 200, response.text

    def transcript(self, client: TestClient) -> tuple[int, Any]:
        response = client.get(f"/v1/conversations/{self.id}", headers=self.headers)
        return response.status_code, response.json()


def shred_customer(runtime: Runtime, subject_id: uuid.UUID) -> str:
    """Crypto-shred the customer through the real vault (which also writes the shred
    ledger); returns the data key id."""
    with unit_of_work(runtime.sessions) as session:
        key_id = session.scalars(select(Subject.data_key_id).where(Subject.id == subject_id)).one()
        assert shred_subject(session, runtime.vault, subject_id) is True
    return key_id


@contextmanager
def restarted(runtime: Runtime) -> Iterator[TestClient]:
    """A new server process over the same settings: what an operator starts after a restore."""
    fresh = build_runtime(runtime.settings)
    try:
        with TestClient(create_app(runtime=fresh)) as client:
            yield client
    finally:
        fresh.close()
