"""Writing an imported plan onto a board: create what's new, change what differs, log it all.

An import never blocks the owners for long. `import_rows` works out every change from a
snapshot first, holding no lock; then, in one short write transaction, checks that nothing it
read has changed since (else it works the changes out again, under the lock) and writes them
with a few multi-row statements. A 5,000-action plan holds SQLite's write lock for a fraction
of a second, and the import is still all or nothing.

The board is read as plain records, not ORM objects, so the same code runs in any session
(`apply_rows`, used by the sample loader, runs inside the caller's).

This module holds the import's steps together; each step is its own module: plan_state reads
the board, plan_merge merges the files' rows, plan_changes works out each action's changes and
plan_write writes them, with storage.bulk's statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from bot.domain.plan import FieldChange
from bot.domain.plan_rows import ActionRow, Track, tracking
from storage.boards import board_by_name, ensure_board
from storage.db import Database
from storage.models import Board
from storage.plan_changes import sync_action
from storage.plan_merge import Merged, merge_rows
from storage.plan_state import ActionRec, BoardState
from storage.plan_write import write_state
from storage.tables import (
    ACTIONS,
    MILESTONES,
    OWNERS,
    PEOPLE,
    UPDATES,
    WORKSTREAMS,
)

_PLAN_TRIES = 2  # snapshots tried before the changes are worked out under the lock
_PROGRESS_STEP = 100  # actions between progress updates


@dataclass(frozen=True)
class ReportedChange:
    """One change to an action: `field` is ours ("review_date", "milestone:3"), `column` the
    heading of the file it came from ("Review Date"), so a report speaks the user's words."""

    field: str
    column: str
    before: str | None
    after: str | None


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[ReportedChange]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    not_in_files: list[str] = field(default_factory=list)
    people_created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass(frozen=True)
class NewBoard:
    """How to create the board, if the import finds none by that name."""

    timezone: str
    holiday_region: str


@dataclass(frozen=True)
class ImportOutcome:
    board: str
    created_board: bool
    report: ImportReport
    planned_under_lock: bool


def import_rows(
    db: Database,
    board_name: str,
    rows: Sequence[ActionRow],
    *,
    now: datetime,
    new_board: NewBoard,
    commit: bool = True,
    track: Track | None = None,
) -> ImportOutcome:
    """The CLI's import: plan from a snapshot, then apply in one short write transaction.

    Raises PlanFileError, before anything is written, if a row adds to an action that isn't
    there. `commit=False` does everything and throws it away (a dry run). `track` is told how
    far working out the changes has got (a progress bar for a long plan).
    """
    for _attempt in range(_PLAN_TRIES):
        with db.session(commit=False) as session:
            begin_read(session)
            board = board_by_name(session, board_name)
            seen = _fingerprint(session, board.id if board else None)
            plan = _plan(session, board.id if board else None, rows, now=now, track=track)
        with db.session(commit=commit, write=True) as session:
            begin_write(session)
            board, created = _write_board(session, board_name, new_board, now=now)
            assert board.id is not None
            if _fingerprint(session, None if created else board.id) != seen:
                continue  # someone wrote in between: look again
            report = _apply(session, board.id, plan, now=now)
            return ImportOutcome(board.name, created, report, planned_under_lock=False)
    with db.session(commit=commit, write=True) as session:  # busy board: work it out under the lock
        begin_write(session)
        board, created = _write_board(session, board_name, new_board, now=now)
        assert board.id is not None
        plan = _plan(session, board.id, rows, now=now, track=track)
        report = _apply(session, board.id, plan, now=now)
        return ImportOutcome(board.name, created, report, planned_under_lock=True)


def apply_rows(
    session: Session, board: Board, rows: Sequence[ActionRow], *, now: datetime
) -> ImportReport:
    """Plan and write in the caller's session and transaction (the sample loader's way)."""
    assert board.id is not None
    begin_write(session)
    plan = _plan(session, board.id, rows, now=now)
    return _apply(session, board.id, plan, now=now)


