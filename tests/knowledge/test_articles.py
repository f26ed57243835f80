import json
from pathlib import Path

import pytest

from confide.knowledge.articles import (
    MAX_ARTICLE_BYTES,
    Article,
    ArticleFormatError,
    first_paragraph,
    load_articles,
)

RETURNS_MD = """---
title: Our returns policy
tags: [returns, policy]
questions:
  - How long do I have to return something?
  - Can I return sale items?
intent: return_policy
---
You can return most items within **30 days**.

## Conditions
- Unused items only.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def md(title: str, body: str = "Answer paragraph.", extra: str = "") -> str:
    return f"---\ntitle: {title}\n{extra}---\n{body}\n"


# --- loading each format -------------------------------------------------------------


def test_markdown_folder_loads_recursively_with_id_from_file_stem(tmp_path: Path) -> None:
    write(tmp_path / "returns-policy.md", RETURNS_MD)
    write(tmp_path / "sub" / "cookies.md", md("Cookies", extra="id: cookie-info\n"))
    write(tmp_path / "notes.txt", "not an article")

    articles = load_articles(tmp_path)

    assert articles == [
        Article(
            id="returns-policy",
            title="Our returns policy",
            body="You can return most items within **30 days**.\n\n"
            "## Conditions\n- Unused items only.",
            tags=("returns", "policy"),
            questions=("How long do I have to return something?", "Can I return sale items?"),
            intent="return_policy",
        ),
        Article(id="cookie-info", title="Cookies", body="Answer paragraph."),
    ]


def test_json_list_and_wrapped_object_load_the_same_articles(tmp_path: Path) -> None:
    items = [
        {"id": "gift-cards", "title": "Gift cards", "body": "Valid 24 months.", "tags": ["pay"]},
        {"id": "cookies", "title": "Cookies", "body": "We use cookies.", "questions": ["Why?"]},
    ]
    plain = write(tmp_path / "list.json", json.dumps(items))
    wrapped = write(tmp_path / "wrapped.json", json.dumps({"articles": items}))

    expected = [
        Article(id="gift-cards", title="Gift cards", body="Valid 24 months.", tags=("pay",)),
        Article(id="cookies", title="Cookies", body="We use cookies.", questions=("Why?",)),
    ]
    assert load_articles(plain) == expected
    assert load_articles(wrapped) == expected


def test_csv_splits_pipe_separated_tags_and_questions(tmp_path: Path) -> None:
    path = write(
        tmp_path / "kb.csv",
        "id,title,body,tags,questions,intent,owner\n"
        'refund-timeline,How long refunds take,"Within 3 days.\n\nMore.",refunds| money ,'
        "How long do refunds take?|When do I get my money?,refund_policy,team-a\n"
        "cookies,Cookies,We use cookies.,,,,\n",
    )

    assert load_articles(path) == [
        Article(
            id="refund-timeline",
            title="How long refunds take",
            body="Within 3 days.\n\nMore.",
            tags=("refunds", "money"),
            questions=("How long do refunds take?", "When do I get my money?"),
            intent="refund_policy",
        ),
        Article(id="cookies", title="Cookies", body="We use cookies."),
    ]


def test_single_markdown_file_loads_one_article(tmp_path: Path) -> None:
    path = write(tmp_path / "returns-policy.md", RETURNS_MD)
    assert [a.id for a in load_articles(path)] == ["returns-policy"]


# --- bad input ----------------------------------------------------------------------


def assert_refused(path: Path, *fragments: str) -> ArticleFormatError:
    with pytest.raises(ArticleFormatError) as caught:
        load_articles(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, message
    return caught.value


def test_markdown_without_title_is_refused_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path / "good.md", md("Good"))
    bad = write(tmp_path / "no-title.md", "---\ntags: [x]\n---\nBody.\n")
    assert_refused(bad, "missing required field 'title'")
    with pytest.raises(ArticleFormatError, match=r"no-title\.md"):
        load_articles(tmp_path)


def test_markdown_with_empty_body_is_refused(tmp_path: Path) -> None:
    assert_refused(write(tmp_path / "empty.md", "---\ntitle: Empty\n---\n   \n"), "'body' is empty")


def test_markdown_with_blank_title_is_refused(tmp_path: Path) -> None:
    assert_refused(write(tmp_path / "blank.md", md("''")), "'title' is empty")


def test_markdown_with_broken_yaml_names_the_front_matter_line(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.md", "---\ntitle: Fine\ntags: [a, b\n---\nBody.\n")
    error = assert_refused(path, "invalid YAML")
    assert error.where is not None and error.where.startswith("front matter line ")


def test_id_that_is_not_slug_safe_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", md("Title", extra="id: ../Etc Passwd\n"))
    assert_refused(path, "id '../Etc Passwd' is not slug-safe")


def test_file_stem_that_is_not_slug_safe_is_refused(tmp_path: Path) -> None:
    assert_refused(write(tmp_path / "My Article.md", md("Title")), "'My Article' is not slug-safe")


def test_unknown_front_matter_field_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "typo.md", md("Title", extra="question: [Oops]\n"))
    assert_refused(path, "unknown field(s): question")


def test_questions_that_are_not_a_list_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "q.md", md("Title", extra="questions: Just one string\n"))
    assert_refused(path, "field 'questions' must be a list of strings")


def test_invalid_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes(b"---\ntitle: Caf\xe9\n---\nBody.\n")
    assert_refused(path, "(line 2, byte offset 14): not valid UTF-8")


def test_oversized_article_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "huge.md", md("Huge", body="word " * (MAX_ARTICLE_BYTES // 5 + 1)))
    assert_refused(path, "the limit is 204800 bytes")


def test_oversized_json_article_is_refused_with_its_index(tmp_path: Path) -> None:
    items = [{"id": "ok", "title": "Ok", "body": "Fine."}]
    items.append({"id": "huge", "title": "Huge", "body": "x" * (MAX_ARTICLE_BYTES + 1)})
    path = write(tmp_path / "kb.json", json.dumps(items))
    assert_refused(path, "(article index 1)", "article 'huge' body is 204801 bytes")


def test_invalid_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.json", '[\n{"id": "a",\n "title": }\n]')
    assert_refused(path, "(line 3)", "invalid JSON")


def test_json_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.json", '{"items": []}')
    assert_refused(path, "expected a list of articles or {'articles': [...]}")


def test_json_entry_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.json", '[{"id": "a", "title": "A", "body": "B"}, "oops"]')
    assert_refused(path, "(article index 1)", "each article must be an object")


def test_json_entry_with_non_text_title_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.json", '[{"id": "a", "title": 42, "body": "B"}]')
    assert_refused(path, "(article index 0)", "field 'title' must be text, got int")


def test_csv_without_body_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.csv", "id,title\na,A\n")
    assert_refused(path, "missing required column(s): body")


def test_csv_row_with_empty_title_is_refused_with_its_row(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.csv", "id,title,body\na,A,Fine.\nb,,Body.\n")
    assert_refused(path, "(row 2, line 3)", "'title' is empty")


def test_csv_row_with_too_many_values_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.csv", "id,title,body\na,A,Fine.,extra\n")
    assert_refused(path, "(row 1, line 2)", "more values than columns")


def test_unsupported_extension_is_refused(tmp_path: Path) -> None:
    assert_refused(write(tmp_path / "kb.yaml", "- id: a\n"), "unsupported format")


def test_missing_path_is_refused(tmp_path: Path) -> None:
    assert_refused(tmp_path / "nowhere", "no such file or folder")


def test_folder_without_markdown_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "readme.txt", "nothing here")
    assert_refused(tmp_path, "no articles found")


# --- duplicate ids ------------------------------------------------------------------


def test_duplicate_ids_across_markdown_files_are_refused(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "cookies.md", md("Cookies"))
    second = write(tmp_path / "b" / "cookies.md", md("Cookies again"))
    with pytest.raises(ArticleFormatError) as caught:
        load_articles(tmp_path)
    assert str(caught.value) == (
        f"{second}: duplicate article id 'cookies' (first defined in {first})"
    )


def test_duplicate_ids_in_json_are_refused_naming_both_indexes(tmp_path: Path) -> None:
    items = [{"id": "a", "title": "A", "body": "One."}, {"id": "a", "title": "A2", "body": "Two."}]
    path = write(tmp_path / "kb.json", json.dumps(items))
    with pytest.raises(ArticleFormatError) as caught:
        load_articles(path)
    assert str(caught.value) == (
        f"{path} (article index 1): duplicate article id 'a'"
        f" (first defined in {path} (article index 0))"
    )


def test_duplicate_id_from_front_matter_and_file_stem_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "cookies.md", md("Cookies"))
    write(tmp_path / "other.md", md("Other", extra="id: cookies\n"))
    with pytest.raises(ArticleFormatError, match="duplicate article id 'cookies'"):
        load_articles(tmp_path)


# --- first paragraph ----------------------------------------------------------------


def test_first_paragraph_strips_markdown_and_skips_headings() -> None:
    body = (
        "# Track your order\n\n"
        "You can track it from **Account - Orders** or the [tracking link](https://example.com/t)"
        "\nin your *dispatch* email, using `NW-10421`.\n\n"
        "## Details\nMore text."
    )
    assert first_paragraph(body) == (
        "You can track it from Account - Orders or the tracking link in your dispatch email,"
        " using NW-10421."
    )


def test_first_paragraph_skips_lists_code_and_setext_headings() -> None:
    body = "Title\n=====\n\n- a list\n- item\n\n```\ncode here\n```\n\nThe answer, snake_case kept."
    assert first_paragraph(body) == "The answer, snake_case kept."


def test_first_paragraph_of_a_body_without_prose_is_empty() -> None:
    assert first_paragraph("## Only a heading\n\n- and a list") == ""
