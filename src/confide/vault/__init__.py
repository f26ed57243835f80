from confide.vault.errors import PurposeNotPermitted, SubjectErased
from confide.vault.service import FieldRef, Purpose, Vault

__all__ = ["FieldRef", "Purpose", "PurposeNotPermitted", "SubjectErased", "Vault"]
