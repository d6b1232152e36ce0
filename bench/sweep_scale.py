"""The whole minute sweep (`Dispatcher.run_once`) at 1k, 10k and 100k actions over 1,000 boards.

What is timed is everything a sweep does: forgetting old events, reading what is near due,
reminders, nudges, milestone reminders, escalations and every board's digest. Each board has
workstreams, its chair, a channel, actions with one to three owners and up to three
milestones (titles, owners and milestones cycled from the bundled St Helens and
Worcestershire plans). Data is bulk-inserted: the sweep is measured, not the import.

Wall-clock percentiles are printed with the process's CPU time per sweep (p50) beside
them: on a shared machine the gap between the two is time spent waiting for a core.

Scenarios: DUE actions (0, 200, 2,000) reviewed tomorrow, so their owners' reminders fall
due; this week's digests either already sent (settled) or not yet sent (1,000 digests due).
Between timed sweeps the send log of what was due is cleared (untimed), so every sweep
faces the same work. If a sweep costs what is due, times follow DUE, not plan size.

Run: python bench/sweep_scale.py [--sizes 1000,10000,100000] [--due 0,200,2000]
     [--repeats 50] [--due-repeats 10] [--digest-repeats 3] [--no-digests-due]
(--repeats: sweeps timed with nothing due; --due-repeats: with DUE > 0; --digest-repeats:
with this week's 1,000 digests due. The first sweep of each is a warm-up, not timed.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.figures

from sqlalchemy import Engine, delete, event, insert

from bench.figures import emit
from bot.clock import ManualClock
from bot.domain.digest import digest_due_at
from bot.domain.plan import PersonRef
from bot.domain.plan_rows import ActionRow
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plan_files
from bot.ports import Sent
from handlers.application.sample import SAMPLE_BOARDS, sample_file
from schedules.dispatch import DIGEST, Dispatcher
from storage.boards import all_board_views
from storage.db import Database
from storage.models import (
    Action,
    ActionOwner,
    Board,
    BoardChannel,
    BoardRole,
    ChatIdentity,
    Milestone,
    Notification,
    Person,
    Workstream,
)
from storage.notifications import SENT, delivery_key

BOARDS = 1000
WORKSTREAMS_PER_BOARD = 5
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, an hour after the 09:00 digests
PLATFORM = "bench"


class CountingNotifier:
    platform = PLATFORM

    def __init__(self) -> None:
        self.count = 0

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        self.count += 1
        return Sent("dm", str(self.count))

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        self.count += 1
        return Sent(channel, str(self.count))


class StatementCounter:
    """Every statement the engine sends, counted by SQLAlchemy's cursor event."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def seed_rows() -> list[ActionRow]:
    rows: list[ActionRow] = []
    for sample in SAMPLE_BOARDS:
        files = [sample_file(f) for f in sample.files]
        found = read_plan_files(files, as_of=sample.as_of, calendar=WorkingCalendar())
        rows += [r for r in found if "title" in r.present]
    return rows


def build(db: Database, size: int, due: int) -> None:
    """Bulk-insert `size` actions across BOARDS boards; `due` of them reviewed tomorrow."""
    rows = seed_rows()
    with db.session() as session:
        people = _people(rows)
        index = {p["name_key"]: n + 1 for n, p in enumerate(people)}
        tables: list[tuple[type, list[dict[str, object]]]] = [
            (Board, [_board(i) for i in range(BOARDS)]),
            (Person, people),
            # Everyone reachable on the bench's platform, as a linked council would be.
            (ChatIdentity, [_account(n) for n in index.values()]),
            (BoardChannel, [_channel(i) for i in range(BOARDS)]),
            (BoardRole, [_chair(i, len(people)) for i in range(BOARDS)]),
            (Workstream, _workstreams(rows)),
            *_plan(rows, index, size, due),
        ]
        for table, values in tables:
            for start in range(0, len(values), 20_000):
                session.execute(insert(table), values[start : start + 20_000])


