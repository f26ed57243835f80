from __future__ import annotations

from confide.errors import ConfideError, Conflict, NotFound


class HandoffNotFound(NotFound):
    """Not a conversation this staff member may see: unknown, not handed off, or another
    agent's (the same answer for each, so an id reveals nothing)."""


class AlreadyClaimed(Conflict):
    pass


class RevealInvalid(ConfideError):
    status_code = 422
