"""The privacy center's forms through the ASGI app: each works for the customer the chat
cookie identifies, and a bad form changes nothing and gets a clear error page."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from confide.runtime import Runtime
from confide.web.pages import COOKIE
from tests.consent.helpers import records


@pytest.fixture
def browser_like(client: TestClient) -> TestClient:
    """A customer who chatted on the page: the client holds the chat cookie."""
    response = client.post("/chat", data={"text": "How long do refunds take?"})
    assert response.status_code == 200  # after the redirect
    assert client.cookies.get(COOKIE)
    return client


def form_token(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert match, page
    return match.group(1)


def consent_state(page: str, purpose: str) -> str:
    section = page.split(f'id="purpose-{purpose}"')[1].split("</li>")[0]
    match = re.search(r'class="consent-state">([^<]+)<', section)
    assert match, section
    return match.group(1)


class Chatter:
    def __init__(self, client: TestClient, runtime: Runtime) -> None:
        self.client, self.runtime = client, runtime

    def page(self) -> str:
        response = self.client.get("/privacy")
        assert response.status_code == 200
        return response.text

    def records(self) -> list[tuple[str, bool, str, str, int]]:
        return records(self.runtime)


def test_the_page_shows_notice_stored_data_purposes_and_the_access_log_placeholder(
    browser_like: TestClient,
) -> None:
    page = browser_like.get("/privacy").text
    assert "How long: conversations are deleted 90 days after your last message" in page
    assert 'href="/privacy-notice/1"' in page
    assert "1 conversation with 3 messages" in page
    assert "No name or contact details" in page
    for title, basis in [
        ("Answering you", "contract"),
        ("Tailored answers", "consent"),
        ("Improving the assistant", "consent"),
        ("Statistics", "legitimate interest"),
    ]:
        assert f"<h3>{title}</h3>" in page
        assert re.search(rf"<h3>{title}</h3>.*?Legal basis: <strong>{basis}</strong>", page, re.S)
    assert consent_state(page, "improvement") == "not given"
    assert "Staff access logging arrives with the audit log" in page
    assert "Download my data (ZIP)" in page


def test_the_chat_page_links_to_the_privacy_center(client: TestClient) -> None:
    assert 'href="/privacy"' in client.get("/").text


def test_giving_and_withdrawing_consent_records_method_widget_and_a_receipt(
    browser_like: TestClient, runtime: Runtime
) -> None:
    token = form_token(browser_like.get("/privacy").text)
    response = browser_like.post(
        "/privacy/consents",
        data={"csrf": token, "purpose": "improvement", "granted": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/privacy?receipt=")
    receipt_id = location.split("receipt=")[1].split("#")[0]
    page = browser_like.get(location).text
    assert consent_state(page, "improvement") == "given"
    assert receipt_id in page
    assert records(runtime) == [("improvement", True, "widget", "web", 1)]

    download = browser_like.get(f"/privacy/receipts/{receipt_id}")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    receipt = download.json()
    assert receipt["receipt"]["consentReceiptID"] == receipt_id
    assert receipt["receipt"]["collectionMethod"] == "widget"
    verified = browser_like.post("/v1/consent-receipts/verify", json=receipt).json()
    assert verified["valid"] is True

    browser_like.post(
        "/privacy/consents", data={"csrf": token, "purpose": "improvement", "granted": "false"}
    )
    assert consent_state(browser_like.get("/privacy").text, "improvement") == "not given"
    assert records(runtime)[-1] == ("improvement", False, "widget", "web", 1)


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"purpose": "improvement", "granted": "true"}, 403, "did not come from your privacy"),
        (
            {"csrf": "0" * 64, "purpose": "improvement", "granted": "true"},
            403,
            "did not come from your privacy",
        ),
        ({"purpose": "marketing", "granted": "true"}, 404, "there is no purpose 'marketing'"),
        ({"purpose": "service", "granted": "false"}, 409, "not on consent"),
        ({"purpose": "improvement", "granted": "maybe"}, 422, 'granted must be "true"'),
    ],
)
def test_a_bad_consent_form_gets_an_error_page_and_changes_nothing(
    browser_like: TestClient, runtime: Runtime, form: dict[str, str], status: int, error: str
) -> None:
    if "csrf" not in form and "did not come" not in error:
        form = {**form, "csrf": form_token(browser_like.get("/privacy").text)}
    response = browser_like.post("/privacy/consents", data=form)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "Nothing was changed" in response.text
    assert error in html.unescape(response.text)
    assert records(runtime) == []


def test_without_a_chat_there_is_nothing_to_change(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/privacy")
    assert page.status_code == 200
    assert "There is no conversation in this browser" in page.text
    assert 'name="csrf"' not in page.text
    response = client.post(
        "/privacy/consents", data={"csrf": "x", "purpose": "improvement", "granted": "true"}
    )
    assert response.status_code == 403
    assert "start a chat first" in response.text
    assert records(runtime) == []


def test_a_receipt_of_someone_else_is_not_found(
    browser_like: TestClient, client: TestClient, runtime: Runtime
) -> None:
    token = form_token(browser_like.get("/privacy").text)
    location = browser_like.post(
        "/privacy/consents",
        data={"csrf": token, "purpose": "improvement", "granted": "true"},
        follow_redirects=False,
    ).headers["location"]
    receipt_id = location.split("receipt=")[1].split("#")[0]
    with TestClient(client.app) as other:
        other.post("/chat", data={"text": "hello"})
        response = other.get(f"/privacy/receipts/{receipt_id}")
    assert response.status_code == 404
    assert "no consent receipt with this id" in response.text


def test_download_my_data_gives_the_rights_export(browser_like: TestClient) -> None:
    token = form_token(browser_like.get("/privacy").text)
    response = browser_like.post("/privacy/export", data={"csrf": token})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    texts = json.dumps(data)
    assert "How long do refunds take?" in texts
    refused = browser_like.post("/privacy/export", data={})
    assert refused.status_code == 403


def test_delete_needs_the_confirmation_then_erases_and_shows_the_receipt(
    browser_like: TestClient, runtime: Runtime
) -> None:
    confirm_page = browser_like.get("/privacy/delete")
    assert confirm_page.status_code == 200
    assert "cannot be undone" in confirm_page.text
    token = form_token(confirm_page.text)

    unconfirmed = browser_like.post("/privacy/delete", data={"csrf": token, "confirm": "yes"})
    assert unconfirmed.status_code == 422
    assert "nothing was deleted" in unconfirmed.text
    assert "1 conversation with 3 messages" in browser_like.get("/privacy").text
    no_token = browser_like.post("/privacy/delete", data={"confirm": "delete"})
    assert no_token.status_code == 403
    assert "1 conversation with 3 messages" in browser_like.get("/privacy").text

    erased = browser_like.post("/privacy/delete", data={"csrf": token, "confirm": "Delete"})
    assert erased.status_code == 200
    assert "Your data is erased" in erased.text
    assert "erasureReceiptID" in erased.text
    assert not browser_like.cookies.get(COOKIE)
    assert "There is no conversation in this browser" in browser_like.get("/privacy").text
