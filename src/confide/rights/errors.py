from confide.errors import ConfideError, Conflict, NotFound, Unauthorized


class VerificationRequired(Unauthorized):
    """The customer has an email on file: a one-time code sent to it is needed too."""


class VerificationFailed(Unauthorized):
    pass


class TooManyAttempts(ConfideError):
    status_code = 429


class RequestNotFound(NotFound):
    pass


class RequestClosed(Conflict):
    pass


class AlreadyExtended(Conflict):
    pass


class InvalidRightsInput(ConfideError):
    status_code = 422


class PurposeNotObjectable(Conflict):
    pass


class SubjectRestricted(ConfideError):
    """Processing is restricted at the customer's request: nothing new is processed."""

    status_code = 423
