from confide.errors import ConfideError


class SubjectErased(ConfideError):
    status_code = 410
