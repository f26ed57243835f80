from confide.errors import NotFound


class SubjectNotFound(NotFound):
    pass
