"""A sweep with nothing due costs the same few statements however many boards and actions.

The Worcestershire plan is imported (through the importer) onto 3 and onto 30 boards, each
with a chair; everyone shares the recorder's channel, so every board's digest goes. The
first board holds the plan as it stands today (reminders due this week); the others hold it
once or three times over, reviewed months from now. The first sweep sends what is due
(reminders, digests); the next has nothing left to send, and its statements are counted:
they must not follow the boards or the plans' size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.plan_rows import ActionRow
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plan_files
from handlers.application.sample import SAMPLE_BOARDS, sample_file, shift_row, weeks_to_present
from handlers.wiring import Services, build_services
from schedules.dispatch import SweepResult
from storage.boards import CHAIR, add_role, ensure_board
from storage.people import get_or_create_person
from storage.plan_sync import apply_rows
from tests.schedules.support import RecordingNotifier
from tests.sql_counting import counting

WORCESTERSHIRE = SAMPLE_BOARDS[1]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday, an hour after the 09:00 digests
SIZES = (1, 3)  # copies of the plan on each board after the first
BOARDS = (3, 30)
LATER = timedelta(weeks=12)  # far past any reminder or milestone window


def _rows(copies: int, *, later: timedelta = timedelta(0)) -> list[ActionRow]:
    """The plan's rows `copies` times over, dates moved to the present (and `later`), refs
    made distinct."""
    rows = read_plan_files(
        [sample_file(f) for f in WORCESTERSHIRE.files],
        as_of=WORCESTERSHIRE.as_of,
        calendar=WorkingCalendar(),
    )
    rows = [_reviewed(row) for row in rows]
    shift = weeks_to_present(rows, today=NOW.date()) + later
    rows = [shift_row(row, shift) for row in rows]
    return [
        replace(row, ref=f"{row.ref}.{k}" if k and row.ref else row.ref)
        for k in range(copies)
        for row in rows
    ]


def _reviewed(row: ActionRow) -> ActionRow:
    """The sample's default review date where a row has none, as the sample loader does."""
    if WORCESTERSHIRE.review_date is None or "review_date" in row.present:
        return row
    present = row.present | {"review_date"}
    return replace(row, review_date=WORCESTERSHIRE.review_date, present=present)


def _build(tmp: Path, *, copies: int, boards: int) -> Services:
    clock = ManualClock(NOW)
    url = f"sqlite:///{tmp / f'sweep-{copies}-{boards}.db'}"
    services = build_services(Settings(database_url=url, scheduler_enabled=False), clock=clock)
    live, later = _rows(1), _rows(copies, later=LATER)
    with services.db.session() as session:
        for n in range(boards):
            board = ensure_board(session, f"Board {n}", now=NOW, timezone="Europe/London")
            apply_rows(session, board, later if n else live, now=NOW)
            chair = get_or_create_person(session, name=WORCESTERSHIRE.chair[0], role="", now=NOW)
            add_role(session, board, chair, CHAIR)
    return services


@pytest.fixture(scope="module")
def swept(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[int, int], Services]]:
    """Each database after its first sweep: everything that was due has been sent."""
    tmp = tmp_path_factory.mktemp("sweeps")
    built = {(c, b): _build(tmp, copies=c, boards=b) for c in SIZES for b in BOARDS}
    for (_, boards), services in built.items():
        first = services.dispatcher(RecordingNotifier()).run_once()
        assert first["digests"].sent == boards
        assert first["reminders"].sent > 0
    yield built
    for services in built.values():
        services.db.dispose()


def _nothing_due(services: Services) -> tuple[int, dict[str, SweepResult], int]:
    """Statements sent, the sweep's counts, and messages sent, for one more sweep."""
    notifier = RecordingNotifier()
    with counting(services.db.engine) as seen:
        result = services.dispatcher(notifier).run_once()
    return seen.count, result, len(notifier.sent)


def test_a_sweep_with_nothing_due_sends_nothing_and_finds_every_digest_settled(
    swept: dict[tuple[int, int], Services],
) -> None:
    for (_, boards), services in swept.items():
        _, result, sent = _nothing_due(services)
        assert sent == 0
        assert result["digests"].taken == boards
        assert result["reminders"].sent == result["escalations"].sent == 0


def test_a_nothing_due_sweep_costs_the_same_statements_at_every_size_and_board_count(
    swept: dict[tuple[int, int], Services],
) -> None:
    counts = {key: _nothing_due(services)[0] for key, services in swept.items()}
    smallest = counts[(SIZES[0], BOARDS[0])]
    assert smallest <= 25, f"{smallest} statements for a sweep with nothing to send"
    for key, count in counts.items():
        assert count == smallest, f"{count} statements at {key} (plan ×, boards), {smallest} at 1×3"
