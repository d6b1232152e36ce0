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


def test_an_older_database_is_upgraded_with_its_data_kept(db_url: str) -> None:
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text

    from storage.db import alembic_config, make_engine

    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO board (name, timezone, bank_holiday_region, digest_weekday,"
                " digest_time, reminder_lead_days, nudge_every_days, escalate_after_days,"
                " created_at) VALUES ('Old board', 'Europe/London', 'ENG', 0, '09:00', '7,1',"
                " 2, 5, :at)"
            ),
            {"at": datetime(2026, 1, 5, tzinfo=UTC)},
        )
    migrate(engine)
    with engine.connect() as connection:
        names = connection.execute(text("SELECT name FROM board")).scalars().all()
        columns = {c["name"] for c in inspect(connection).get_columns("action_owner")}
    assert names == ["Old board"]
    assert "snoozed_until" in columns
    engine.dispose()
