"""A bug is a JSON 500 whose log line names the exception type but never its message."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from confide.app import create_app
from confide.runtime import Runtime


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unhandled_exception_is_a_json_500_and_its_message_is_not_logged(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(runtime=runtime)
    email = "alice" + "@example.com"

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"{email} was in this message")

    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "InternalError", "detail": "an unexpected error occurred"}
    assert "unhandled RuntimeError" in caplog.text
    assert "alice@example.com" not in caplog.text
