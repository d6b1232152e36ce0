"""Engine, the unit-of-work session, and schema migration on start.

Alembic is imported only when the schema is behind (or can't be read cheaply): every command
connects, and Alembic's import alone (~0.2 s) would be most of a one-shot command's start.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


# An execution option read by the SQLite "begin" hook: how the transaction starts.
SQLITE_BEGIN = "actionbot_sqlite_begin"
IMMEDIATE = "IMMEDIATE"
SQLITE_BUSY_TIMEOUT = 30.0
DEFERRED = "DEFERRED"


def make_engine(url: str, *, lock_timeout: float | None = None) -> Engine:
    """SQLite gets WAL and a busy timeout so the scheduler and request threads can share it.

    pysqlite's own transaction handling is switched off (it starts no transaction before a
    SELECT, and a SAVEPOINT outside one commits on its own when released): SQLAlchemy's
    "begin" event issues BEGIN itself, IMMEDIATE for a unit of work that writes.
    `lock_timeout` (seconds) bounds the wait for a lock before OperationalError is raised.
    """
    if url.startswith("sqlite"):
        _make_folder(url)
        timeout = SQLITE_BUSY_TIMEOUT if lock_timeout is None else lock_timeout
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    connect_args: dict[str, Any] = {}
    if lock_timeout is not None:
        connect_args["options"] = f"-c lock_timeout={max(1, round(lock_timeout * 1000))}"
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args=connect_args
    )


def _make_folder(url: str) -> None:
    """A first run makes the folder the default database lives in (the user data folder)."""
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.isolation_level = None  # we say BEGIN ourselves (see _sqlite_begin)


def _sqlite_begin(connection: Connection) -> None:
    """BEGIN IMMEDIATE takes the write lock before the first read, so what a change reads is
    still true when it writes; readers get a plain (deferred) BEGIN and one snapshot."""
    mode = connection.get_execution_options().get(SQLITE_BEGIN, DEFERRED)
    connection.exec_driver_sql(f"BEGIN {IMMEDIATE if mode == IMMEDIATE else DEFERRED}")


def holds_write_lock(connection: Connection) -> bool:
    """On SQLite: did this connection's transaction start with BEGIN IMMEDIATE?"""
    return connection.get_execution_options().get(SQLITE_BEGIN) == IMMEDIATE


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@dataclass(frozen=True)
class Revisions:
    """Where a database's schema is (`current`), where this version's migrations end
    (`heads`), and every revision this version knows."""

    current: frozenset[str]
    heads: frozenset[str]
    known: frozenset[str]


def read_revisions(url: str, *, connect_timeout: int = 10) -> Revisions:
    """Read only: nothing is created or migrated. SQLAlchemyError when it doesn't answer;
    a server that doesn't is given up on in `connect_timeout` seconds, not minutes."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if url.startswith("sqlite"):
        engine = make_engine(url)
    else:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url, connect_args={"connect_timeout": connect_timeout})
    try:
        with engine.connect() as connection:
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
        script = ScriptDirectory.from_config(alembic_config(engine))
        known = frozenset(revision.revision for revision in script.walk_revisions())
        return Revisions(current, frozenset(script.get_heads()), known)
    finally:
        engine.dispose()


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision; safe to call on every start.

    A schema already at this version's heads is left alone without importing Alembic: one
    small read of the version table against the heads named in the migration files."""
    heads = migration_heads()
    if heads is not None and current_revisions(engine) == heads:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


@cache
def migration_heads() -> frozenset[str] | None:
    """The revisions no other migration builds on, read from the files' `revision` and
    `down_revision` lines as Alembic writes them; None if a file doesn't say them plainly
    (then Alembic itself decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if found is None or down is None:
            return None
        revisions.add(found.group(1))
        parents.update(_QUOTED.findall(down.group(1)))
    heads = frozenset(revisions - parents)
    return heads or None


def current_revisions(engine: Engine) -> frozenset[str]:
    """What the version table says; empty for a new database (no table yet)."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, VERSION_TABLE):
            return frozenset()
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))  # noqa: S608
        return frozenset(str(row[0]) for row in rows)


class Database:
    """Hands out sessions; each `with db.session()` block is one unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The same pool, but on SQLite each transaction starts with BEGIN IMMEDIATE.
        self._writer = engine.execution_options(**{SQLITE_BEGIN: IMMEDIATE})

    @classmethod
    def connect(
        cls, url: str, *, upgrade: bool = True, lock_timeout: float | None = None
    ) -> Database:
        engine = make_engine(url, lock_timeout=lock_timeout)
        if upgrade:
            migrate(engine)
        return cls(engine)

    @contextmanager
    def session(self, *, commit: bool = True, write: bool | None = None) -> Iterator[Session]:
        """Commit once at the end, or roll everything back: one layer commits.

        `commit=False` runs the same work and throws it away (dry runs).
        `write` (by default: whether it commits) takes SQLite's write lock at the start
        (BEGIN IMMEDIATE), so two changes never interleave their reads and writes; on
        PostgreSQL a change locks the rows it changes (storage.plan.lock_action).
        """
        write = commit if write is None else write
        bind = self._writer if write else self.engine
        with Session(bind, expire_on_commit=False) as session:
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
