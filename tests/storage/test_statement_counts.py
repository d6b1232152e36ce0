"""What a request costs in SQL statements must not grow with the plan or with the boards.

The real Worcestershire plan is imported (through the importer) at its own size and at four
times it, onto one board and onto ten boards holding the same plan (refs repeat across
boards, as they do between councils). For each of `/rag`, `/rag red`, `/rag overdue`,
`/rag @owner`, an owner's update, a Home refresh and a sweep with nothing left to send, the
statements are counted and must be the same at every size and board count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.plan import BoardPlan
from bot.domain.plan_rows import ActionRow
from bot.domain.rag import Rag
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plan_files
from handlers.application.conversation import Conversation, IncomingMessage, RagRequest
from handlers.application.home import HomeHandler
from handlers.application.sample import SAMPLE_BOARDS, sample_file, shift_row, weeks_to_present
from handlers.wiring import Services, build_services
from storage.boards import CHAIR, add_role, board_by_name, ensure_board
from storage.models import Person
from storage.people import actions_owned_counts, get_or_create_person
from storage.plan import actions_owned_by, load_board_plan
from storage.plan_sync import apply_rows
from tests.handlers.support import RecordingNotifier
from tests.sql_counting import counting

WORCESTERSHIRE = SAMPLE_BOARDS[1]
TODAY = date(2026, 12, 2)
CHAIR_NAME = WORCESTERSHIRE.chair[0]


def _rows(copies: int) -> list[ActionRow]:
    """The plan's rows `copies` times over: each copy's refs and titles made its own."""
    rows = read_plan_files(
        [sample_file(f) for f in WORCESTERSHIRE.files],
        as_of=WORCESTERSHIRE.as_of,
        calendar=WorkingCalendar(),
    )
    shift = weeks_to_present(rows, today=TODAY)
    rows = [shift_row(row, shift) for row in rows]
    return [
        replace(
            row,
            ref=f"{row.ref}.{k}" if k and row.ref else row.ref,
            title=f"{row.title} ({k})" if k and row.title else row.title,
        )
        for k in range(copies)
        for row in rows
    ]


@dataclass
class Plan:
    services: Services
    owner: str
    refs: list[str]
    board: str
    calm_refs: list[str]  # the owner's actions that are not red


def _build(tmp_path: Path, *, copies: int, boards: int) -> Plan:
    clock = ManualClock(datetime(2026, 12, 2, 10, tzinfo=UTC))
    url = f"sqlite:///{tmp_path / f'plan-{copies}-{boards}.db'}"
    services = build_services(Settings(database_url=url, scheduler_enabled=False), clock=clock)
    rows = _rows(copies)
    names = [WORCESTERSHIRE.name] + [f"Board {n}" for n in range(1, boards)]
    with services.db.session() as session:
        for name in names:
            board = ensure_board(session, name, now=clock.now(), timezone="Europe/London")
            apply_rows(session, board, rows, now=clock.now())
            chair = get_or_create_person(session, name=CHAIR_NAME, role="", now=clock.now())
            add_role(session, board, chair, CHAIR)
    with services.db.session(commit=False) as session:
        counts = actions_owned_counts(session)
        busiest = max(counts, key=lambda person_id: counts[person_id])
        owner = session.get(Person, busiest)
        assert owner is not None
        mine = [a for a in actions_owned_by(session, busiest) if a.board_id == 1]
        calm = [a.ref for a in mine if a.rag not in (Rag.RED.value, Rag.COMPLETE.value)]
        return Plan(services, owner.name, [a.ref for a in mine], WORCESTERSHIRE.name, calm)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[int, int], Plan]]:
    tmp = tmp_path_factory.mktemp("counts")
    built = {(c, b): _build(tmp, copies=c, boards=b) for c in (1, 4) for b in (1, 10)}
    yield built
    for plan in built.values():
        plan.services.db.dispose()


def _conversation(who: str) -> Conversation:
    return Conversation(
        platform="console", user_id=who, channel=f"dm:{who}", thread=None, is_direct=True
    )


def _rag(text: str) -> Callable[[Plan, int], object]:
    def ask(plan: Plan, _n: int) -> object:
        request = RagRequest(_conversation(CHAIR_NAME), text, board_hint=plan.board)
        return plan.services.rag.answer(request)

    return ask


def _rag_owner(plan: Plan, n: int) -> object:
    return _rag(f"@{plan.owner}")(plan, n)


def _update(plan: Plan, n: int) -> object:
    ref = plan.refs[n % len(plan.refs)]
    text = f"{ref} amber - slipped to {_working_day(n):%-d %B %Y}"
    message = IncomingMessage(_conversation(plan.owner), text, board_hint=plan.board)
    replies = plan.services.chat.on_message(message)
    assert type(replies[0]).__name__ == "UpdateRecorded", replies
    return replies


def _working_day(n: int) -> date:
    """The n-th working day after 12 April 2027: a date no question is asked about."""
    calendar, day, left = WorkingCalendar(), date(2027, 4, 12), n
    while left or not calendar.is_working_day(day):
        left -= calendar.is_working_day(day)
        day += timedelta(days=1)
    return day


def _home(plan: Plan, _n: int) -> object:
    handler = HomeHandler(db=plan.services.db, clock=plan.services.clock)
    home = handler.home("console", CHAIR_NAME)
    assert home is not None
    assert home.chaired
    return home


def _sweep(plan: Plan, _n: int) -> object:
    """Everything due has gone (the first sweep sent it): this one has nothing to send."""
    dispatcher = plan.services.dispatcher(RecordingNotifier())
    return dispatcher.run_once()


WORK = {
    "/rag": _rag(""),
    "/rag red": _rag("red"),
    "/rag overdue": _rag("overdue"),
    "/rag @owner": _rag_owner,
    "update": _update,
    "home": _home,
    "sweep, nothing due": _sweep,
}


def _count(plan: Plan, work: Callable[[Plan, int], object], n: int) -> int:
    with counting(plan.services.db.engine) as seen:
        work(plan, n)
    return seen.count


@pytest.mark.parametrize("name", list(WORK))
def test_statements_do_not_grow_with_plan_size_or_board_count(
    plans: dict[tuple[int, int], Plan], name: str
) -> None:
    work = WORK[name]
    counts: dict[tuple[int, int], list[int]] = {}
    for key, plan in plans.items():
        work(plan, 0)  # the first of its kind: caches filled, what was due sent
        counts[key] = [_count(plan, work, n) for n in (1, 2)]
    small = counts[(1, 1)]
    assert plans[(4, 10)].services.db.engine is not plans[(1, 1)].services.db.engine
    for key, seen in counts.items():
        assert seen == small, f"{name}: {seen} statements at {key} (plan ×, boards), {small} at 1×1"


def test_a_change_made_in_another_process_is_seen_by_a_cached_read(tmp_path: Path) -> None:
    """Another engine on the same file stands for another process: it has no part in our
    cache, and only the board's version in the database tells ours that the plan moved on."""
    plan = _build(tmp_path, copies=1, boards=1)
    with counting(plan.services.db.engine) as cold:
        first = _board_plan(plan)
    with counting(plan.services.db.engine) as cached:
        assert _board_plan(plan) == first
    # The board, its version, its chairs and their accounts: not the plan again.
    assert cached.count == cold.count - 6
    ref = plan.calm_refs[0]
    other = build_services(plan.services.settings, clock=plan.services.clock)
    try:
        text = f"{ref} red - the panel lost its chair"
        message = IncomingMessage(_conversation(plan.owner), text, board_hint=plan.board)
        assert type(other.chat.on_message(message)[0]).__name__ == "UpdateRecorded"
    finally:
        other.db.dispose()
    again = {a.ref: a for a in _board_plan(plan).actions}
    assert {a.ref: a.rag for a in first.actions}[ref] is not Rag.RED
    assert again[ref].rag is Rag.RED
    assert again[ref].latest_update == "the panel lost its chair"


def _board_plan(plan: Plan) -> BoardPlan:
    with plan.services.db.session(commit=False) as session:
        board = board_by_name(session, plan.board)
        assert board is not None
        return load_board_plan(session, board)
