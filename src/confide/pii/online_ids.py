"""Identifiers of a device or a wallet: a network card's MAC address and a Bitcoin address.

Both single out a person's device or money as surely as an IP address does (GDPR recital 30
names "online identifiers"), and Presidio reports both (``MAC_ADDRESS``, ``CRYPTO``), so a
deployment moving from Presidio keeps its entity list.

A MAC address is six hex pairs joined by colons or hyphens, or three groups of four hex
digits joined by dots (Cisco's way). Six pairs of plain digits joined by hyphens is as often
a code or a date-like number, so that form needs a word that names it ("MAC", "router"); the
dotted form needs a hex letter ("2024.1130.0001" is a number) and is looked for only in a
text with such a word (two dots are in most sentences, and the scan would cost every one).
The all-zero and broadcast addresses belong to no device and are not reported.

A Bitcoin address is checked as the wallet would check it: a legacy address (starting "1"
or "3") by its Base58Check checksum, four bytes of a double SHA-256 (``hashlib``); a SegWit
address ("bc1…") by its Bech32 or Bech32m checksum (BIP-173, BIP-350). A random string of
the right shape passes either check about once in four billion. No library is used: the
checks are a dozen lines each from the BIPs, and the PyPI packages for them (``base58``,
``bech32``) would each add a dependency for those few lines.
"""

from __future__ import annotations

import hashlib
import re

from confide.pii.recognizers import Pattern, PatternRecognizer

__all__ = ["CRYPTO", "MAC_ADDRESS", "ONLINE_IDS"]

_NOT_DEVICES = {"000000000000", "ffffffffffff"}
_HEX_LETTER_RE = re.compile("[A-Fa-f]")


def _is_device_mac(value: str) -> bool:
    """Not the all-zero or the broadcast address; in the dotted form, with a hex letter."""
    if "." in value and not _HEX_LETTER_RE.search(value):
        return False
    return re.sub(r"[^0-9A-Fa-f]", "", value).lower() not in _NOT_DEVICES


# Each pattern starts with a character class and looks behind only then (as the national
# ids' patterns do), so that the regex engine skips quickly to a candidate; each needs its
# separator five times (twice for the dotted form) before it is tried at all.
_H = "[0-9A-Fa-f]"
# Not a piece of a longer run of pairs or words ("a1-b2-…-f6-g7"): after the first
# character {h}, no word character or dot before it, no pair and separator ("ab:" of a
# seventh pair) and no "::" (IPv6); "MAC:00:1A:…" is fine.
_BEFORE = r"(?<![\w.]{h})(?<!\b" + _H + r"{{2}}[:\-]{h})(?<!::{h})"
_DIGIT_FIRST = r"\d" + _BEFORE.format(h=r"\d")
_AFTER = r"(?!\w|[.:\-]\w)"  # a colon or full stop may end a sentence after it
# After the first pair and its hyphen: a hex letter in that pair or further on.
_HEX_LETTER = r"(?:(?<=[A-Fa-f].-)|(?<=[A-Fa-f]-)|(?=[\d\-]{0,14}[A-Fa-f]))"

MAC_ADDRESS = PatternRecognizer(
    "mac_address",
    "MAC_ADDRESS",
    [
        Pattern(
            rf"{_H}{_BEFORE.format(h=_H)}{_H}(?::{_H}{{2}}){{5}}{_AFTER}",
            0.85,
            contains=":",
            contains_times=5,
        ),
        # A hyphenated run with a hex letter in it: "00-1A-2B-3C-4D-5E".
        Pattern(
            rf"{_H}{_BEFORE.format(h=_H)}{_H}-{_HEX_LETTER}{_H}{{2}}(?:-{_H}{{2}}){{4}}{_AFTER}",
            0.85,
            contains="-",
            contains_times=5,
        ),
        # Only digits: "12-34-56-78-90-12" is a MAC address only beside a word for one.
        Pattern(
            rf"{_DIGIT_FIRST}\d(?:-\d\d){{5}}{_AFTER}",
            0.4,
            min_digits=12,
            contains="-",
            contains_times=5,
            needs_context=True,
        ),
        # Cisco's three groups of four (with a hex letter: see _is_device_mac). Most
        # sentences hold two dots, so this is tried only in a text with a word for a MAC
        # address; reported without being next to it.
        Pattern(
            rf"{_H}(?<![\w.]{_H}){_H}{{3}}\.{_H}{{4}}\.{_H}{{4}}(?![\w]|\.\w)",
            0.85,
            contains=".",
            contains_times=2,
            needs_context=True,
        ),
    ],
    context=("mac", "hardware address", "device", "router", "wifi", "wi-fi", "ethernet", "bssid"),
    validate=_is_device_mac,
    whole_words=True,
)

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_VALUES = {c: i for i, c in enumerate(_BASE58)}


