"""The database layer refuses text with a NUL character, whatever shape the parameters take
(one row, many rows, SQLAlchemy's batched "insertmanyvalues" with RETURNING), and writes
nothing of the statement."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from confide.db import TextInvalid, _refuse_nul, make_engine

ROWS = [{"id": 1, "note": "first"}, {"id": 2, "note": "sec\x00ond"}, {"id": 3, "note": "third"}]


@pytest.mark.parametrize(
    "parameters",
    [
        {"a": 1, "b": "x\x00"},
        (1, None, "x\x00"),
        [{"a": "ok"}, {"a": "x\x00"}],
        [(1, "ok"), (2, "x\x00")],
        (1, 2.5, b"\x00 bytes are fine", ("nested", "x\x00")),
    ],
    ids=["dict", "tuple", "dicts", "tuples", "nested"],
)
def test_every_parameter_shape_is_searched(parameters: Any) -> None:
    with pytest.raises(TextInvalid):
        _refuse_nul(None, None, "", parameters, None, True)
    with pytest.raises(TextInvalid):
        _refuse_nul(None, None, "", parameters, None, False)


def test_other_values_pass() -> None:
    parameters = [(1, None, 2.5, b"\x00 bytes", "text"), {"a": "ok", "b": 3}]
    _refuse_nul(None, None, "", parameters, None, True)


@pytest.mark.parametrize("returning", [False, True], ids=["executemany", "insertmanyvalues"])
def test_a_batch_with_one_nul_writes_nothing(database_url: str, returning: bool) -> None:
    engine = make_engine(database_url)
    table = Table(
        "nul_guard_notes",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("note", String(20)),
    )
    try:
        table.create(engine)
        statement = table.insert().returning(table.c.id) if returning else table.insert()
        with pytest.raises(TextInvalid), engine.begin() as connection:
            connection.execute(statement, ROWS)
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(table)).scalar() == 0
        clean = [{**row, "note": row["note"].replace("\x00", "")} for row in ROWS]
        with engine.begin() as connection:
            connection.execute(statement, clean)
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(table)).scalar() == 3
    finally:
        table.drop(engine, checkfirst=True)
        engine.dispose()


def test_a_restore_engine_takes_what_sqlite_held(tmp_path: Any) -> None:
    """A backup's restore writes back what SQLite held, NUL included (stored before the
    guard): its engine has no guard."""
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}", refuse_nul=False)
    table = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("n", String))
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": 1, "n": "a\x00b"}])
    with engine.connect() as connection:
        assert connection.execute(select(table.c.n)).scalar() == "a\x00b"
    engine.dispose()
