"""Encrypted, consistent backups of the whole database, and all-or-nothing restores."""

from confide.backups.errors import (
    BackupError,
    BackupExists,
    BackupUnreadable,
    DatabaseNotEmpty,
    NotABackup,
    SchemaMismatch,
    UnknownTables,
)
from confide.backups.service import (
    BackupSummary,
    RestoreSummary,
    check_revision,
    create_backup,
    restore_backup,
)

__all__ = [
    "BackupError",
    "BackupExists",
    "BackupSummary",
    "BackupUnreadable",
    "DatabaseNotEmpty",
    "NotABackup",
    "RestoreSummary",
    "SchemaMismatch",
    "UnknownTables",
    "check_revision",
    "create_backup",
    "restore_backup",
]
