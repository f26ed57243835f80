"""Every API route, tried by every role, a customer, another customer and nobody: the exact
status each gets. A route missing from the table fails the test, so a new route must say who
may use it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from confide.learning import repository as learning_repository
from confide.runtime import Runtime
from confide.staff.throttle import LoginThrottle
from tests.conftest import Chat
from tests.staff.helpers import PASSWORD, add_staff, claimed_handoff, login

PRINCIPALS = (
    "nobody",
    "customer",
    "other_customer",
    "agent",
    "other_agent",
    "supervisor",
    "admin",
    "auditor",
)
STAFF = ("agent", "other_agent", "supervisor", "admin", "auditor")


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def fresh(self, *, user: bool, example: bool = False) -> dict[str, str]:
        """A customer handed off to a person, their conversation claimed by ``agent``."""
        chat = claimed_handoff(self.client, self.headers["agent"])
        self.headers["customer"] = chat.headers
        self.headers["other_customer"] = Chat(self.client).headers
        target = f"temp{next(self.counter)}"
        if user:
            add_staff(self.runtime, target, "agent")
        ids = {"conversation_id": chat.id, "name": target, "new": f"new{next(self.counter)}"}
        if example:  # a consenting customer's unanswered question: a pending example
            contributor = Chat(self.client)
            self.client.put(
                "/v1/me/consents/improvement", json={"granted": True}, headers=contributor.headers
            )
            contributor.say("what is the weather like on the moon?")
            with self.runtime.work() as session:
                pending = learning_repository.examples(session, status="pending")
                ids["example_id"] = str(pending[-1].id)
        return ids


Expect = dict[str, int]


def only(allowed: dict[str, int], default_staff: int = 401, default_customer: int = 401) -> Expect:
    """Exact statuses: those named, and otherwise 401 for customers' and staff's tokens."""
    out = {p: (default_staff if p in STAFF else default_customer) for p in PRINCIPALS}
    out["nobody"] = 401
    out.update(allowed)
    return out


def everyone(status: int) -> Expect:
    return dict.fromkeys(PRINCIPALS, status)


CUSTOMER = {"customer": 200, "other_customer": 200}
ANY_STAFF = dict.fromkeys(STAFF, 200)
HANDLERS = {"agent": 200, "other_agent": 404, "supervisor": 200, "admin": 403, "auditor": 403}
QUEUE = {"agent": 200, "other_agent": 200, "supervisor": 200, "admin": 403, "auditor": 403}
ADMIN_ONLY = {"agent": 403, "other_agent": 403, "supervisor": 403, "admin": 200, "auditor": 403}
AUDITOR_ONLY = {"agent": 403, "other_agent": 403, "supervisor": 403, "admin": 403, "auditor": 200}
OVERSIGHT = {**AUDITOR_ONLY, "admin": 200}
CONV = "/v1/conversations/{conversation_id}"
AGENT = "/v1/agent/conversations/{conversation_id}"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expect: Expect
    body: dict[str, Any] | None = None


ROUTES = [
    # A customer's token starts their next conversation; a staff token is no customer's.
    Route(
        "POST",
        "/v1/conversations",
        only({"customer": 201, "other_customer": 201, "nobody": 201}),
        {},
    ),
    Route(
        "POST",
        CONV + "/messages",
        only({"customer": 200, "other_customer": 404}),
        {"text": "hello"},
    ),
    Route("GET", CONV, only({"customer": 200, "other_customer": 404})),
    Route(
        "POST", CONV + "/feedback", only({"customer": 201, "other_customer": 404}), {"rating": "up"}
    ),
    Route("GET", "/v1/purposes", everyone(200)),
    Route("GET", "/v1/me/consents", only(CUSTOMER)),
    Route("PUT", "/v1/me/consents/improvement", only(CUSTOMER), {"granted": True}),
    Route("GET", "/v1/consent-receipts/public-key", everyone(200)),
    Route("GET", "/v1/privacy-notice", everyone(200)),
    Route("GET", "/v1/privacy-notice/versions", everyone(200)),
    Route("GET", "/v1/privacy-notice/versions/1", everyone(200)),
    Route("GET", "/v1/me", only(CUSTOMER)),
    Route("PATCH", "/v1/me", only(CUSTOMER), {"name": "Jo Example"}),
    Route("POST", "/v1/me/restriction", only(CUSTOMER)),
    Route("DELETE", "/v1/me/restriction", only(CUSTOMER)),
    Route("POST", "/v1/me/objection", only(CUSTOMER), {}),
    Route("GET", "/v1/me/export", only(CUSTOMER)),
    Route("DELETE", "/v1/me", only(CUSTOMER)),
    Route("POST", "/v1/me/verification", only(CUSTOMER)),
    Route("GET", "/v1/me/profile", only(CUSTOMER)),
    # These customers have not consented to personalization: no profile is kept.
    Route(
        "PUT",
        "/v1/me/profile",
        only({"customer": 403, "other_customer": 403}),
        {"name": "Alex Example"},
    ),
    Route("DELETE", "/v1/me/profile", only({"customer": 204, "other_customer": 204})),
    Route("POST", "/v1/staff/login", everyone(200), {"name": "{name}", "password": PASSWORD}),
    Route("POST", "/v1/staff/logout", only(dict.fromkeys(STAFF, 204))),
    Route("GET", "/v1/staff/me", only(ANY_STAFF)),
    Route("POST", "/v1/staff/api-keys", only(dict.fromkeys(STAFF, 201))),
    Route("GET", "/v1/staff/users", only(ADMIN_ONLY)),
    Route(
        "POST",
        "/v1/staff/users",
        only({**ADMIN_ONLY, "admin": 201}),
        {"name": "{new}", "role": "agent", "password": PASSWORD},
    ),
    Route("POST", "/v1/staff/users/{name}/disable", only(ADMIN_ONLY)),
    Route("GET", "/v1/agent/queue", only(QUEUE)),
    Route("POST", AGENT + "/claim", only({**HANDLERS, "supervisor": 409})),
    Route("GET", AGENT, only(HANDLERS)),
    Route("POST", AGENT + "/reveal", only(HANDLERS), {"reason": "checking the order on file"}),
    Route("POST", AGENT + "/reply", only(HANDLERS), {"text": "Hello from support"}),
    Route("POST", AGENT + "/release", only(HANDLERS)),
    Route("POST", AGENT + "/close", only(HANDLERS)),
    Route("GET", "/v1/audit/entries", only(AUDITOR_ONLY)),
    Route("GET", "/v1/audit/verify", only(AUDITOR_ONLY)),
    Route("POST", "/v1/audit/report", only(OVERSIGHT)),
    # No scheduled self-audit has run in this test.
    Route("GET", "/v1/audit/report", only({**OVERSIGHT, "admin": 404, "auditor": 404})),
    Route("GET", "/v1/alerts", only(OVERSIGHT)),
    Route("GET", "/v1/learning/proposals", only(ADMIN_ONLY)),
    Route("POST", "/v1/learning/examples/{example_id}/approve", only(ADMIN_ONLY), {}),
    Route("POST", "/v1/learning/examples/{example_id}/reject", only(ADMIN_ONLY)),
    # Open to loopback only by default; the test client is no loopback address.
    Route("GET", "/metrics", everyone(403)),
    Route("GET", "/healthz", everyone(200)),
    Route("GET", "/readyz", everyone(200)),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture
def world(client: TestClient, runtime: Runtime) -> World:
    w = World(client, runtime)
    # This test logs in more often than one address may in a minute.
    runtime.login_throttle = LoginThrottle(per_minute=10_000)
    for name in STAFF:
        role = "agent" if name == "other_agent" else name
        add_staff(runtime, name.replace("_", "-"), role)
        w.headers[name] = login(client, name.replace("_", "-"))
    w.headers["nobody"] = {}
    return w


def test_every_route_is_in_the_access_table(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    served = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    tabled = {(r.method, r.path) for r in ROUTES}
    generic = {(r.method, r.path.replace("/improvement", "/{purpose}")) for r in ROUTES}
    generic |= {(r.method, r.path.replace("/versions/1", "/versions/{version}")) for r in ROUTES}
    missing = served - tabled - generic - {("POST", "/v1/consent-receipts/verify")}
    assert missing == set()


def _statuses(world: World, route: Route) -> dict[str, int]:
    seen: dict[str, int] = {}
    response: Any = None
    ids: dict[str, str] = {}
    for principal in PRINCIPALS:
        # A refused request changes nothing, so the next principal may reuse the same world.
        if response is None or response.status_code < 400:
            ids = world.fresh(
                user="{name}" in f"{route.path}{route.body}", example="{example_id}" in route.path
            )
        response = world.client.request(
            route.method,
            _fill(route.path, ids),
            json=_fill(route.body, ids) if route.body is not None else None,
            headers=world.headers[principal],
        )
        seen[principal] = response.status_code
        if route.path == "/v1/staff/logout" and principal in STAFF:
            world.headers[principal] = login(world.client, principal.replace("_", "-"))
    return seen


def test_each_principal_gets_exactly_the_expected_status_on_every_route(world: World) -> None:
    wrong = {}
    for route in ROUTES:
        seen = _statuses(world, route)
        diff = {p: (seen[p], route.expect[p]) for p in PRINCIPALS if seen[p] != route.expect[p]}
        if diff:
            wrong[f"{route.method} {route.path}"] = diff  # principal: (got, expected)
    assert wrong == {}


def test_a_customer_token_opens_no_other_customers_data(world: World) -> None:
    ids = world.fresh(user=False)
    url = CONV.format(**ids)
    other = world.headers["other_customer"]
    assert world.client.get(url, headers=other).status_code == 404
    assert world.client.get(AGENT.format(**ids), headers=other).status_code == 401
