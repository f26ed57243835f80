from confide.errors import ConfideError, NotFound, Unauthorized


class ConversationNotFound(NotFound):
    pass


class InvalidToken(Unauthorized):
    pass


class InvalidIdentity(Unauthorized):
    """An identity_hash that is not the operator's signature of the external_id."""


class ConversationClosed(ConfideError):
    status_code = 409


class MessageInvalid(ConfideError):
    status_code = 422


class MessageTooLong(ConfideError):
    status_code = 413


class ConversationExpired(ConfideError):
    """Its messages were deleted when the retention period after its last activity ended."""

    status_code = 410
