"""One error model: every expected failure is a ConfideError with an HTTP status.

Messages are written for the person who sent the request and never contain personal data.
"""

from __future__ import annotations

from typing import Any


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that may answer these error statuses (OpenAPI docs)."""
    return {code: {"description": "JSON error {error, detail}"} for code in codes}


class ConfideError(Exception):
    status_code: int = 400

    def __init__(self, detail: str, *, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code

    @property
    def name(self) -> str:
        return type(self).__name__


class BadRequest(ConfideError):
    status_code = 400


class NotFound(ConfideError):
    status_code = 404


class Unauthorized(ConfideError):
    status_code = 401


class Conflict(ConfideError):
    status_code = 409


class PayloadTooLarge(ConfideError):
    status_code = 413


class NotReady(ConfideError):
    status_code = 503
