"""How contact details look to an agent before a reveal: enough to tell two customers
apart on a call, not enough to identify one."""

from __future__ import annotations

DOT = "•"


def mask_name(value: str) -> str:
    return " ".join(f"{part[0]}{DOT * 3}" for part in value.split() if part)


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}{DOT * 3}@{host[:1]}{DOT * 3}.{tld}" if host else f"{local[:1]}{DOT * 3}"


def mask_digits(value: str, keep: int = 2) -> str:
    """Every digit but the last ``keep`` becomes a dot (phone numbers, ids)."""
    total = sum(c.isdigit() for c in value)
    seen, out = 0, []
    for char in value:
        if char.isdigit():
            seen += 1
            out.append(char if seen > total - keep else DOT)
        else:
            out.append(char)
    return "".join(out)