def _plan(
    rows: list[ActionRow], index: dict[object, int], size: int, due: int
) -> list[tuple[type, list[dict[str, object]]]]:
    today = NOW.date()
    actions: list[dict[str, object]] = []
    owners: list[dict[str, object]] = []
    milestones: list[dict[str, object]] = []
    for i in range(size):
        row = rows[i % len(rows)]
        action_id = i + 1
        review = today + timedelta(days=1 if i < due else 60 + i % 300)
        actions.append(_action(action_id, i, row, review))
        for owner in {o.key: o for o in row.owners[:3]}:
            owners.append({"action_id": action_id, "person_id": index[owner]})
        for n, _ in enumerate(row.milestones[:3], start=1):
            milestones.append(_milestone(action_id, n, row, today + timedelta(days=90)))
    return [(Action, actions), (ActionOwner, owners), (Milestone, milestones)]


def _board(i: int) -> dict[str, object]:
    return {
        "id": i + 1,
        "name": f"Board {i + 1:04d}",
        "timezone": "Europe/London",
        "bank_holiday_region": "ENG",
        "digest_weekday": 0,
        "digest_time": "09:00",
        "reminder_lead_days": "7,1",
        "nudge_every_days": 2,
        "escalate_after_days": 5,
        "created_at": NOW,
    }


def _account(person_id: int) -> dict[str, object]:
    return {"person_id": person_id, "platform": PLATFORM, "external_id": f"B{person_id}"}


def _channel(i: int) -> dict[str, object]:
    return {"board_id": i + 1, "platform": PLATFORM, "channel_id": f"C{i + 1:04d}"}


def _chair(i: int, people: int) -> dict[str, object]:
    return {"board_id": i + 1, "person_id": i % people + 1, "role": "chair"}


def _workstreams(rows: list[ActionRow]) -> list[dict[str, object]]:
    names = sorted({r.workstream for r in rows if r.workstream}) or ["Workstream"]
    return [
        {
            "id": board * WORKSTREAMS_PER_BOARD + n + 1,
            "board_id": board + 1,
            "ref": str(n + 1),
            "name": names[n % len(names)],
        }
        for board in range(BOARDS)
        for n in range(WORKSTREAMS_PER_BOARD)
    ]


def _people(rows: list[ActionRow]) -> list[dict[str, object]]:
    names = {o.key: o for r in rows for o in r.owners}
    return [
        {"name": o.name, "name_key": key, "role": o.role, "created_at": NOW}
        for key, o in names.items()
    ]


