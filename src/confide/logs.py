"""Logs without personal data: every record's message passes through the PII engine, and the
server's logs are JSON lines."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from confide.pii import PiiAnalyzer, redact

LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "confide")


class RedactingFilter(logging.Filter):
    """Replaces what the PII engine finds in a record's message with ``<TYPE>`` placeholders."""

    def __init__(self, analyzer: PiiAnalyzer) -> None:
        super().__init__()
        self._analyzer = analyzer

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        findings = self._analyzer.analyze(message)
        if findings:
            record.msg, record.args = redact(message, findings), None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Structured fields passed as extra={"fields": {...}}: callers put no personal data there.
        for key, value in getattr(record, "fields", {}).items():
            entry.setdefault(key, value)
        return json.dumps(entry, ensure_ascii=False)


def install_log_redaction(analyzer: PiiAnalyzer) -> None:
    """Put a redacting filter on every handler of Confide's and the server's loggers (once);
    if the root logger has no handler, give it one that writes JSON lines."""
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(JsonFormatter())
        root.addHandler(stream)
        root.setLevel(logging.INFO)
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter(analyzer))