@dataclass
class _Plan:
    state: BoardState
    report: ImportReport


def _plan(
    session: Session,
    board_id: int | None,
    rows: Sequence[ActionRow],
    *,
    now: datetime,
    track: Track | None = None,
) -> _Plan:
    """Every change, worked out in memory from a few bulk reads; nothing is written."""
    state = BoardState.load(session, board_id)
    merged = merge_rows(state, rows)
    report = ImportReport()
    people_before = set(state.people)
    seen: set[int] = set()
    with tracking(track, "Working out the changes", len(merged)) as advance:
        for number, item in enumerate(merged, start=1):
            action, changes = sync_action(state, item, now=now)
            seen.add(id(action))
            _report(report, action, item, changes)
            if changes:
                source = f"imported from {item.first.source.file}"
                state.history.append((action, source, changes))
            if number % _PROGRESS_STEP == 0:
                advance(_PROGRESS_STEP)
        advance(len(merged) % _PROGRESS_STEP)
    report.not_in_files = [a.ref for a in state.existing if id(a) not in seen]
    report.people_created = [p.name for k, p in state.people.items() if k not in people_before]
    return _Plan(state, report)


def _apply(session: Session, board_id: int, plan: _Plan, *, now: datetime) -> ImportReport:
    write_state(session, plan.state, board_id=board_id, now=now)
    return plan.report


def _write_board(
    session: Session, name: str, new_board: NewBoard, *, now: datetime
) -> tuple[Board, bool]:
    found = board_by_name(session, name)
    if found is not None:
        return found, False
    board = ensure_board(
        session,
        name,
        now=now,
        timezone=new_board.timezone,
        holiday_region=new_board.holiday_region,
    )
    return board, True


def begin_write(session: Session) -> None:
    """On SQLite, take the write lock now (BEGIN IMMEDIATE): the reads that follow are then
    the state the writes apply to, and the commit can't fail on a snapshot another writer
    moved on. Elsewhere the database's own transaction does this."""
    _begin(session, "BEGIN IMMEDIATE")


def begin_read(session: Session) -> None:
    """On SQLite, one read transaction, so every read of the plan sees the same snapshot."""
    _begin(session, "BEGIN")


def _begin(session: Session, statement: str) -> None:
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw: Any = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql(statement)


def _fingerprint(session: Session, board_id: int | None) -> tuple[object, ...]:
    """Changes anything the plan was worked out from: every change to an action is in the
    history; people, workstreams, owners and milestones are counted and their ids compared."""
    counts = (
        select(func.max(UPDATES.c.id), func.count(UPDATES.c.id)),
        select(func.max(ACTIONS.c.id), func.count(ACTIONS.c.id)).where(
            ACTIONS.c.board_id == board_id
        ),
        select(func.max(PEOPLE.c.id), func.count(PEOPLE.c.id)),
        select(func.max(WORKSTREAMS.c.id), func.count(WORKSTREAMS.c.id)).where(
            WORKSTREAMS.c.board_id == board_id
        ),
        select(func.max(MILESTONES.c.id), func.count(MILESTONES.c.id)),
        select(func.count()).select_from(OWNERS),
    )
    return tuple(tuple(session.execute(query).one()) for query in counts)


def _is_new(changes: list[FieldChange]) -> bool:
    return any(c.field == "created" for c in changes)


def _report(
    report: ImportReport, action: ActionRec, item: Merged, changes: list[FieldChange]
) -> None:
    if _is_new(changes):
        report.created.append(action.ref)
    elif changes:
        report.updated[action.ref] = [
            ReportedChange(c.field, _column(item, c.field), c.before, c.after) for c in changes
        ]
    else:
        report.unchanged.append(action.ref)


def _column(item: Merged, name: str) -> str:
    """The heading the change came from; our own name when no file gave one."""
    base = "milestones" if name.startswith("milestone:") else name
    return item.columns.get(base, base)
