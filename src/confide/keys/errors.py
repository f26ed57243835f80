from confide.errors import Conflict, NotFound


class MasterVersionNotFound(NotFound):
    pass


class MasterVersionActive(Conflict):
    pass


class MasterVersionInUse(Conflict):
    pass


class RotationUnavailable(Conflict):
    pass
