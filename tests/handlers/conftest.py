from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.wiring import Services, build_services
from tests.handlers.support import today


@pytest.fixture
def services(db_url: str, clock: ManualClock) -> Iterator[Services]:
    """The Worcestershire plan as the sample ships it (dates moved to the present)."""
    built = build_services(Settings(database_url=db_url, scheduler_enabled=False), clock=clock)
    load_sample_board(built.db, SAMPLE_BOARDS[1], now=clock.now(), today=today(built))
    yield built
    built.db.dispose()
