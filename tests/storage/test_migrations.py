"""The schema comes from Alembic, and the migrations say exactly what the models say."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database, migrate


def test_a_fresh_database_gets_every_table(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        drift = compare_metadata(context, SQLModel.metadata)
    assert drift == []


def test_migrating_again_is_harmless(db: Database) -> None:
    migrate(db.engine)
    migrate(db.engine)
    assert "action" in inspect(db.engine).get_table_names()
