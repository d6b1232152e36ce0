"""Boards as their administrators set them up: found, listed, created and configured.

One transaction per call. Settings arrive already checked (handlers.application.rules);
a chair or admin named here who isn't in the plan yet is added as a new person.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.clock import Clock
from handlers.application import rules
from handlers.application.errors import NotFound
from storage.boards import (
    ADMIN,
    CHAIR,
    add_role,
    board_by_name,
    ensure_board,
    list_boards,
    role_people,
)
from storage.db import Database
from storage.models import Board
from storage.people import find_person, get_or_create_person
from storage.plan import action_counts_by_board


@dataclass(frozen=True)
class BoardInfo:
    """A board as an adapter needs it: to name it, and to know where it posts."""

    name: str
    channel_id: str | None
    timezone: str
    bank_holiday_region: str


@dataclass(frozen=True)
class BoardLine:
    """One row of `actionbot boards`: how the board is set up."""

    name: str
    channel: str
    timezone: str
    chairs: tuple[str, ...]
    digest: str  # "Mon 09:00", board time
    lead_days: str
    actions: int


@dataclass(frozen=True)
class BoardSettings:
    """What to change; None leaves a setting as it is."""

    channel: str | None = None
    timezone: str | None = None
    digest_weekday: int | None = None
    digest_time: str | None = None
    lead_days: str | None = None
    nudge_every_days: int | None = None
    escalate_after_days: int | None = None
    bank_holiday_region: str | None = None


@dataclass(frozen=True)
class BoardConfigured:
    name: str
    created: bool
    changes: tuple[str, ...]  # "digest day: Mon", "chair: Bec Windsor (new person)"
    line: BoardLine


class Boards:
    def __init__(
        self, *, db: Database, clock: Clock, default_timezone: str, holiday_region: str
    ) -> None:
        self.db = db
        self.clock = clock
        self.default_timezone = default_timezone
        self.holiday_region = holiday_region

    def find(self, name: str) -> BoardInfo | None:
        """By exact name, else a case-insensitive unique prefix ("worc")."""
        with self.db.session(commit=False) as session:
            board = board_by_name(session, name)
            return _info(board) if board is not None else None

    def names(self) -> list[str]:
        with self.db.session(commit=False) as session:
            return [board.name for board in list_boards(session)]

    def lines(self) -> list[BoardLine]:
        with self.db.session(commit=False) as session:
            counts = action_counts_by_board(session)
            return [_line(session, b, counts.get(b.id or 0, 0)) for b in list_boards(session)]

    def first_chair(self, name: str) -> str | None:
        """The board's first chair, else its first admin: who a demo is for."""
        with self.db.session(commit=False) as session:
            board = board_by_name(session, name)
            if board is None or board.id is None:
                return None
            people = [*role_people(session, board.id, CHAIR)]
            people += role_people(session, board.id, ADMIN)
            return people[0].name if people else None

    def configure(
        self,
        name: str,
        wanted: BoardSettings,
        *,
        chairs: Sequence[str] = (),
        admins: Sequence[str] = (),
        create: bool = False,
    ) -> BoardConfigured:
        """Creates the board only when asked (`create`): a typo in a name must never make a
        new, empty board. Every change is listed."""
        now = self.clock.now()
        with self.db.session() as session:
            board = board_by_name(session, name)
            created = board is None
            if board is None and not create:
                raise NotFound(no_such_board(name, [b.name for b in list_boards(session)]))
            if board is None:
                board = ensure_board(
                    session,
                    name,
                    now=now,
                    timezone=self.default_timezone,
                    holiday_region=self.holiday_region,
                )
            changes = _apply(board, wanted)
            for role, names in ((CHAIR, chairs), (ADMIN, admins)):
                changes += [_add_role(session, board, person, role, now=now) for person in names]
            counts = action_counts_by_board(session)
            line = _line(session, board, counts.get(board.id or 0, 0))
            return BoardConfigured(board.name, created, tuple(changes), line)


def _apply(board: Board, wanted: BoardSettings) -> list[str]:
    fields = (
        ("channel_id", "channel", wanted.channel),
        ("timezone", "timezone", wanted.timezone),
        ("digest_weekday", "digest day", wanted.digest_weekday),
        ("digest_time", "digest time", wanted.digest_time),
        ("reminder_lead_days", "lead days", wanted.lead_days),
        ("nudge_every_days", "nudge every (working days)", wanted.nudge_every_days),
        ("escalate_after_days", "tell the chairs after (working days)", wanted.escalate_after_days),
        ("bank_holiday_region", "bank holidays", wanted.bank_holiday_region),
    )
    changes: list[str] = []
    for attribute, label, value in fields:
        if value is not None and getattr(board, attribute) != value:
            setattr(board, attribute, value)
            shown = value
            if isinstance(value, int) and attribute == "digest_weekday":
                shown = rules.weekday_name(value)
            changes.append(f"{label}: {shown}")
    return changes


def _add_role(session: Session, board: Board, name: str, role: str, *, now: datetime) -> str:
    person = find_person(session, name)
    added = ""
    if person is None:
        person = get_or_create_person(session, name=name, role="", now=now)
        added = " (new person)"
    add_role(session, board, person, role)
    return f"{role}: {person.name}{added}"


def _line(session: Session, board: Board, actions: int) -> BoardLine:
    assert board.id is not None
    chairs = tuple(p.name for p in role_people(session, board.id, CHAIR))
    return BoardLine(
        name=board.name,
        channel=board.channel_id or "",
        timezone=board.timezone,
        chairs=chairs,
        digest=f"{rules.weekday_name(board.digest_weekday)} {board.digest_time}",
        lead_days=board.reminder_lead_days,
        actions=actions,
    )


def _info(board: Board) -> BoardInfo:
    return BoardInfo(board.name, board.channel_id, board.timezone, board.bank_holiday_region)


def no_such_board(name: str, names: Sequence[str]) -> str:
    """ "there's no board called “Worcester”; did you mean “Worcestershire …”?" and the list."""
    close = difflib.get_close_matches(name.casefold(), [n.casefold() for n in names], n=1)
    nearest = next((n for n in names if close and n.casefold() == close[0]), None)
    guess = f"; did you mean “{nearest}”?" if nearest else "."
    known = ", ".join(names) if names else "none yet"
    return (
        f"there's no board called “{name}”{guess} Boards: {known}. "
        "Add --create to make a new board by that name."
    )
