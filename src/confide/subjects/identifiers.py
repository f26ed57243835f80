"""Normalising customer identifiers, so equal identifiers give equal blind indexes."""

from __future__ import annotations

import phonenumbers

from confide.errors import ConfideError


class InvalidIdentifier(ConfideError):
    status_code = 422


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased; refused unless it has the shape local@domain."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in value):
        raise InvalidIdentifier("email is not a valid email address")
    return value


def normalise_phone(phone: str, default_region: str) -> str:
    """E.164 (``+12025550143``); numbers without a country code are read in ``default_region``.

    Uses ``phonenumbers``' possibility check, not its validity check, so that number ranges
    reserved for fiction (555-01xx) are accepted too.
    """
    try:
        number = phonenumbers.parse(phone, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier("phone is not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidIdentifier("phone is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
