from confide.errors import ConfideError


class SubjectErased(ConfideError):
    status_code = 410


class PurposeNotPermitted(ConfideError):
    """Personal data may not be read for this purpose now (policy: consent, legal basis,
    restriction or objection)."""

    status_code = 403
