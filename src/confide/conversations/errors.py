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
