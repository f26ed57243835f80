"""MAC addresses and Bitcoin addresses: exact spans, checksums, the word a bare digit form needs,
and look-alikes that are something else.

Every address here is made up. The Bitcoin ones are encoded below from fixed made-up bytes,
by an encoder written from the BIPs independently of the checker under test (encoding, not
decoding), so a checker that accepted anything, or nothing, would fail.
"""

from __future__ import annotations

import hashlib

import pytest

from confide.pii import AnalyzerOptions, PiiAnalyzer
from confide.pii.online_ids import CRYPTO, MAC_ADDRESS, base58check_valid, bech32_valid

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def base58check(version: int, payload: bytes) -> str:
    raw = bytes([version]) + payload
    raw += hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4]
    number = int.from_bytes(raw, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = BASE58[digit] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def _polymod(values: list[int]) -> int:
    generators = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i, g in enumerate(generators):
            if (top >> i) & 1:
                chk ^= g
    return chk


def segwit(version: int, program: bytes, constant: int | None = None) -> str:
    """A "bc1" address; ``constant`` is the checksum's (Bech32 1, Bech32m 0x2BC830A3), by
    default the one BIP-350 prescribes for ``version``."""
    if constant is None:
        constant = 1 if version == 0 else 0x2BC830A3
    bits, acc, data = 0, 0, [version]
    for byte in program:  # 8-bit bytes to 5-bit groups
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    hrp = [ord(c) >> 5 for c in "bc"] + [0] + [ord(c) & 31 for c in "bc"]
    mod = _polymod(hrp + data + [0] * 6) ^ constant
    checksum = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return "bc1" + "".join(BECH32[d] for d in data + checksum)


P2PKH = base58check(0x00, bytes(range(1, 21)))  # "1…"
P2SH = base58check(0x05, bytes(range(40, 60)))  # "3…"
V0 = segwit(0, bytes(range(100, 120)))  # bc1q…, 20-byte program
V1 = segwit(1, bytes(range(7, 39)))  # bc1p…, Taproot's 32 bytes


def _swap(address: str, at: int) -> str:
    """``address`` with one character replaced by another of its alphabet."""
    alphabet = BECH32 if address.startswith("bc1") else BASE58
    c = address[at]
    return address[:at] + alphabet[(alphabet.index(c) + 1) % len(alphabet)] + address[at + 1 :]


def test_the_encoded_addresses_have_their_kinds_prefixes() -> None:
    assert P2PKH[0] == "1" and P2SH[0] == "3"
    assert V0.startswith("bc1q") and V1.startswith("bc1p")


@pytest.mark.parametrize("address", [P2PKH, P2SH, V0, V1, V0.upper()])
def test_a_bitcoin_address_is_crypto_at_its_exact_span(address: str) -> None:
    text = f"Please refund to my wallet {address}, thanks."
    findings = [f for f in PiiAnalyzer().analyze(text) if f.entity_type == "CRYPTO"]
    assert [(f.start, f.end) for f in findings] == [(27, 27 + len(address))]
    assert findings[0].recognizer == "crypto"


@pytest.mark.parametrize(
    "address",
    [
        _swap(P2PKH, 10),  # one character wrong: the Base58Check checksum fails
        _swap(P2SH, 20),
        _swap(V0, 12),  # ... or the Bech32 one
        segwit(0, bytes(range(100, 120)), constant=0x2BC830A3),  # v0 with Bech32m's checksum
        segwit(1, bytes(range(7, 39)), constant=1),  # v1 with Bech32's
        segwit(0, bytes(range(16))),  # v0 needs a 20- or 32-byte program
        segwit(1, bytes(41)),  # no program is longer than 40 bytes
        segwit(17, bytes(range(32))),  # no witness version above 16
        # BIP-350's own invalid examples: version 17; a v0 program of 16 bytes.
        "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
        "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
        "1" + "A" * 33,  # the shape alone
        "bc1" + "q" * 39,
    ],
)
def test_a_string_of_the_shape_that_fails_its_checksum_is_not_crypto(address: str) -> None:
    assert not CRYPTO.find(f"wallet {address}")


def test_the_checksums_on_their_own() -> None:
    assert base58check_valid(P2PKH) and not base58check_valid(P2PKH[:-1])
    assert not base58check_valid("0OIl")  # not Base58 characters
    assert bech32_valid(V0) and bech32_valid(V1) and not bech32_valid("tb1" + V0[3:])
    assert bech32_valid(V0.upper()) and not bech32_valid(V0[:6] + V0[6:].upper())  # mixed
    assert bech32_valid(segwit(16, bytes(range(2))))  # the extremes BIP-350 allows
    assert bech32_valid(segwit(2, bytes(40)))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("My router's MAC is 00:1A:2B:3C:4D:5E, can you whitelist it?", "00:1A:2B:3C:4D:5E"),
        ("laptop 3c-5a-b4-01-9f-e2 keeps dropping", "3c-5a-b4-01-9f-e2"),
        ("The switch lists device 001a.2b3c.4d5e on port 4", "001a.2b3c.4d5e"),
        ("MAC address 12-34-56-78-90-12", "12-34-56-78-90-12"),  # digits only, beside its word
        ("MAC:00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5E"),  # right after a colon
        ("MAC-00-1A-2B-3C-4D-5E", "00-1A-2B-3C-4D-5E"),
        ("The MAC 00:1A:2B:3C:4D:5E: it keeps dropping", "00:1A:2B:3C:4D:5E"),  # colon after
    ],
)
def test_a_mac_address_is_found_at_its_exact_span(text: str, found: str) -> None:
    findings = [f for f in PiiAnalyzer().analyze(text) if f.entity_type == "MAC_ADDRESS"]
    start = text.index(found)
    assert [(f.start, f.end) for f in findings] == [(start, start + len(found))]


