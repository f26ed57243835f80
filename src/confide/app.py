"""The ASGI application: ``create_app()`` builds nothing at import; the lifespan builds the
runtime (engine, keyring, vault, models) once."""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from confide import __version__
from confide.alerts.endpoints import alert_job
from confide.alerts.endpoints import router as alerts_router
from confide.asgi import HttpMiddleware
from confide.audit.endpoints import router as audit_router
from confide.audit.scheduler import self_audit_lifespan
from confide.config import Settings
from confide.consent.endpoints import pages as consent_pages
from confide.consent.endpoints import router as consent_router
from confide.conversations.endpoints import router as conversations_router
from confide.errors import ConfideError
from confide.handoffs.endpoints import router as handoffs_router
from confide.keys.rotation import key_rotation_lifespan
from confide.learning.endpoints import router as learning_router
from confide.learning.scheduler import learning_job
from confide.logs import install_log_redaction
from confide.monitoring import RequestMetrics
from confide.monitoring.endpoints import router as monitoring_router
from confide.periodic import periodic_lifespan
from confide.personalization.endpoints import router as personalization_router
from confide.retention.scheduler import retention_lifespan
from confide.rights.endpoints import router as rights_router
from confide.runtime import Runtime, build_runtime
from confide.staff.endpoints import router as staff_router
from confide.web.pages import router as pages_router
from confide.web.privacy import router as privacy_router

log = logging.getLogger("confide.app")
STATIC_DIR = Path(__file__).parent / "web" / "static"

HTTP_ERROR_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
}


def error_response(status: int, name: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": name, "detail": detail}, status_code=status)


class BodySizeLimit(HttpMiddleware):
    """Refuse request bodies over ``limit`` bytes with a 413, before the app reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        super().__init__(app)
        self.limit = limit

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than {self.limit} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await error_response(413, "PayloadTooLarge", detail)(scope, receive, send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await error_response(413, "PayloadTooLarge", detail)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


# A JSON escape of a UTF-16 surrogate ("\ud83d"): only then can a parsed string hold one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_lone_surrogate(value: Any) -> bool:
    """Whether a parsed JSON value holds, in a key or a string, a surrogate that no pair
    made into a character (``json`` joins a proper pair into one). Walked with a stack: a
    deeply nested body must not exhaust the interpreter's recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item) is not None:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class UnicodeJsonBody(HttpMiddleware):
    """Refuse with a 400 a JSON body that is not Unicode text in UTF-8 (RFC 8259; I-JSON,
    RFC 7493, forbids lone surrogates too): a lone surrogate, escaped ("\\ud800" with no
    partner) or as raw bytes, or a body in another encoding. Python's ``json`` takes all of
    these (it detects UTF-16 and 32 and lets surrogates pass), and the strings it makes of a
    surrogate cannot be encoded: they fail wherever the text is encrypted, stored or sent
    back (a 500, perhaps after the write). Only a body that is not ASCII-clean UTF-8 or that
    holds a surrogate escape is parsed here (once more); the others pass untouched."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before its body arrived: no one to answer
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _refused_json(body):
            detail = "the request body is not valid JSON (UTF-8 encoded Unicode text)"
            await error_response(400, "BadRequest", detail)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _refused_json(body: bytes) -> bool:
    """Whether ``body`` is JSON that the app's parser would take but that is not UTF-8
    encoded Unicode text (see ``UnicodeJsonBody``)."""
    utf8 = True
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            utf8 = False
    if utf8 and _SURROGATE_ESCAPE.search(body) is None:
        return False
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or too deep: the app answers for it
        return False
    return not utf8 or _holds_lone_surrogate(value)


HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class StrictTransportSecurity(HttpMiddleware):
    """Add HSTS to every HTTP response, errors included; installed only when serving TLS."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), HSTS]
            await send(message)

        await self.app(scope, receive, send_with_hsts)


class CatchAll(HttpMiddleware):
    """A bug becomes a JSON 500, logged with its type and frames only.

    The exception's message may quote data (a database error quotes its parameters), so it is
    never logged, and the exception does not travel on to the server's own error log.
    """

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("unhandled %s\n%s", type(exc).__name__, frames)
            if not started:
                response = error_response(500, "InternalError", "an unexpected error occurred")
                await response(scope, receive, send)


def _describe_validation(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "BadRequest", "the request body is not valid JSON (UTF-8 encoded)"
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return 422, "ValidationError", "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ConfideError)
    async def confide_error(_: Request, exc: ConfideError) -> JSONResponse:
        return error_response(exc.status_code, exc.name, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(*_describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = HTTP_ERROR_NAMES.get(exc.status_code, "HTTPError")
        return error_response(exc.status_code, name, str(exc.detail))


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """The app; with ``runtime`` given (tests), the lifespan uses it instead of building one."""
    settings = settings or (runtime.settings if runtime else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or build_runtime(settings)
        install_log_redaction(app.state.runtime.analyzer)
        try:
            async with (
                key_rotation_lifespan(app),
                retention_lifespan(app),
                self_audit_lifespan(app),
                periodic_lifespan(alert_job(app)),
                periodic_lifespan(learning_job(app)),
            ):
                yield
        finally:
            if owned:
                app.state.runtime.close()

    app = FastAPI(
        title="Confide",
        version=__version__,
        description="Privacy-first AI customer-service assistant.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(conversations_router)
    app.include_router(consent_router)
    app.include_router(rights_router)
    app.include_router(personalization_router)
    app.include_router(staff_router)
    app.include_router(handoffs_router)
    app.include_router(audit_router)
    app.include_router(alerts_router)
    app.include_router(learning_router)
    app.include_router(consent_pages)
    app.include_router(pages_router)
    app.include_router(privacy_router)
    app.include_router(monitoring_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "not ready"}})
    def readyz(request: Request) -> Any:
        """The database answers and an intent model is loaded."""
        rt: Runtime = request.app.state.runtime
        checks = {"database": "ok", "model": "ok" if rt.assistant else "missing"}
        try:
            with rt.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            checks["database"] = "unreachable"
        ready = all(v == "ok" for v in checks.values())
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    app.add_middleware(UnicodeJsonBody)  # inside BodySizeLimit: reads at most the limit
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    app.add_middleware(CatchAll)
    app.add_middleware(RequestMetrics)  # outside CatchAll: its 500s are counted too
    if settings.tls_enabled:  # outermost, so the 500s and 413s get it too
        app.add_middleware(StrictTransportSecurity)
    return app
