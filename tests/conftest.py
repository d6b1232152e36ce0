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

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the seed data folder {SHARED_DATA} is not beside the repo")
    return SHARED_DATA


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
