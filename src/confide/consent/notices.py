"""The privacy notice: versioned Markdown, the highest version in force, earlier ones kept.

A notice file may start with YAML front matter: ``title``, ``summary`` (the short notice
every chat opens with) and ``controller`` (``name``, ``email``, ``phone``, ``address``,
``url``: who is responsible, shown in consent receipts). Without them the title is the
first heading and the summary the first paragraph.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from confide.consent import repository
from confide.consent.errors import NoPrivacyNotice, NoticeInvalid
from confide.consent.models import PrivacyNotice
from confide.consent.schemas import NoticeOut, NoticeSummaryOut
from confide.db import utcnow
from confide.knowledge.articles import first_paragraph, strip_inline_markdown

MAX_NOTICE_BYTES = 256 * 1024
MAX_SUMMARY_CHARS = 1000
# Where customers read the full notice and make their choices (web pages).
NOTICE_PATH = "/privacy-notice"
PRIVACY_CENTER_PATH = "/privacy"
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


class NoticeController(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=500)

    def kantara(self) -> dict[str, str]:
        """As a Kantara ``piiControllers`` entry."""
        fields = {
            "piiController": self.name,
            "contact": self.email or self.phone or self.url,
            "email": self.email,
            "phone": self.phone,
            "address": self.address,
            "piiControllerUrl": self.url,
        }
        return {key: value for key, value in fields.items() if value}


@dataclass(frozen=True)
class NoticeDraft:
    title: str
    summary: str
    body: str
    controller: NoticeController | None
    sha256: str


def parse_notice(text: str) -> NoticeDraft:
    """Read a notice file's text; NoticeInvalid (with the reason) if it cannot be published."""
    if len(text.encode("utf-8")) > MAX_NOTICE_BYTES:
        raise NoticeInvalid(f"a privacy notice is at most {MAX_NOTICE_BYTES} bytes")
    if "\x00" in text:
        raise NoticeInvalid("a privacy notice must not contain NUL characters")
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise NoticeInvalid(f"the notice's front matter is not valid YAML: {exc}") from None
    body = post.content.strip()
    if not body:
        raise NoticeInvalid("the privacy notice is empty")
    meta: dict[str, Any] = dict(post.metadata)
    unknown = sorted(set(meta) - {"title", "summary", "controller"})
    if unknown:
        raise NoticeInvalid(f"unknown front matter field(s): {', '.join(unknown)}")
    title = _text_field(meta, "title", 200) or _first_heading(body) or "Privacy notice"
    summary = _text_field(meta, "summary", MAX_SUMMARY_CHARS) or first_paragraph(body)
    if not summary:
        raise NoticeInvalid("the notice needs a summary (front matter) or a first paragraph")
    if len(summary) > MAX_SUMMARY_CHARS:
        raise NoticeInvalid(f"the summary is at most {MAX_SUMMARY_CHARS} characters")
    return NoticeDraft(
        title=title,
        summary=summary,
        body=body,
        controller=_controller(meta.get("controller")),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _text_field(meta: dict[str, Any], name: str, limit: int) -> str:
    value = meta.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise NoticeInvalid(f"front matter field {name!r} must be non-empty text")
    if len(value) > limit:
        raise NoticeInvalid(f"front matter field {name!r} is at most {limit} characters")
    return " ".join(value.split())


def _first_heading(body: str) -> str:
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            return strip_inline_markdown(match.group(1))[:200]
    return ""


def _controller(value: Any) -> NoticeController | None:
    if value is None:
        return None
    try:
        return NoticeController.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'controller'}: {e['msg']}"
            for e in exc.errors()[:3]
        )
        raise NoticeInvalid(f"front matter field 'controller' is invalid: {problems}") from None


def publish_notice(
    session: Session, text: str, *, now: datetime | None = None
) -> tuple[PrivacyNotice, bool]:
    """Publish ``text`` as the next version; returns (notice in force, whether it is new).

    Publishing exactly the text already in force changes nothing.
    """
    draft = parse_notice(text)
    active = repository.active_notice(session)
    if active is not None and active.sha256 == draft.sha256:
        return active, False
    notice = PrivacyNotice(
        id=uuid.uuid4(),
        version=(active.version + 1) if active else 1,
        title=draft.title,
        summary=draft.summary,
        body=draft.body,
        controller=draft.controller.model_dump(exclude_none=True) if draft.controller else {},
        sha256=draft.sha256,
        published_at=now or utcnow(),
    )
    repository.add_notice(session, notice)
    return notice, True


def publish_notice_if_none(session: Session, text: str) -> PrivacyNotice:
    """The notice in force; ``text`` is published first when there is none (bootstrap)."""
    return repository.active_notice(session) or publish_notice(session, text)[0]


def active_notice_or_raise(session: Session) -> PrivacyNotice:
    notice = repository.active_notice(session)
    if notice is None:
        raise NoPrivacyNotice("no privacy notice is published yet")
    return notice


def notice_version_or_raise(session: Session, version: int) -> PrivacyNotice:
    notice = repository.notice_by_version(session, version)
    if notice is None:
        raise NoPrivacyNotice(f"there is no privacy notice version {version}")
    return notice


def chat_notice(session: Session) -> str:
    """The short notice a new chat opens with, with links to the full notice and the
    privacy center; "" when no notice is published."""
    notice = repository.active_notice(session)
    if notice is None:
        return ""
    return (
        f"{notice.summary} Full privacy notice: {NOTICE_PATH} · "
        f"your privacy choices: {PRIVACY_CENTER_PATH}."
    )


def list_versions(session: Session) -> list[NoticeSummaryOut]:
    """Every published version, oldest first; the last one is in force."""
    published = repository.list_notices(session)
    last = published[-1].id if published else None
    return [
        NoticeSummaryOut(
            version=n.version,
            title=n.title,
            sha256=n.sha256,
            published_at=n.published_at,
            active=n.id == last,
        )
        for n in published
    ]


def notice_out(notice: PrivacyNotice, *, active: bool) -> NoticeOut:
    return NoticeOut(
        version=notice.version,
        title=notice.title,
        sha256=notice.sha256,
        published_at=notice.published_at,
        active=active,
        summary=notice.summary,
        body=notice.body,
        controller=notice.controller,
    )
