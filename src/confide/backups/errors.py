"""What can go wrong with a backup file or a restore; messages never quote file contents."""

from __future__ import annotations

from confide.errors import ConfideError


class BackupError(ConfideError):
    """Base class for backup and restore failures."""

    status_code = 400


class NotABackup(BackupError):
    """The file does not start with the backup magic, or names a format this code can't read."""


class BackupUnreadable(BackupError):
    """The file cannot be authenticated: another keyring, a changed byte, or truncation."""


class BackupExists(BackupError):
    """``backup create`` never overwrites a file."""

    status_code = 409


class SchemaMismatch(BackupError):
    """The backup was taken at another Alembic revision than the database is at."""

    status_code = 409


class DatabaseNotEmpty(BackupError):
    """Restoring replaces everything; without ``--force`` only an empty database is replaced."""

    status_code = 409


class UnknownTables(BackupError):
    """The database holds tables this version of Confide does not know, so a backup would
    silently leave them out."""

    status_code = 409
