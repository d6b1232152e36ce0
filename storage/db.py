"""Engine, the unit-of-work session, and schema migration on start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """SQLite gets WAL and a busy timeout so the scheduler and request threads can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision; safe to call on every start."""
    command.upgrade(alembic_config(engine), "head")


class Database:
    """Hands out sessions; each `with db.session()` block is one unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def connect(cls, url: str, *, upgrade: bool = True) -> Database:
        engine = make_engine(url)
        if upgrade:
            migrate(engine)
        return cls(engine)

    @contextmanager
    def session(self, *, commit: bool = True) -> Iterator[Session]:
        """Commit once at the end, or roll everything back: one layer commits.

        `commit=False` runs the same work and throws it away (dry runs).
        """
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                if commit:
                    session.commit()
                else:
                    session.expunge_all()  # what was read stays readable after the rollback
                    session.rollback()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