@pytest.mark.parametrize(
    "text",
    [
        "Reference 12-34-56-78-90-12 on the form",  # digits only, no word for a MAC
        "The broadcast address ff:ff:ff:ff:ff:ff and 00:00:00:00:00:00 are no device's",
        "Build 2024.1130.0001 fixed it",  # dotted digits
        "The router build 2024.1130.0001 fixed it",  # ... even beside a word for a MAC
        "Part 001a.2b3c.4d5e is in stock",  # the dotted form is looked for only beside one
        "We open 09:00:00 to 17:30:00 daily",
        "00:1A:2B:3C:4D:5E:6F is seven pairs, not a MAC address",
        "a1-b2-c3-d4-e5-f6-a7 is a longer run",
        "ab:cd:00:1A:2B:3C:4D:5E is eight pairs",
        "My machine shows abcd.ef01.2345",  # "machine" is no word for a MAC
    ],
)
def test_look_alikes_are_not_mac_addresses(text: str) -> None:
    assert not [f for f in PiiAnalyzer().analyze(text) if f.entity_type == "MAC_ADDRESS"]
    assert not MAC_ADDRESS.find(text)


def test_both_types_can_be_listed_as_in_presidio() -> None:
    analyzer = PiiAnalyzer(options=AnalyzerOptions(entities=["CRYPTO", "MAC_ADDRESS"]))
    text = f"wallet {P2PKH} from device 00:1A:2B:3C:4D:5E, mail jo@example.com"
    assert {f.entity_type for f in analyzer.analyze(text)} == {"CRYPTO", "MAC_ADDRESS"}


def test_every_type_the_default_engine_reports_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "pii-entities.md").read_text("utf-8")
    types = {e for r in PiiAnalyzer().recognizers for e in r.entities}
    assert {"CRYPTO", "MAC_ADDRESS", "US_PASSPORT", "US_BANK_NUMBER"} <= types
    assert sorted(t for t in types if f"| `{t}`" not in doc) == []
