from confide.vault.errors import SubjectErased
from confide.vault.service import FieldRef, Purpose, Vault

__all__ = ["FieldRef", "Purpose", "SubjectErased", "Vault"]
