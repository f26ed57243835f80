"""Labelled intent examples and the CSV reader for them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LABEL_COLUMNS", "OOS_LABEL", "IntentDataError", "LabelledText", "read_labelled_csv"]

OOS_LABEL = "oos"
"""Label of out-of-scope examples: used to choose the rejection threshold, never a class."""

LABEL_COLUMNS = ("intent", "label", "category")
"""Accepted names of the label column, in order of preference."""


class IntentDataError(ValueError):
    """Training or evaluation data that cannot be used, with a message saying where and why."""


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One message and the intent it expresses (``OOS_LABEL`` for out of scope)."""

    text: str
    intent: str


def read_labelled_csv(path: str | Path) -> list[LabelledText]:
    """Read a UTF-8 CSV with a ``text`` column and an ``intent``, ``label`` or ``category`` column.

    Raises:
        IntentDataError: the file is empty, not UTF-8, lacks a column, or a row has an
            empty text or label. The message names the file and the line.
    """
    path = Path(path)
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise IntentDataError(f"{path}: line {line}: the file is not valid UTF-8") from exc
    except OSError as exc:
        raise IntentDataError(f"{path}: cannot read the file: {exc.strerror}") from exc
    if not content.strip():
        raise IntentDataError(f"{path}: the file is empty")
    return _parse_rows(path, content)


def _parse_rows(path: Path, content: str) -> list[LabelledText]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = header
    if "text" not in header:
        raise IntentDataError(f"{path}: line 1: no 'text' column (columns: {', '.join(header)})")
    label_column = next((name for name in LABEL_COLUMNS if name in header), None)
    if label_column is None:
        raise IntentDataError(
            f"{path}: line 1: no label column; expected one of {', '.join(LABEL_COLUMNS)}"
        )
    examples = []
    for row in reader:
        line = reader.line_num
        text = (row.get("text") or "").strip()
        intent = (row.get(label_column) or "").strip()
        if not text:
            raise IntentDataError(f"{path}: line {line}: empty text")
        if not intent:
            raise IntentDataError(f"{path}: line {line}: empty {label_column}")
        examples.append(LabelledText(text=text, intent=intent))
    if not examples:
        raise IntentDataError(f"{path}: the file has a header but no rows")
    return examples