def _action(action_id: int, i: int, row: ActionRow, review: date) -> dict[str, object]:
    board = i % BOARDS
    return {
        "id": action_id,
        "board_id": board + 1,
        "workstream_id": board * WORKSTREAMS_PER_BOARD + (i // BOARDS) % WORKSTREAMS_PER_BOARD + 1,
        "ref": str(i // BOARDS + 1),
        "title": row.title,
        "review_date": review,
        "rag": row.rag.value if row.rag else None,
        "latest_update": row.latest_update,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _milestone(action_id: int, n: int, row: ActionRow, due: date) -> dict[str, object]:
    return {
        "action_id": action_id,
        "position": n,
        "due": due + timedelta(days=n),
        "date_text": row.milestones[n - 1].date_text,
        "text": row.milestones[n - 1].text,
        "done": False,
    }


def mark_digests_sent(db: Database) -> None:
    """This week's digest already posted on every board, as after the 09:00 sweep."""
    with db.session() as session:
        views = all_board_views(session)
        session.execute(insert(Notification), [_sent_digest(view) for view in views])


def _sent_digest(board: Any) -> dict[str, object]:
    due_at = digest_due_at(board, now=NOW)
    key = f"digest:{board.id}:{due_at.date().isoformat()}"
    return {
        "key": delivery_key(key, PLATFORM),
        "kind": DIGEST,
        "board_id": board.id,
        "due_at": due_at,
        "status": SENT,
        "claimed_at": due_at,
        "sent_at": due_at,
        "attempts": 1,
        "platform": PLATFORM,
    }


def forget_sends(db: Database, *, digests: bool) -> None:
    """Untimed, between sweeps: what was due is due again (digests too, when they are)."""
    statement = delete(Notification)
    if not digests:
        statement = statement.where(Notification.kind != DIGEST)  # type: ignore[arg-type]
    with db.session() as session:
        session.execute(statement)


@contextmanager
def database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.connect(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            yield db
        finally:
            db.dispose()


def measure(size: int, due: int, *, digests_due: bool, repeats: int) -> str:
    with database() as db:
        started = time.perf_counter()
        build(db, size, due)
        built = time.perf_counter() - started
        if not digests_due:
            mark_digests_sent(db)
        counter = StatementCounter(db.engine)
        notifier = CountingNotifier()
        dispatcher = Dispatcher(db=db, clock=ManualClock(NOW), notifier=notifier)
        times, cpu, statements, sends = [], [], [], []
        for _ in range(repeats + 1):  # the first is a warm-up, not counted
            forget_sends(db, digests=digests_due)
            counter.count, notifier.count = 0, 0
            started_cpu = time.process_time()
            times.append(_timed(dispatcher.run_once))
            cpu.append(time.process_time() - started_cpu)
            statements.append(counter.count)
            sends.append(notifier.count)
        line = _line(size, due, digests_due, times[1:], statements[1:], sends[1:], built)
        return f"{line}  cpu p50 {statistics.median(cpu[1:]) * 1000:.1f} ms"


def _line(
    size: int,
    due: int,
    digests_due: bool,
    times: list[float],
    statements: list[int],
    sends: list[int],
    built: float,
) -> str:
    ms = sorted(t * 1000 for t in times)
    digests = "due    " if digests_due else "settled"
    quiet = due == 0 and not digests_due
    emit(
        "sweep_scale",
        f"run_once, {size:,} actions / 1,000 boards, {due} due, digests {digests.strip()}",
        n=len(ms),
        p50_ms=round(_pct(ms, 0.50), 1),
        p95_ms=round(_pct(ms, 0.95), 1),
        p99_ms=round(_pct(ms, 0.99), 1),
        value=round(statistics.median(statements)),
        unit="statements",
        goal="p99 ≤ 150 ms" if quiet else "",
        **({"ok": _pct(ms, 0.99) <= 150} if quiet else {}),
    )
    return (
        f"{size:>7} {due:>5} {digests} n={len(ms):<3}"
        f" p50 {_pct(ms, 0.50):8.1f}  p95 {_pct(ms, 0.95):8.1f}  p99 {_pct(ms, 0.99):8.1f} ms"
        f"  {statistics.median(statements):>6.0f} stmts  {statistics.median(sends):>5.0f} sent"
        f"  [built {built:.1f} s]"
    )


def _pct(ms: list[float], q: float) -> float:
    return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--due", default="0,200,2000")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--due-repeats", type=int, default=10)
    parser.add_argument("--digest-repeats", type=int, default=3)
    parser.add_argument("--no-digests-due", action="store_true")
    args = parser.parse_args()
    print(f"Dispatcher.run_once over {BOARDS} boards, SQLite file; times per whole sweep")
    print(f"{'actions':>7} {'due':>5} digests")
    for size in (int(s) for s in args.sizes.split(",")):
        for due in (min(int(d), size) for d in args.due.split(",")):
            repeats = args.due_repeats if due else args.repeats
            print(measure(size, due, digests_due=False, repeats=repeats), flush=True)
        if not args.no_digests_due:
            print(measure(size, 0, digests_due=True, repeats=args.digest_repeats), flush=True)


if __name__ == "__main__":
    main()
