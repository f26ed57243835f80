from confide.errors import ConfideError, Conflict, NotFound


class UnknownPurpose(NotFound):
    pass


class PurposeNotConsentBased(Conflict):
    """The purpose rests on another legal basis: there is no consent to give or withdraw."""


class NoPrivacyNotice(NotFound):
    pass


class ConsentUnavailable(Conflict):
    """Consent cannot be informed yet: no privacy notice is published."""


class NoticeInvalid(ConfideError):
    status_code = 422


class ReceiptMalformed(ConfideError):
    status_code = 422
