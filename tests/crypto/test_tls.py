"""The local self-signed certificate: what it certifies, where it is kept, when it is reused."""

from __future__ import annotations

import ipaddress
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from confide.crypto import ensure_self_signed_certificate

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_certificate_is_p256_for_localhost_valid_90_days_with_a_private_key(
    tmp_path: Path,
) -> None:
    made = ensure_self_signed_certificate(tmp_path / "tls", clock=lambda: NOW)
    certificate = x509.load_pem_x509_certificate(made.cert_path.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value

    assert made.created
    assert (made.cert_path.name, made.key_path.name) == ("self-signed.crt", "self-signed.key")
    assert isinstance(certificate.public_key(), ec.EllipticCurvePublicKey)
    assert certificate.public_key().curve.name == "secp256r1"
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    assert certificate.not_valid_after_utc == NOW + timedelta(days=90) == made.not_after
    assert made.key_path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "tls").stat().st_mode & 0o777 == 0o700
    assert b"PRIVATE KEY" not in made.cert_path.read_bytes()


def test_a_valid_certificate_is_reused(tmp_path: Path) -> None:
    first = ensure_self_signed_certificate(tmp_path, clock=lambda: NOW)
    cert, key = first.cert_path.read_bytes(), first.key_path.read_bytes()

    again = ensure_self_signed_certificate(tmp_path, clock=lambda: NOW + timedelta(days=80))

    assert not again.created and again.not_after == first.not_after
    assert (again.cert_path.read_bytes(), again.key_path.read_bytes()) == (cert, key)


@pytest.mark.parametrize(
    "spoil",
    [
        "expires-within-a-week",
        "key-readable-by-others",
        "key-of-another-certificate",
        "unreadable-certificate",
    ],
)
def test_an_unusable_certificate_is_replaced(tmp_path: Path, spoil: str) -> None:
    first = ensure_self_signed_certificate(tmp_path, clock=lambda: NOW)
    old_cert = first.cert_path.read_bytes()
    when = NOW
    if spoil == "expires-within-a-week":
        when = NOW + timedelta(days=84)
    elif spoil == "key-readable-by-others":
        first.key_path.chmod(0o644)
    elif spoil == "key-of-another-certificate":
        other = ensure_self_signed_certificate(tmp_path / "other", clock=lambda: NOW)
        first.key_path.write_bytes(other.key_path.read_bytes())
    else:
        first.cert_path.write_text("not a certificate")

    again = ensure_self_signed_certificate(tmp_path, clock=lambda: when)

    assert again.created
    assert again.cert_path.read_bytes() != old_cert
    assert again.key_path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "self-signed.crt",
        "self-signed.key",
    ]
