from __future__ import annotations

import pytest

from confide.crypto import (
    DataKey,
    DecryptionError,
    SecretKey,
    associated_data,
    decrypt_field,
    decrypt_text,
    encrypt_field,
    encrypt_text,
    field_key_id,
    generate_data_key,
)

EMAIL_AAD = associated_data("customers", "email", "row-1")


def test_encrypt_then_decrypt_returns_the_plaintext(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)

    assert decrypt_field(data_key, blob, aad=EMAIL_AAD) == b"alice@example.com"


def test_text_round_trips_through_utf8(data_key: DataKey) -> None:
    blob = encrypt_text(data_key, "Zoë Ångström, +1 555 0100", aad=EMAIL_AAD)

    assert decrypt_text(data_key, blob, aad=EMAIL_AAD) == "Zoë Ångström, +1 555 0100"


def test_empty_plaintext_round_trips(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"", aad=EMAIL_AAD)

    assert decrypt_field(data_key, blob, aad=EMAIL_AAD) == b""


def test_blob_is_version_key_id_nonce_then_ciphertext_and_tag(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"+1 555 0100", aad=EMAIL_AAD)
    key_id = data_key.id.encode("ascii")

    assert blob[0] == 1
    assert blob[1] == len(key_id)
    assert blob[2 : 2 + len(key_id)] == key_id
    assert len(blob) == 1 + 1 + len(key_id) + 12 + len(b"+1 555 0100") + 16
    assert b"+1 555 0100" not in blob


def test_field_key_id_reads_the_key_id_from_the_header(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)

    assert field_key_id(blob) == data_key.id


def test_same_plaintext_encrypts_to_different_blobs(data_key: DataKey) -> None:
    first = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)
    second = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)

    nonce = slice(2 + len(data_key.id), 2 + len(data_key.id) + 12)
    assert first != second
    assert first[nonce] != second[nonce]


def test_flipping_any_byte_of_the_blob_fails_decryption(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)

    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            decrypt_field(data_key, bytes(tampered), aad=EMAIL_AAD)


def test_truncated_or_extended_blob_fails_decryption(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)

    for length in range(len(blob)):
        with pytest.raises(DecryptionError):
            decrypt_field(data_key, blob[:length], aad=EMAIL_AAD)
    with pytest.raises(DecryptionError):
        decrypt_field(data_key, blob + b"\x00", aad=EMAIL_AAD)


@pytest.mark.parametrize(
    "other_aad",
    [
        associated_data("staff", "email", "row-1"),
        associated_data("customers", "phone", "row-1"),
        associated_data("customers", "email", "row-2"),
        b"",
    ],
    ids=["other-table", "other-column", "other-row", "no-aad"],
)
def test_ciphertext_moved_to_another_cell_fails_decryption(
    data_key: DataKey, other_aad: bytes
) -> None:
    blob = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)

    with pytest.raises(DecryptionError):
        decrypt_field(data_key, blob, aad=other_aad)


def test_another_data_key_fails_decryption(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)

    with pytest.raises(DecryptionError):
        decrypt_field(generate_data_key(), blob, aad=EMAIL_AAD)


def test_wrong_key_material_under_the_same_id_fails_decryption(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)
    impostor = DataKey(id=data_key.id, key=SecretKey.generate(id=data_key.id))

    with pytest.raises(DecryptionError):
        decrypt_field(impostor, blob, aad=EMAIL_AAD)


@pytest.mark.parametrize("version", [0, 2, 255])
def test_unknown_format_version_fails_decryption(data_key: DataKey, version: int) -> None:
    blob = bytearray(encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD))
    blob[0] = version

    with pytest.raises(DecryptionError):
        decrypt_field(data_key, bytes(blob), aad=EMAIL_AAD)


def test_decryption_error_says_only_decryption_failed(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"alice@example.com", aad=EMAIL_AAD)

    with pytest.raises(DecryptionError) as caught:
        decrypt_field(generate_data_key(), blob, aad=EMAIL_AAD)

    assert str(caught.value) == "decryption failed"
    assert caught.value.__cause__ is None


def test_decrypt_text_of_non_utf8_bytes_fails_without_leaking_them(data_key: DataKey) -> None:
    blob = encrypt_field(data_key, b"\xff\xfe secret", aad=EMAIL_AAD)

    with pytest.raises(DecryptionError) as caught:
        decrypt_text(data_key, blob, aad=EMAIL_AAD)

    assert caught.value.__context__ is None


def test_associated_data_is_length_prefixed_utf8() -> None:
    assert associated_data("customers", "email", "r1") == (
        b"\x01" + b"\x00\x00\x00\x09customers" + b"\x00\x00\x00\x05email" + b"\x00\x00\x00\x02r1"
    )


def test_associated_data_cannot_be_confused_by_moving_characters() -> None:
    assert associated_data("ab", "c", "1") != associated_data("a", "bc", "1")
    assert associated_data("t", "ab", "c") != associated_data("t", "a", "bc")


@pytest.mark.parametrize(
    ("table", "column", "row_id"), [("", "email", "1"), ("customers", "", "1"), ("t", "c", "")]
)
def test_associated_data_rejects_empty_parts(table: str, column: str, row_id: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        associated_data(table, column, row_id)


@pytest.mark.parametrize("bad_id", ["", "a" * 65, "has space", "ünïcode", "slash/id"])
def test_data_key_ids_that_do_not_fit_the_header_are_rejected(bad_id: str) -> None:
    with pytest.raises(ValueError, match="key ids are 1-64 characters"):
        DataKey(id=bad_id, key=SecretKey.generate())


def test_generated_data_keys_have_distinct_ids_and_keys() -> None:
    first, second = generate_data_key(), generate_data_key()

    assert len(first.id) == 32
    assert first.id != second.id
    assert first.key.reveal() != second.key.reveal()
