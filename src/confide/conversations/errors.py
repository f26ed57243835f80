from confide.errors import ConfideError, NotFound, Unauthorized


class ConversationNotFound(NotFound):
    pass


class InvalidToken(Unauthorized):
    pass


class ConversationClosed(ConfideError):
    status_code = 409


class MessageInvalid(ConfideError):
    status_code = 422


class MessageTooLong(ConfideError):
    status_code = 413


class ConversationExpired(ConfideError):
    """Its messages were deleted when the retention period after its last activity ended."""

    status_code = 410
