"""The customer chat page in a real headless Chromium, without any JavaScript of ours."""

from __future__ import annotations

from typing import Any

import pytest


def send(page: Any, text: str, expected_customer_messages: int) -> None:
    """Type and send a message, then wait for the page that shows it."""
    page.fill("#text", text)
    with page.expect_navigation():
        page.click(".composer button[type=submit]")
    assert page.locator(".message.customer").count() == expected_customer_messages


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_customer_chats_through_the_page(browser: Any, server_url: str) -> None:
    page = browser.new_page()
    page.goto(server_url + "/")
    assert "AI assistant, not a person" in page.inner_text(".ai-badge")
    assert "I'm an AI, not a person" in page.inner_text(".messages")

    send(page, "How long do refunds take?", 1)
    customer = page.locator(".message.customer").all_inner_texts()
    assert customer == ["How long do refunds take?"]
    last = page.locator(".message.assistant").last
    assert last.locator(".citation").count() >= 1

    send(page, "Where is my order?", 2)
    send(page, "NW-10421", 3)
    assert page.locator(".message.assistant").last.inner_text().startswith("Order NW-10421")
    page.screenshot(path=str(_screenshot_path()), full_page=True)

    # A reload shows the same conversation (the cookie holds it); "new" starts afresh.
    page.reload()
    assert page.locator(".message.customer").count() == 3
    with page.expect_navigation():
        page.click("form.new button")
    assert page.locator(".message.customer").count() == 0
    page.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_empty_message_shows_an_error_and_sends_nothing(browser: Any, server_url: str) -> None:
    page = browser.new_page()
    page.goto(server_url + "/")
    page.evaluate("document.querySelector('#text').removeAttribute('required')")
    page.fill("#text", "   ")
    with page.expect_navigation():
        page.click(".composer button[type=submit]")
    assert page.inner_text(".error") == "text must not be empty"
    assert page.locator(".message.customer").count() == 0
    page.close()


def _screenshot_path() -> Any:
    from pathlib import Path

    out = Path(__file__).parents[2] / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    return out / "chat-page.png"
