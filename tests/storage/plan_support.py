"""A small plan built in code (boards, people, one or more actions) and a history checker.

The race tests need a plan they fully know: who owns what, who chairs which board, and every
field's starting value, so the history can be replayed from the start and checked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from threading import Barrier, Thread
from typing import TypeVar

from sqlmodel import col, select

from bot.clock import ManualClock
from handlers.application.chat import ChatHandlers
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.application.fields import read_field
from storage.boards import ADMIN, CHAIR, add_role, ensure_board
from storage.db import Database
from storage.models import Action, ActionOwner, ActionUpdate, UpdateChange
from storage.people import get_or_create_person

T = TypeVar("T")

FIELDS = ("rag", "review_date", "latest_update")


@dataclass(frozen=True)
class ActionSpec:
    board: str
    ref: str
    owners: tuple[str, ...]
    rag: str = "green"
    review_date: date = date(2027, 3, 1)
    latest_update: str = "first words"


def build_plan(
    db: Database,
    clock: ManualClock,
    actions: Sequence[ActionSpec],
    *,
    chairs: dict[str, str] | None = None,
    admins: dict[str, str] | None = None,
    people: Sequence[str] = (),
) -> dict[tuple[str, str], int]:
    """The actions' ids by (board, ref); `chairs`/`admins` map a person to a board."""
    now = clock.now()
    ids: dict[tuple[str, str], int] = {}
    with db.session() as session:
        for name in people:
            get_or_create_person(session, name=name, role="", now=now)
        for spec in actions:
            board = ensure_board(session, spec.board, now=now, timezone="Europe/London")
            assert board.id is not None
            action = Action(
                board_id=board.id,
                ref=spec.ref,
                title=f"{spec.board} {spec.ref}",
                rag=spec.rag,
                review_date=spec.review_date,
                latest_update=spec.latest_update,
                created_at=now,
                updated_at=now,
            )
            session.add(action)
            session.flush()
            assert action.id is not None
            for owner in spec.owners:
                person = get_or_create_person(session, name=owner, role="", now=now)
                assert person.id is not None
                session.add(ActionOwner(action_id=action.id, person_id=person.id))
            ids[(spec.board, spec.ref)] = action.id
        for roles, role in ((chairs or {}, CHAIR), (admins or {}, ADMIN)):
            for name, board_name in roles.items():
                board = ensure_board(session, board_name, now=now, timezone="Europe/London")
                person = get_or_create_person(session, name=name, role="", now=now)
                add_role(session, board, person, role)
    return ids


def console(who: str) -> Conversation:
    return Conversation(platform="console", user_id=who, channel=f"dm:{who}")


def message(who: str, text: str, event_id: str | None = None) -> IncomingMessage:
    return IncomingMessage(console(who), text, event_id=event_id)


def chat(db: Database, clock: ManualClock) -> ChatHandlers:
    return ChatHandlers(db=db, clock=clock)


def all_at_once(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """Run the jobs on their own threads, released together by a barrier; their results in
    order. An exception in a job fails the caller (re-raised), never passes silently."""
    barrier = Barrier(len(jobs))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], T]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as error:
            errors.append(error)

    threads = [Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(jobs))]


@dataclass(frozen=True)
class Row:
    id: int
    person_id: int | None
    undoes_id: int | None
    undone: bool
    changes: dict[str, tuple[str | None, str | None]]


def history_rows(db: Database, action_id: int) -> list[Row]:
    with db.session(commit=False) as session:
        updates = session.exec(
            select(ActionUpdate)
            .where(ActionUpdate.action_id == action_id)
            .order_by(col(ActionUpdate.id))
        ).all()
        changes: dict[int, dict[str, tuple[str | None, str | None]]] = defaultdict(dict)
        for change in session.exec(
            select(UpdateChange).where(col(UpdateChange.update_id).in_([u.id for u in updates]))
        ):
            changes[change.update_id][change.field] = (change.before, change.after)
        return [
            Row(u.id or 0, u.person_id, u.undoes_id, u.undone_at is not None, changes[u.id or 0])
            for u in updates
        ]


def stale_befores(db: Database, action_id: int, start: dict[str, str | None]) -> list[str]:
    """Every history row whose "before" is not what the previous row left (or the start)."""
    current = dict(start)
    stale: list[str] = []
    for row in history_rows(db, action_id):
        for field, (before, after) in row.changes.items():
            if field in current and current[field] != before:
                stale.append(f"update {row.id} {field}: before {before!r}, was {current[field]!r}")
            current[field] = after
    now_values = field_values(db, action_id)
    for field, value in now_values.items():
        if current.get(field) != value:
            stale.append(f"{field} is {value!r} but the history ends at {current.get(field)!r}")
    return stale


def field_values(db: Database, action_id: int) -> dict[str, str | None]:
    with db.session(commit=False) as session:
        action = session.get(Action, action_id)
        assert action is not None
        return {field: read_field(session, action, field) for field in FIELDS}


def start_values(spec: ActionSpec) -> dict[str, str | None]:
    return {
        "rag": spec.rag,
        "review_date": spec.review_date.isoformat(),
        "latest_update": spec.latest_update,
    }
