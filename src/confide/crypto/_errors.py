"""The two exceptions the crypto library raises on purpose."""

from __future__ import annotations

__all__ = ["DecryptionError", "KeyringError"]


class DecryptionError(Exception):
    """Any failed decryption or unwrap: wrong key, tampering, wrong AAD, unknown format.

    Deliberately opaque: callers cannot tell the causes apart, so neither can an attacker
    probing the system, and the message never carries key material or plaintext.
    """

    def __init__(self) -> None:
        super().__init__("decryption failed")


class KeyringError(Exception):
    """The keyring (file or environment key) is missing, unreadable, corrupt or unsafe.

    Messages name the file and the problem, never the key bytes or file contents.
    """
