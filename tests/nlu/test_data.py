from __future__ import annotations

from pathlib import Path

import pytest

from confide.nlu import IntentDataError, LabelledText, read_labelled_csv


def write(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("column", ["intent", "label", "category", "Intent"])
def test_read_csv_accepts_each_label_column_name(tmp_path: Path, column: str) -> None:
    path = write(tmp_path, f'text,{column}\nI lost my card,lost_card\n"Refund, please",refund\n')

    assert read_labelled_csv(path) == [
        LabelledText("I lost my card", "lost_card"),
        LabelledText("Refund, please", "refund"),
    ]


def test_read_csv_strips_whitespace_and_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufefftext,intent\n  where is my parcel  , delivery_status \n")

    assert read_labelled_csv(path) == [LabelledText("where is my parcel", "delivery_status")]


def test_read_csv_without_label_column_names_the_file_and_expected_columns(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "text,topic\nhello,greeting\n")

    with pytest.raises(IntentDataError) as raised:
        read_labelled_csv(path)

    assert str(raised.value) == (
        f"{path}: line 1: no label column; expected one of intent, label, category"
    )


def test_read_csv_without_text_column_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "message,intent\nhello,greeting\n")

    with pytest.raises(IntentDataError, match="line 1: no 'text' column"):
        read_labelled_csv(path)


def test_read_csv_with_empty_text_reports_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "text,intent\nI lost my card,lost_card\n  ,refund\n")

    with pytest.raises(IntentDataError) as raised:
        read_labelled_csv(path)

    assert str(raised.value) == f"{path}: line 3: empty text"


def test_read_csv_with_empty_label_reports_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "text,label\nI lost my card,\n")

    with pytest.raises(IntentDataError, match=r"line 2: empty label"):
        read_labelled_csv(path)


def test_read_csv_that_is_not_utf8_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "text,intent\nok,greeting\ncaf\xe9 closed,hours\n".encode("latin-1"))

    with pytest.raises(IntentDataError) as raised:
        read_labelled_csv(path)

    assert str(raised.value) == f"{path}: line 3: the file is not valid UTF-8"


@pytest.mark.parametrize("content", ["", "  \n\n"])
def test_read_csv_that_is_empty_is_rejected(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, content)

    with pytest.raises(IntentDataError, match="the file is empty"):
        read_labelled_csv(path)


def test_read_csv_with_header_only_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "text,intent\n")

    with pytest.raises(IntentDataError, match="header but no rows"):
        read_labelled_csv(path)


def test_read_csv_that_does_not_exist_is_an_intent_data_error(tmp_path: Path) -> None:
    with pytest.raises(IntentDataError, match="cannot read the file"):
        read_labelled_csv(tmp_path / "missing.csv")


def test_intent_data_error_is_a_value_error() -> None:
    assert issubclass(IntentDataError, ValueError)
