"""Who may read /metrics: loopback by default, else the configured networks and token."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from fastapi.testclient import TestClient

from confide.config import Settings
from confide.runtime import Runtime
from tests.monitoring.conftest import client_from, configure

TOKEN = "s3cret-scrape-token-for-tests"


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_loopback_clients_read_the_metrics_in_prometheus_text_format(
    client: TestClient, host: str
) -> None:
    response = client_from(client, host).get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE confide_http_requests_total counter" in response.text


def test_the_test_client_host_is_no_loopback_address_and_is_refused(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 403
    assert response.json() == {
        "error": "AddressNotAllowed",
        "detail": "metrics are not served to this address (see CONFIDE_METRICS_ALLOW)",
    }


def test_an_address_outside_the_configured_networks_is_refused(
    runtime: Runtime, client: TestClient
) -> None:
    configure(runtime, metrics_allow=["10.0.0.0/8", "2001:db8::1"])
    assert client_from(client, "10.20.30.40").get("/metrics").status_code == 200
    assert client_from(client, "2001:db8::1").get("/metrics").status_code == 200
    for host in ("203.0.113.7", "127.0.0.1", "2001:db8::2"):
        response = client_from(client, host).get("/metrics")
        assert response.status_code == 403, host
        assert response.json()["error"] == "AddressNotAllowed"


def test_an_ipv4_client_of_a_dual_stack_socket_is_matched_by_its_ipv4_address(
    client: TestClient,
) -> None:
    assert client_from(client, "::ffff:127.0.0.1").get("/metrics").status_code == 200


def test_with_a_token_set_a_scrape_needs_exactly_that_bearer_token(
    runtime: Runtime, local: TestClient
) -> None:
    configure(runtime, metrics_token=TOKEN)
    cases = {
        None: 401,
        "Bearer wrong-token": 401,
        f"Bearer {TOKEN}x": 401,
        f"Basic {TOKEN}": 401,
        f"Bearer {TOKEN}": 200,
    }
    for header, status in cases.items():
        headers = {"Authorization": header} if header else {}
        response = local.get("/metrics", headers=headers)
        assert response.status_code == status, header
        if status == 401:
            assert response.json()["error"] == "InvalidMetricsToken"


def test_the_right_token_from_an_address_not_allowed_is_still_refused(
    runtime: Runtime, client: TestClient
) -> None:
    configure(runtime, metrics_token=TOKEN)
    outside = client_from(client, "203.0.113.7")
    response = outside.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403


def test_settings_default_to_loopback_and_read_networks_and_token_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().metrics_allow == [ip_network("127.0.0.1/32"), ip_network("::1/128")]
    assert Settings().metrics_token is None
    monkeypatch.setenv("CONFIDE_METRICS_ALLOW", '["10.0.0.0/8", "192.0.2.5"]')
    monkeypatch.setenv("CONFIDE_METRICS_TOKEN", TOKEN)
    settings = Settings()
    assert settings.metrics_allow == [ip_network("10.0.0.0/8"), ip_network("192.0.2.5/32")]
    assert settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
