"""The console's fixture: a fresh install with the sample plan, in the week of the test clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from handlers.application.sample import load_sample_if_empty
from handlers.wiring import Services, build_services


@pytest.fixture
def services(db_url: str, clock: ManualClock) -> Iterator[Services]:
    """A fresh install: the sample plan, moved to the week of the test clock."""
    built = build_services(Settings(database_url=db_url, scheduler_enabled=False), clock=clock)
    today = clock.now().date()
    assert load_sample_if_empty(built.db, now=clock.now(), today=today)
    yield built
    built.db.dispose()
