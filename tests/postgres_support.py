"""A throwaway PostgreSQL database per test, when ACTIONBOT_TEST_POSTGRES_URL names a server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

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
