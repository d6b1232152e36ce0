"""The reminder sweep at 1k, 10k and 100k actions over 1,000 boards.

Actions are the real St Helens and Worcestershire actions, cycled across boards (titles,
owners' names and milestones from the seeds). A fixed number of actions (DUE, default 200)
has a review date inside the reminder window; the rest are reviewed 2-12 months out. If
the sweep's cost follows due items rather than plan size, the times stay close.

Run: python bench/sweep_scale.py [--sizes 1000,10000,100000] [--due 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.clock import ManualClock
from bot.domain.plan import PersonRef
from bot.domain.plan_rows import ActionRow
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plan_files
from bot.ports import Sent
from handlers.application.sample import SAMPLE_BOARDS, sample_file
from schedules.dispatch import Dispatcher
from storage.db import Database
from storage.models import Action, ActionOwner, Board, ChatIdentity, Milestone, Person

BOARDS = 1000
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class CountingNotifier:
    platform = "bench"

    def __init__(self) -> None:
        self.count = 0

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        self.count += 1
        return Sent("dm", str(self.count))

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        self.count += 1
        return Sent(channel, str(self.count))


def seed_rows() -> list[ActionRow]:
    rows: list[ActionRow] = []
    for sample in SAMPLE_BOARDS:
        files = [sample_file(f) for f in sample.files]
        found = read_plan_files(files, as_of=sample.as_of, calendar=WorkingCalendar())
        rows += [r for r in found if "title" in r.present]
    return rows


def build(db: Database, size: int, due: int) -> None:
    """Bulk-insert `size` actions across BOARDS boards; `due` of them reviewed this week."""
    rows = seed_rows()
    today = NOW.date()
    with db.session() as session:
        session.execute(insert(Board), [_board(i) for i in range(BOARDS)])
        people = _people(rows)
        session.execute(insert(Person), people)
        index = {p["name_key"]: n + 1 for n, p in enumerate(people)}
        accounts = [  # everyone reachable on the bench's platform, as a linked council would be
            {"person_id": n, "platform": CountingNotifier.platform, "external_id": f"B{n}"}
            for n in index.values()
        ]
        session.execute(insert(ChatIdentity), accounts)
        actions, owners, milestones = [], [], []
        for i in range(size):
            row = rows[i % len(rows)]
            action_id = i + 1
            review = today + timedelta(days=4 if i < due else 60 + i % 300)
            actions.append(_action(action_id, i, row, review))
            for owner in row.owners[:2]:
                owners.append({"action_id": action_id, "person_id": index[owner.key]})
            for n, _ in enumerate(row.milestones[:3], start=1):
                milestones.append(_milestone(action_id, n, row, today + timedelta(days=90)))
        for table, values in ((Action, actions), (ActionOwner, owners), (Milestone, milestones)):
            for start in range(0, len(values), 20_000):
                session.execute(insert(table), values[start : start + 20_000])


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


def _people(rows: list[ActionRow]) -> list[dict[str, object]]:
    names = {o.key: o for r in rows for o in r.owners}
    return [
        {"name": o.name, "name_key": key, "role": o.role, "created_at": NOW}
        for key, o in names.items()
    ]


def _action(action_id: int, i: int, row: ActionRow, review: date) -> dict[str, object]:
    return {
        "id": action_id,
        "board_id": i % BOARDS + 1,
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


def measure(size: int, due: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.connect(f"sqlite:///{Path(tmp) / 'bench.db'}")
        started = time.perf_counter()
        build(db, size, due)
        built = time.perf_counter() - started
        notifier = CountingNotifier()
        dispatcher = Dispatcher(db=db, clock=ManualClock(NOW), notifier=notifier)
        first = _timed(dispatcher.send_due_reminders)
        steady = [_timed(dispatcher.send_due_reminders) for _ in range(5)]
        print(
            f"{size:>7} actions / {BOARDS} boards: first sweep {first * 1000:8.1f} ms "
            f"({notifier.count} sent)  later sweeps p50 {statistics.median(steady) * 1000:7.1f} ms"
            f"  [built in {built:.1f} s]"
        )
        db.dispose()


def _timed(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--due", type=int, default=200)
    args = parser.parse_args()
    print(f"Reminder sweep, {args.due} actions due (their owners get a reminder), SQLite file")
    for size in (int(s) for s in args.sizes.split(",")):
        measure(size, args.due)


if __name__ == "__main__":
    main()
