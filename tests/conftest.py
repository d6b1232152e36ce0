"""Fixtures shared by every test folder: a real database, a clock, the seed data.

The database is a SQLite file, or a fresh PostgreSQL database per test when
ACTIONBOT_TEST_POSTGRES_URL names a server (see tests/postgres_support.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from storage.db import Database
from tests.postgres_support import fresh_database, server_url

# The seed plans as the councils published them: byte-for-byte copies of ../shared/data that
# ship with the repo (the bundled sample plan), so a clone on its own runs every test.
SEED_DATA = Path(__file__).resolve().parents[1] / "bot" / "sample"


@pytest.fixture
def shared_data() -> Path:
    return SEED_DATA


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    server = server_url()
    if server is None:
        yield f"sqlite:///{tmp_path / 'actionbot.db'}"
        return
    with fresh_database(server) as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database.connect(db_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """Monday 23 November 2026, 10:00 London (GMT)."""
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
