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
    assert "Who did what with your data" in page
    assert "Nothing is recorded about you yet." in page
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


def test_restriction_is_one_form_and_lifting_it_another(
    browser_like: TestClient, runtime: Runtime
) -> None:
    token = form_token(browser_like.get("/privacy").text)
    response = browser_like.post("/privacy/restriction", data={"csrf": token, "lift": "false"})
    assert response.status_code == 200
    assert "Processing is restricted" in response.text
    assert "Lift the restriction" in response.text
    # The chat now refuses new messages: restriction freezes all processing but storage.
    refused = browser_like.post("/chat", data={"text": "hello again"})
    assert "restrict" in refused.text.lower()
    response = browser_like.post("/privacy/restriction", data={"csrf": token, "lift": "true"})
    assert "The restriction is lifted." in response.text
    assert "Restrict processing to storage only" in response.text
    page = browser_like.get("/privacy").text
    assert page.count("restriction changed") == 2  # the access log shows both requests


def test_objecting_to_statistics_turns_it_off_and_can_be_withdrawn(
    browser_like: TestClient,
) -> None:
    token = form_token(browser_like.get("/privacy").text)
    response = browser_like.post(
        "/privacy/objection", data={"csrf": token, "purpose": "analytics", "lift": "false"}
    )
    assert response.status_code == 200
    section = response.text.split('id="purpose-analytics"')[1].split("</li>")[0]
    assert "you objected" in section and "Withdraw my objection" in section
    response = browser_like.post(
        "/privacy/objection", data={"csrf": token, "purpose": "analytics", "lift": "true"}
    )
    section = response.text.split('id="purpose-analytics"')[1].split("</li>")[0]
    assert "you objected" not in section


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"purpose": "improvement", "lift": "false"}, 409),  # consent-based: withdraw instead
        ({"purpose": "no-such-purpose", "lift": "false"}, 404),
        ({"purpose": "analytics", "lift": "maybe"}, 422),
    ],
)
def test_a_bad_objection_gets_an_error_page_and_changes_nothing(
    browser_like: TestClient, data: dict[str, str], status: int
) -> None:
    token = form_token(browser_like.get("/privacy").text)
    response = browser_like.post("/privacy/objection", data={"csrf": token, **data})
    assert response.status_code == status
    assert "you objected" not in browser_like.get("/privacy").text


def test_rectification_adds_and_corrects_details(browser_like: TestClient) -> None:
    token = form_token(browser_like.get("/privacy").text)
    response = browser_like.post(
        "/privacy/rectify", data={"csrf": token, "name": "Ada Example", "phone": ""}
    )
    assert response.status_code == 200
    assert "Your details are corrected." in response.text
    assert "Your name" in response.text  # the stored-data list now mentions it
    assert "your details corrected" in response.text


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "email": "", "phone": ""},
        {"email": "not-an-email"},
        {"phone": "12"},
    ],
)
def test_a_bad_rectification_changes_nothing(
    browser_like: TestClient, data: dict[str, str]
) -> None:
    token = form_token(browser_like.get("/privacy").text)
    response = browser_like.post("/privacy/rectify", data={"csrf": token, **data})
    assert response.status_code in (400, 409, 422)
    page = browser_like.get("/privacy").text
    assert "No name or contact details" in page
    assert "your details corrected" not in page


def test_the_new_forms_refuse_a_missing_form_token(browser_like: TestClient) -> None:
    for path, data in [
        ("/privacy/restriction", {"lift": "false"}),
        ("/privacy/objection", {"purpose": "analytics", "lift": "false"}),
        ("/privacy/rectify", {"name": "Ada Example"}),
    ]:
        assert browser_like.post(path, data=data).status_code == 403
    assert "Processing is restricted" not in browser_like.get("/privacy").text
