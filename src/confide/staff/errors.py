from __future__ import annotations

from confide.errors import ConfideError, Conflict, NotFound, Unauthorized
from confide.staff.roles import Forbidden, InvalidRole

__all__ = [
    "AccountLocked",
    "Forbidden",
    "InvalidCredentials",
    "InvalidRole",
    "StaffInvalid",
    "StaffNameTaken",
    "StaffNotFound",
    "TooManyLogins",
]


class InvalidCredentials(Unauthorized):
    pass


class AccountLocked(ConfideError):
    status_code = 423


class TooManyLogins(ConfideError):
    status_code = 429


class StaffInvalid(ConfideError):
    status_code = 422


class StaffNameTaken(Conflict):
    pass


class StaffNotFound(NotFound):
    pass
