"""The privacy center in a real headless Chromium: chat, open it from the chat page,
withdraw and give consent with one click each, and see the change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_chat_page import send


def consent_state(page: Any, purpose: str) -> str:
    text: str = page.inner_text(f"#purpose-{purpose} .consent-state")
    return text


def click_consent(page: Any, purpose: str) -> None:
    with page.expect_navigation():
        page.click(f"#purpose-{purpose} form.consent button")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_customer_withdraws_and_gives_consent_in_the_privacy_center(
    browser: Any, server_url: str
) -> None:
    page = browser.new_page()
    page.goto(server_url + "/")
    send(page, "How long do refunds take?", 1)
    with page.expect_navigation():
        page.click(".privacy-link a")
    assert page.url == server_url + "/privacy"
    assert "1 conversation with 3 messages" in page.inner_text("#stored")
    assert "Who did what with your data" in page.inner_text("#access-log")
    assert "Nothing is recorded about you yet." in page.inner_text("#access-log")
    assert consent_state(page, "personalization") == "not given"

    click_consent(page, "personalization")
    assert consent_state(page, "personalization") == "given"
    assert page.inner_text("#purpose-personalization form.consent button") == "Withdraw consent"
    receipt = page.inner_text("#receipt .receipt-id")
    assert len(receipt) == 36

    click_consent(page, "personalization")
    assert consent_state(page, "personalization") == "not given"
    assert page.inner_text("#receipt .receipt-id") != receipt
    assert "by widget" in page.inner_text("#purpose-personalization .state")
    # Both decisions are in the audit log, and the customer sees them.
    log = page.inner_text("#access-log")
    assert "consent given" in log and "consent withdrawn" in log

    # The chat says the same.
    with page.expect_navigation():
        page.click("header a[href='/']")
    send(page, "What do you know about me?", 2)
    summary = page.locator(".message.assistant").last.inner_text()
    assert "Tailored answers (your consent): off" in summary
    assert page.locator(".message.assistant").last.locator("a[href='/privacy']").count() == 1
    page.close()
