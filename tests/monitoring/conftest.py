"""Scraping ``/metrics`` through the ASGI app, as Prometheus would."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from confide.config import Settings
from confide.runtime import Runtime

LOOPBACK = ("127.0.0.1", 50000)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def client_from(client: TestClient, host: str) -> TestClient:
    """Another client of the same (started) app, connecting from ``host``."""
    return TestClient(client.app, client=(host, 50000))


@pytest.fixture
def local(client: TestClient) -> TestClient:
    """A client on the loopback address: the only one /metrics answers by default."""
    return client_from(client, LOOPBACK[0])


def scrape(local: TestClient, **kwargs: Any) -> Samples:
    response = local.get("/metrics", **kwargs)
    assert response.status_code == 200, response.text
    return parse(response.text)


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 for a labelled series not yet seen."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def configure(runtime: Runtime, **values: Any) -> None:
    """Change the runtime's settings as the environment would (validated)."""
    checked = Settings(data_dir=runtime.settings.data_dir, **values)
    update = {name: getattr(checked, name) for name in values}
    runtime.settings = runtime.settings.model_copy(update=update)
