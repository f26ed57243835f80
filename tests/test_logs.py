"""Logs never carry detected personal data, and the server's logs are JSON lines."""

from __future__ import annotations

import json
import logging

import pytest

from confide.logs import JsonFormatter, RedactingFilter, install_log_redaction
from confide.pii import PiiAnalyzer


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_personal_data_in_a_log_message_is_redacted_before_any_handler_writes_it() -> None:
    handler = ListHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter(PiiAnalyzer()))
    logger = logging.getLogger("confide.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        logger.warning("lookup failed for %s (card %s)", "ada@example.com", "4111 1111 1111 1111")
        logger.info("nothing personal here")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in handler.lines)
    assert first["message"] == "lookup failed for <EMAIL_ADDRESS> (card <CREDIT_CARD>)"
    assert first["level"] == "WARNING" and first["logger"] == "confide.test.redaction"
    assert second["message"] == "nothing personal here"


def test_installing_twice_adds_one_filter_per_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = ListHandler()
    logger = logging.getLogger("confide")
    logger.addHandler(handler)
    try:
        analyzer = PiiAnalyzer()
        install_log_redaction(analyzer)
        install_log_redaction(analyzer)
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        logger.error("reach me at +1 202 555 0143")
        assert handler.lines == ["reach me at <PHONE_NUMBER>"]
    finally:
        logger.removeHandler(handler)
