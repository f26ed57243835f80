"""Configuration changes from the command line are audit entries (actor operator:cli)."""

from __future__ import annotations

import json
from pathlib import Path

from confide.audit.models import AuditEntry
from confide.runtime import Runtime
from tests.conftest import cli_json


def audited(runtime: Runtime, action: str) -> list[tuple[str, str | None]]:
    with runtime.work() as session:
        rows = session.query(AuditEntry).filter_by(action=action).order_by(AuditEntry.seq)
        return [(e.actor, e.reason) for e in rows]


def test_kb_import_and_notice_publish_are_audited(runtime: Runtime, tmp_path: Path) -> None:
    articles = tmp_path / "kb.json"
    articles.write_text(json.dumps([{"id": "hours", "title": "Hours", "body": "9 to 5."}]))
    assert cli_json(runtime.settings, "kb", "import", str(articles))[0] == 0
    assert audited(runtime, "config.kb_import") == [
        ("operator:cli", "1 articles added, 0 replaced")
    ]

    notice = tmp_path / "notice.md"
    notice.write_text("# A new notice\n\nWe keep your chats for 90 days.\n", encoding="utf-8")
    code, published = cli_json(runtime.settings, "notice", "publish", str(notice))
    assert code == 0
    assert audited(runtime, "config.notice") == [
        ("operator:cli", f"privacy notice version {published['version']}")
    ]
    # Publishing the same text again changes nothing, and records nothing.
    assert cli_json(runtime.settings, "notice", "publish", str(notice))[0] == 0
    assert len(audited(runtime, "config.notice")) == 1
