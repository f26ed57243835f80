from confide.errors import ConfideError, Unauthorized


class AddressNotAllowed(ConfideError):
    status_code = 403


class InvalidMetricsToken(Unauthorized):
    pass
