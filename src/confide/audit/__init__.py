"""The tamper-evident audit log: a keyed hash chain in the database, signed checkpoints
outside it, and verification that names the first entry altered, deleted, inserted or
reordered."""

from confide.audit.service import AuditLog, InvalidAuditEntry, VerifyResult

__all__ = ["AuditLog", "InvalidAuditEntry", "VerifyResult"]
