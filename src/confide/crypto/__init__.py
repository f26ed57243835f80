"""Confide's crypto library: field encryption, envelope keys, keyed digests.

Library-style: imports neither the web framework nor the ORM. Byte formats, the keyring
file and the threat model are described in ``docs/crypto.md``.
"""

from confide.crypto._errors import DecryptionError, KeyringError
from confide.crypto._fields import (
    associated_data,
    decrypt_field,
    decrypt_text,
    encrypt_field,
    encrypt_text,
    field_key_id,
)
from confide.crypto._hashing import (
    blind_index,
    hash_token,
    identity_hash,
    new_token,
    pseudonym,
    tokens_match,
)
from confide.crypto._keyring import Keyring, open_or_create
from confide.crypto._keys import (
    DataKey,
    MasterKeyState,
    MasterKeyVersion,
    SecretKey,
    generate_data_key,
)
from confide.crypto._protection import (
    ARGON2ID_AVAILABLE,
    Argon2idParams,
    Passphrase,
    ScryptParams,
)
from confide.crypto._tls import SelfSignedCertificate, ensure_self_signed_certificate
from confide.crypto.providers import KeyProvider, LocalKeyProvider, WrappedDataKey

__all__ = [
    "ARGON2ID_AVAILABLE",
    "Argon2idParams",
    "DataKey",
    "DecryptionError",
    "KeyProvider",
    "Keyring",
    "KeyringError",
    "LocalKeyProvider",
    "MasterKeyState",
    "MasterKeyVersion",
    "Passphrase",
    "ScryptParams",
    "SecretKey",
    "SelfSignedCertificate",
    "WrappedDataKey",
    "associated_data",
    "blind_index",
    "decrypt_field",
    "decrypt_text",
    "encrypt_field",
    "encrypt_text",
    "ensure_self_signed_certificate",
    "field_key_id",
    "generate_data_key",
    "hash_token",
    "identity_hash",
    "new_token",
    "open_or_create",
    "pseudonym",
    "tokens_match",
]
