"""A self-signed TLS certificate for local use (``confide serve --tls-self-signed``).

EC P-256, valid for 90 days, for ``localhost``, ``127.0.0.1`` and ``::1``. Kept in a directory
the caller names (the data directory's ``tls/``), the private key with mode 0600, and reused
while it stays valid, so a client can keep trusting the same file with ``--cacert``.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from confide.crypto._keyring import Clock, utc_now

__all__ = ["SelfSignedCertificate", "ensure_self_signed_certificate"]

CERT_FILE = "self-signed.crt"
KEY_FILE = "self-signed.key"
VALIDITY = timedelta(days=90)
# Replaced when it has less than this left, so a server started now does not see it expire.
RENEW_BEFORE = timedelta(days=7)
DNS_NAMES = ("localhost",)
IP_ADDRESSES = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


@dataclass(frozen=True, slots=True)
class SelfSignedCertificate:
    """Where the certificate and key are, until when the certificate is valid, and whether
    it was made just now (rather than reused)."""

    cert_path: Path
    key_path: Path
    not_after: datetime
    created: bool


def ensure_self_signed_certificate(
    directory: Path, *, clock: Clock = utc_now
) -> SelfSignedCertificate:
    """The certificate in ``directory`` if it is still good, else a fresh one written there."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    now = clock()
    not_after = _reusable_until(cert_path, key_path, now)
    if not_after is not None:
        return SelfSignedCertificate(cert_path, key_path, not_after, created=False)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _build_certificate(key, now)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomically(key_path, key_pem, 0o600)
    _write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return SelfSignedCertificate(cert_path, key_path, certificate.not_valid_after_utc, created=True)


def _build_certificate(key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Confide (self-signed, local use)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    public = key.public_key()
    san = [x509.DNSName(n) for n in DNS_NAMES] + [x509.IPAddress(a) for a in IP_ADDRESSES]
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # tolerate a little clock skew
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _reusable_until(cert_path: Path, key_path: Path, now: datetime) -> datetime | None:
    """The expiry of the stored pair if it is usable as is; None means make a new one."""
    try:
        if key_path.stat().st_mode & 0o077:
            return None
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if key.public_key() != certificate.public_key():
        return None
    if (
        not certificate.not_valid_before_utc
        <= now
        <= certificate.not_valid_after_utc - RENEW_BEFORE
    ):
        return None
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    dns, ips = names.get_values_for_type(x509.DNSName), names.get_values_for_type(x509.IPAddress)
    if not (set(DNS_NAMES) <= set(dns) and set(IP_ADDRESSES) <= set(ips)):
        return None
    return certificate.not_valid_after_utc


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            if os.name == "posix":
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
