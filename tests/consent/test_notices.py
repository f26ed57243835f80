"""The privacy notice: versioned Markdown published by operators, read by customers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from confide.app import create_app
from confide.bootstrap import initialise
from confide.config import Settings
from confide.runtime import Runtime
from tests.conftest import cli_json, cli_run

SUMMARY = "We collect what you type, to answer you. Only our team sees it. Kept 30 days."
NEW_NOTICE = f"""---
title: Our new notice
summary: {SUMMARY}
controller:
  name: Northwind Goods
  email: privacy@example.com
---

# Ignored heading

The full text, version two.
"""


def _publish(
    settings: Settings, tmp_path: Path, text: str | bytes
) -> tuple[int, dict[str, object]]:
    path = tmp_path / "notice.md"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    code, out = cli_json(settings, "notice", "publish", str(path))
    return code, out


def _versions(settings: Settings) -> list[dict[str, object]]:
    code, out = cli_json(settings, "notice", "list")
    assert code == 0
    return list(out)


def test_the_demo_installs_northwinds_notice_as_version_1(client: TestClient) -> None:
    notice = client.get("/v1/privacy-notice").json()
    assert notice["version"] == 1 and notice["active"] is True
    assert notice["title"] == "How Northwind Goods handles your data in our help chat"
    assert notice["controller"]["email"] == "privacy@northwind.example.com"
    for topic in ("What we collect", "Why we use it", "Who can see it", "How long", "Your rights"):
        assert topic in notice["body"]
    assert "90 days" in notice["summary"]


def test_publishing_a_new_version_keeps_the_earlier_one(
    runtime: Runtime, client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    first = client.get("/v1/privacy-notice").json()
    code, out = _publish(settings, tmp_path, NEW_NOTICE)
    assert (code, out["version"], out["created"], out["title"]) == (0, 2, True, "Our new notice")
    assert [(v["version"], v["active"]) for v in _versions(settings)] == [(1, False), (2, True)]
    active = client.get("/v1/privacy-notice").json()
    assert (active["version"], active["summary"]) == (2, SUMMARY)
    assert active["controller"] == {"name": "Northwind Goods", "email": "privacy@example.com"}
    old = client.get("/v1/privacy-notice/versions/1").json()
    assert (old["body"], old["active"]) == (first["body"], False)
    listed = client.get("/v1/privacy-notice/versions").json()
    assert [(v["version"], v["active"]) for v in listed] == [(1, False), (2, True)]


def test_publishing_the_text_in_force_again_changes_nothing(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    assert _publish(settings, tmp_path, NEW_NOTICE)[1]["created"] is True
    code, out = _publish(settings, tmp_path, NEW_NOTICE)
    assert (code, out["version"], out["created"]) == (0, 2, False)
    assert len(_versions(settings)) == 2


def test_title_and_summary_default_to_the_first_heading_and_paragraph(
    runtime: Runtime, client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    text = "# Privacy at *Northwind*\n\nWe keep **little**, for a short time.\n\nMore.\n"
    assert _publish(settings, tmp_path, text)[0] == 0
    notice = client.get("/v1/privacy-notice").json()
    assert (notice["title"], notice["summary"]) == (
        "Privacy at Northwind",
        "We keep little, for a short time.",
    )
    assert notice["controller"] == {}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "NoticeInvalid"),
        ("   \n\n", "NoticeInvalid"),
        ("---\ntitle: Only a title\n---\n", "NoticeInvalid"),
        ("---\ntitle: [unclosed\n---\nBody.\n", "NoticeInvalid"),
        ("---\nauthor: Someone\n---\nBody.\n", "NoticeInvalid"),
        ("---\ncontroller:\n  email: privacy@example.com\n---\nBody.\n", "NoticeInvalid"),
        ("---\ncontroller: Northwind\n---\nBody.\n", "NoticeInvalid"),
        ("---\nsummary: 42\n---\nBody.\n", "NoticeInvalid"),
        ("# Only a heading\n", "NoticeInvalid"),
        ("Body with a \x00 NUL.\n", "NoticeInvalid"),
        ("x" * (256 * 1024 + 1), "NoticeInvalid"),
        (b"caf\xe9 latin-1\n", "UnreadableFile"),
    ],
    ids=[
        "empty",
        "blank",
        "front-matter-only",
        "bad-yaml",
        "unknown-field",
        "controller-without-name",
        "controller-not-mapping",
        "summary-not-text",
        "no-paragraph",
        "nul",
        "too-large",
        "not-utf8",
    ],
)
def test_a_notice_that_cannot_be_published_is_refused_and_nothing_changes(
    runtime: Runtime, settings: Settings, tmp_path: Path, text: str | bytes, error: str
) -> None:
    code, out = _publish(settings, tmp_path, text)
    assert (code, out["error"]) == (1, error)
    assert out["detail"]
    assert [v["version"] for v in _versions(settings)] == [1]


def test_publishing_a_missing_file_is_a_clear_error(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    code, out = cli_json(settings, "notice", "publish", str(tmp_path / "missing.md"))
    assert (code, out["error"]) == (1, "UnreadableFile")
    assert "missing.md" in out["detail"]


def test_notice_commands_speak_to_people_too(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "n.md").write_text(NEW_NOTICE, encoding="utf-8")
    code, out = cli_run(settings, "notice", "publish", str(tmp_path / "n.md"))
    assert (code, "Published version 2" in out) == (0, True)
    code, out = cli_run(settings, "notice", "list")
    assert code == 0 and "Our new notice" in out


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/v1/privacy-notice/versions/7", 404, "NoPrivacyNotice"),
        ("/v1/privacy-notice/versions/0", 422, "ValidationError"),
        ("/v1/privacy-notice/versions/one", 422, "ValidationError"),
        ("/privacy-notice/7", 404, "NoPrivacyNotice"),
    ],
)
def test_unknown_notice_versions_are_clear_errors(
    client: TestClient, path: str, status: int, error: str
) -> None:
    response = client.get(path)
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_the_notice_pages_are_readable_text(client: TestClient) -> None:
    page = client.get("/privacy-notice")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    assert page.text.startswith("# How Northwind Goods handles your data")
    assert client.get("/privacy-notice/1").text == page.text


@pytest.fixture
def bare_client(settings: Settings) -> Iterator[TestClient]:
    """An installation initialised without the demo: no notice published yet."""
    runtime = initialise(settings)
    with TestClient(create_app(runtime=runtime)) as client:
        yield client
    runtime.close()


def test_without_a_notice_consent_cannot_be_given_and_chats_open_with_the_disclosure(
    bare_client: TestClient, settings: Settings
) -> None:
    assert bare_client.get("/v1/privacy-notice").json()["error"] == "NoPrivacyNotice"
    assert bare_client.get("/v1/privacy-notice/versions").json() == []
    assert bare_client.get("/privacy-notice").status_code == 404
    started = bare_client.post("/v1/conversations", json={}).json()
    assert "I'm an AI, not a person" in started["greeting"]["text"]
    assert "/privacy-notice" not in started["greeting"]["text"]
    headers = {"Authorization": f"Bearer {started['token']}"}
    response = bare_client.put(
        "/v1/me/consents/improvement", json={"granted": True}, headers=headers
    )
    assert (response.status_code, response.json()["error"]) == (409, "ConsentUnavailable")
    assert bare_client.get("/v1/me/consents", headers=headers).json()["notice_version"] is None
    assert _versions(settings) == []
