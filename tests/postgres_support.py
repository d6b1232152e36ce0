"""A throwaway PostgreSQL database per test, when ACTIONBOT_TEST_POSTGRES_URL names a server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Connection, Table, func, select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (the tables copy_database copies)
from storage.db import Database, make_engine

ENV = "ACTIONBOT_TEST_POSTGRES_URL"
CONNECT_TIMEOUT = 10

requires_postgres = pytest.mark.skipif(
    not os.environ.get(ENV), reason=f"set {ENV} to run against PostgreSQL"
)


def server_url() -> str | None:
    """The maintenance URL (e.g. postgresql://actionbot@127.0.0.1:54329/postgres), if set."""
    return os.environ.get(ENV) or None


def _libpq(url: str) -> str:
    """psycopg takes plain postgresql:// URLs, not SQLAlchemy's postgresql+psycopg://."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """CREATE/DROP DATABASE can't run inside a transaction: autocommit."""
    return psycopg.connect(_libpq(url), autocommit=True, connect_timeout=CONNECT_TIMEOUT)


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """CREATE DATABASE t_<uuid>, yield its URL, then drop it (closing whatever still uses it)."""
    name = f"t_{uuid.uuid4().hex}"
    with _admin(server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(_libpq(server), name)
    finally:
        drop_database(server, name)


def drop_database(server: str, name: str) -> None:
    """Connections a test forgot to close would block DROP: end them first."""
    with _admin(server) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def copy_database(source: Path, url: str) -> None:
    """Give the test database a prepared SQLite file's contents: copied as a file, or row by row.

    Lets a fixture seed once per session and still run in PostgreSQL mode.
    """
    if url.startswith("sqlite:///"):
        shutil.copyfile(source, url.removeprefix("sqlite:///"))
        return
    target = Database.connect(url)  # migrated to head, as the source was
    origin = make_engine(f"sqlite:///{source}")
    try:
        with origin.connect() as reader, target.engine.begin() as writer:
            for table in SQLModel.metadata.sorted_tables:  # parents before children
                _copy_table(reader, writer, table)
    finally:
        origin.dispose()
        target.dispose()


def _copy_table(reader: Connection, writer: Connection, table: Table) -> None:
    rows = [dict(row._mapping) for row in reader.execute(table.select())]
    if rows:
        writer.execute(table.insert(), rows)
    key = table.autoincrement_column
    if key is not None and writer.dialect.name == "postgresql":
        # Rows came with their ids: move the sequence past them, or the next insert collides.
        most = func.max(key)
        sequence = func.pg_get_serial_sequence(table.name, key.name)
        writer.execute(select(func.setval(sequence, func.coalesce(most, 1), most.is_not(None))))