def base58check_valid(value: str) -> bool:
    """Whether ``value`` decodes from Base58 to a payload whose last four bytes are the first
    four of the double SHA-256 of the rest."""
    number = 0
    for c in value:
        digit = _BASE58_VALUES.get(c)
        if digit is None:
            return False
        number = number * 58 + digit
    zeros = len(value) - len(value.lstrip("1"))  # each leading "1" is a zero byte
    raw = b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")
    if len(raw) < 5:
        return False
    payload, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_VALUES = {c: i for i, c in enumerate(_BECH32)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
# The checksum constants of Bech32 (SegWit version 0) and Bech32m (versions 1 to 16).
_BECH32_CONSTANTS = {1: 0, 0x2BC830A3: 1}


def bech32_polymod(values: list[int]) -> int:
    """BIP-173's checksum polynomial over 5-bit values."""
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_GENERATOR):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def bech32_valid(value: str) -> bool:
    """Whether ``value`` (one case throughout) is a SegWit address as BIP-173 and BIP-350
    define one: a checksum of the right kind for its witness version (Bech32 for version 0,
    Bech32m for 1 to 16), a program of 2 to 40 bytes (20 or 32 for version 0) and zero
    padding."""
    if value.lower() != value and value.upper() != value:
        return False  # BIP-173: mixed case is invalid
    hrp, _, data = value.lower().rpartition("1")
    if hrp != "bc" or len(data) < 7:
        return False
    digits = [_BECH32_VALUES.get(c, -1) for c in data]
    if -1 in digits:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    kind = _BECH32_CONSTANTS.get(bech32_polymod(expanded + digits))
    version = digits[0]
    if kind is None or (version == 0) != (kind == 0) or version > 16:
        return False
    program = _eight_bit(digits[1:-6])
    if program is None or not 2 <= len(program) <= 40:
        return False
    return version != 0 or len(program) in (20, 32)


def _eight_bit(groups: list[int]) -> bytes | None:
    """5-bit groups as bytes; None when the padding left over is more than four bits or
    not zeros (BIP-173)."""
    acc = bits = 0
    out = bytearray()
    for group in groups:
        acc = (acc << 5) | group
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits > 4 or acc & ((1 << bits) - 1):
        return None
    return bytes(out)


def _is_bitcoin_address(value: str) -> bool:
    if value[:3].lower() == "bc1":
        return bech32_valid(value)
    return base58check_valid(value)


CRYPTO = PatternRecognizer(
    "crypto",
    "CRYPTO",
    [
        # Legacy (P2PKH "1…", P2SH "3…"): 26 to 35 Base58 characters.
        Pattern(r"[13](?<![\w/][13])[1-9A-HJ-NP-Za-km-z]{25,34}(?![\w/])", 0.9, min_digits=1),
        # SegWit: "bc1", then 11 to 71 Bech32 characters, in one case.
        Pattern(
            r"[bB](?<![\w/][bB])(?:c1[02-9ac-hj-np-z]{11,71}|C1[02-9AC-HJ-NP-Z]{11,71})(?![\w/])",
            0.9,
            min_digits=1,
            any_of=("bc1",),
        ),
    ],
    context=("bitcoin", "btc", "wallet", "crypto"),
    validate=_is_bitcoin_address,
    whole_words=True,
)

ONLINE_IDS = (MAC_ADDRESS, CRYPTO)
