"""Help-centre articles: the data type, loaders for Markdown, JSON and CSV, and validation.

A knowledge base is loaded whole or not at all: any problem raises `ArticleFormatError`
naming the file (and the row, index or line) so an operator can fix the source.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

__all__ = [
    "MAX_ARTICLE_BYTES",
    "Article",
    "ArticleFormatError",
    "first_paragraph",
    "load_articles",
    "markdown_blocks",
    "strip_inline_markdown",
]

MAX_ARTICLE_BYTES = 200 * 1024
# A whole source file may hold many articles; this only guards against absurd inputs.
MAX_SOURCE_BYTES = 50 * 1024 * 1024

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_LIST_SEPARATOR = "|"
_KNOWN_FIELDS = frozenset({"id", "title", "body", "tags", "questions", "intent"})


@dataclass(frozen=True, slots=True)
class Article:
    """One help-centre article; `body` is Markdown whose first paragraph answers on its own."""

    id: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    intent: str | None = None


class ArticleFormatError(ValueError):
    """A knowledge-base source could not be loaded; the message names the file and the place."""

    def __init__(self, source: Path | str, problem: str, *, where: str | None = None) -> None:
        self.source = str(source)
        self.problem = problem
        self.where = where
        location = f"{self.source} ({where})" if where else self.source
        super().__init__(f"{location}: {problem}")


def load_articles(path: Path) -> list[Article]:
    """Load and validate articles from a folder of Markdown files, a JSON file or a CSV file.

    Folders are searched recursively for `*.md` files (sorted by path); front matter holds
    `title` (required), `id` (defaults to the file stem), `tags`, `questions` and `intent`.
    JSON is a list of objects with those fields plus `body`, or `{"articles": [...]}`. CSV needs
    `id,title,body` columns; `tags` and `questions` are `|`-separated; other columns are ignored.
    Raises `ArticleFormatError` on any invalid input, including no articles at all; nothing
    is returned partially.
    """
    path = Path(path)
    if path.is_dir():
        articles = _load_markdown_folder(path)
    elif not path.is_file():
        raise ArticleFormatError(path, "no such file or folder")
    elif path.suffix.lower() == ".json":
        articles = _load_json(path)
    elif path.suffix.lower() == ".csv":
        articles = _load_csv(path)
    elif path.suffix.lower() == ".md":
        articles = [_parse_markdown(path, _read_text(path, MAX_ARTICLE_BYTES))]
    else:
        raise ArticleFormatError(path, "unsupported format; expected a folder, .md, .json or .csv")
    if not articles:
        raise ArticleFormatError(path, "no articles found")
    _refuse_duplicate_ids(articles)
    return [located.article for located in articles]


@dataclass(frozen=True, slots=True)
class _Located:
    """An article with where it came from, for error messages about duplicates."""

    article: Article
    source: Path
    where: str | None = None

    def describe(self) -> str:
        return f"{self.source} ({self.where})" if self.where else str(self.source)


_Fail = Callable[[str], ArticleFormatError]


def _read_text(path: Path, limit: int) -> str:
    size = path.stat().st_size
    if size > limit:
        raise ArticleFormatError(path, f"file is {size} bytes; the limit is {limit} bytes")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        where = f"line {line}, byte offset {exc.start}"
        raise ArticleFormatError(path, "not valid UTF-8", where=where) from None


def _load_markdown_folder(folder: Path) -> list[_Located]:
    files = sorted(p for p in folder.rglob("*.md") if p.is_file())
    return [_parse_markdown(p, _read_text(p, MAX_ARTICLE_BYTES)) for p in files]


def _parse_markdown(path: Path, text: str) -> _Located:
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"front matter line {mark.line + 1}" if mark is not None else "front matter"
        raise ArticleFormatError(path, f"invalid YAML: {exc}", where=where) from None
    except (ValueError, TypeError) as exc:
        raise ArticleFormatError(path, f"invalid front matter: {exc}") from None
    fields: dict[str, Any] = dict(post.metadata)
    if "body" in fields:
        raise ArticleFormatError(path, "front matter must not set 'body'; write it below the ---")
    fields.setdefault("id", path.stem)
    fields["body"] = post.content
    return _Located(_build_article(fields, source=path, where=None), path)


def _load_json(path: Path) -> list[_Located]:
    text = _read_text(path, MAX_SOURCE_BYTES)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArticleFormatError(
            path, f"invalid JSON: {exc.msg}", where=f"line {exc.lineno}"
        ) from None
    if isinstance(data, dict):
        if "articles" not in data:
            raise ArticleFormatError(path, "expected a list of articles or {'articles': [...]}")
        data = data["articles"]
    if not isinstance(data, list):
        raise ArticleFormatError(path, "expected a list of articles or {'articles': [...]}")
    located: list[_Located] = []
    for index, item in enumerate(data):
        where = f"article index {index}"
        if not isinstance(item, dict):
            raise ArticleFormatError(path, "each article must be an object", where=where)
        located.append(_Located(_build_article(item, source=path, where=where), path, where))
    return located


def _load_csv(path: Path) -> list[_Located]:
    text = _read_text(path, MAX_SOURCE_BYTES)
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    located: list[_Located] = []
    try:
        header = reader.fieldnames or []
        missing = [name for name in ("id", "title", "body") if name not in header]
        if missing:
            raise ArticleFormatError(path, f"missing required column(s): {', '.join(missing)}")
        for number, row in enumerate(reader, start=1):
            where = f"row {number}, line {reader.line_num}"
            if None in row:
                raise ArticleFormatError(path, "more values than columns", where=where)
            article = _build_article(_csv_fields(row), source=path, where=where)
            located.append(_Located(article, path, where))
    except csv.Error as exc:
        raise ArticleFormatError(
            path, f"invalid CSV: {exc}", where=f"line {reader.line_num}"
        ) from None
    return located


def _csv_fields(row: Mapping[str, str | None]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: v for k, v in row.items() if k in _KNOWN_FIELDS and v is not None}
    for name in ("tags", "questions"):
        raw = fields.get(name) or ""
        fields[name] = [part.strip() for part in raw.split(_LIST_SEPARATOR) if part.strip()]
    if not (fields.get("intent") or "").strip():
        fields.pop("intent", None)
    return fields


def _build_article(fields: Mapping[str, Any], *, source: Path, where: str | None) -> Article:
    def fail(problem: str) -> ArticleFormatError:
        return ArticleFormatError(source, problem, where=where)

    unknown = sorted(set(fields) - _KNOWN_FIELDS)
    if unknown:
        raise fail(f"unknown field(s): {', '.join(map(str, unknown))}")
    article_id = _required_text(fields, "id", fail)
    if not _SLUG.match(article_id):
        raise fail(f"id {article_id!r} is not slug-safe (lowercase letters, digits, - or _)")
    title = _required_text(fields, "title", fail)
    body = _required_text(fields, "body", fail)
    size = len(body.encode("utf-8"))
    if size > MAX_ARTICLE_BYTES:
        raise fail(f"article {article_id!r} body is {size} bytes; the limit is {MAX_ARTICLE_BYTES}")
    intent = fields.get("intent")
    if intent is not None and (not isinstance(intent, str) or not _SLUG.match(intent)):
        raise fail(f"intent must be a slug-safe string, got {intent!r}")
    return Article(
        id=article_id,
        title=title,
        body=body.strip(),
        tags=_string_tuple(fields.get("tags"), "tags", fail),
        questions=_string_tuple(fields.get("questions"), "questions", fail),
        intent=intent,
    )


def _required_text(fields: Mapping[str, Any], name: str, fail: _Fail) -> str:
    value = fields.get(name)
    if value is None:
        raise fail(f"missing required field '{name}'")
    if not isinstance(value, str):
        raise fail(f"field '{name}' must be text, got {type(value).__name__}")
    if not value.strip():
        raise fail(f"field '{name}' is empty")
    return value.strip() if name != "body" else value


def _string_tuple(value: Any, name: str, fail: _Fail) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise fail(f"field '{name}' must be a list of strings")
    items = list(value)
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise fail(f"field '{name}' must be a list of non-empty strings")
    return tuple(item.strip() for item in items)


def _refuse_duplicate_ids(articles: list[_Located]) -> None:
    seen: dict[str, _Located] = {}
    for located in articles:
        first = seen.setdefault(located.article.id, located)
        if first is not located:
            raise ArticleFormatError(
                located.source,
                f"duplicate article id {located.article.id!r}"
                f" (first defined in {first.describe()})",
                where=located.where,
            )


_FENCE = re.compile(r"^\s*(```|~~~)")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_BLOCK_MARKERS = re.compile(r"^\s*(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\||<!--|---|\*\*\*|___)")
_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links -> link text
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])"), r"\2"),
    (re.compile(r"<[^>\n]+>"), ""),  # inline HTML tags
]


def first_paragraph(body: str) -> str:
    """The first prose paragraph of a Markdown body, as plain text for a chat reply.

    Headings, lists, quotes, tables and code blocks are skipped; inline emphasis, links
    and code are reduced to their text. Returns "" when the body has no prose paragraph.
    """
    for block in markdown_blocks(body):
        if not _BLOCK_MARKERS.match(block[0]) and not any(_SETEXT.match(x) for x in block):
            return strip_inline_markdown(" ".join(line.strip() for line in block))
    return ""


def strip_inline_markdown(text: str) -> str:
    """Reduce inline Markdown (links, emphasis, code) to plain text and collapse spaces."""
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def markdown_blocks(body: str) -> list[list[str]]:
    """Split Markdown into blank-line separated blocks, dropping fenced code."""
    blocks: list[list[str]] = []
    current: list[str] = []
    in_fence = False
    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            current = _flush(blocks, current)
            continue
        if in_fence:
            continue
        if line.strip():
            current.append(line)
        else:
            current = _flush(blocks, current)
    _flush(blocks, current)
    return blocks


def _flush(blocks: list[list[str]], current: list[str]) -> list[str]:
    if current:
        blocks.append(current)
    return []
