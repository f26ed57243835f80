"""The schema comes only from Alembic, and the migrations match the ORM models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from confide.db import make_engine
from confide.migrate import downgrade_database, upgrade_database
from confide.models import Base


def test_upgrade_builds_every_table_and_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    downgrade_database(engine, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade_database(engine)
    with engine.connect() as conn:
        assert "messages" in inspect(conn).get_table_names()
    engine.dispose()
