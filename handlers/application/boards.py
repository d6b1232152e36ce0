"""Boards as their administrators set them up: found, listed, created and configured.

One transaction per call. Settings arrive already checked (handlers.application.rules);
a chair or admin named here who isn't in the plan yet is added as a new person.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
from storage.channels import board_channels, link_board_channel
from storage.db import Database
from storage.models import Board
from storage.people import find_person, get_or_create_person
from storage.plan import action_counts_by_board

TEAMS = "teams"


@dataclass(frozen=True)
class BoardInfo:
    """A board as an adapter needs it: to name it, and to know where it posts."""

    name: str
    channel_id: str | None  # Slack's, as it always was
    timezone: str
    bank_holiday_region: str
    # Platform → the board's channel there, Slack's included (what `find` gives; else empty).
    channels: Mapping[str, str] = field(default_factory=dict)

    @property
    def teams_channel(self) -> str | None:
        return self.channels.get(TEAMS)


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
    # Platform → the channel its digest goes to there, Slack's (`channel`) included.
    channels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BoardSettings:
    """What to change; None leaves a setting as it is.

    `channel` is the board's Slack channel, as it always was; `channels` its channel on other
    platforms (platform → channel id, e.g. {"teams": "19:…@thread.tacv2"}), only those to set.
    """

    channel: str | None = None
    channels: Mapping[str, str] = field(default_factory=dict)
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
            if board is None or board.id is None:
                return None
            return _info(board, board_channels(session, [board])[board.id])

    def names(self) -> list[str]:
        with self.db.session(commit=False) as session:
            return [board.name for board in list_boards(session)]

    def channels(self, platform: str) -> list[str]:
        """Every board's channel on `platform`, each once, in board order: where a platform's
        rosters are read (Teams' people sync asks each board's team for its members)."""
        with self.db.session(commit=False) as session:
            boards = list(list_boards(session))
            linked = board_channels(session, boards)
        found = (linked.get(board.id or 0, {}).get(platform) for board in boards)
        return list(dict.fromkeys(channel for channel in found if channel))

    def lines(self) -> list[BoardLine]:
        with self.db.session(commit=False) as session:
            counts = action_counts_by_board(session)
            boards = list(list_boards(session))
            channels = board_channels(session, boards)
            return [
                _line(session, b, counts.get(b.id or 0, 0), channels.get(b.id or 0, {}))
                for b in boards
            ]

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
            changes += _link_channels(session, board, wanted.channels)
            for role, names in ((CHAIR, chairs), (ADMIN, admins)):
                changes += [_add_role(session, board, person, role, now=now) for person in names]
            counts = action_counts_by_board(session)
            channels = board_channels(session, [board])[board.id or 0]
            line = _line(session, board, counts.get(board.id or 0, 0), channels)
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


def _link_channels(session: Session, board: Board, wanted: Mapping[str, str]) -> list[str]:
    """Each platform's channel that changes ("teams channel: 19:…"); the same one again is no
    change, so running the same command twice lists nothing the second time."""
    if not wanted:
        return []
    assert board.id is not None
    current = board_channels(session, [board])[board.id]
    changes: list[str] = []
    for platform, channel_id in wanted.items():
        if current.get(platform) != channel_id:
            link_board_channel(session, board, platform=platform, channel_id=channel_id)
            changes.append(f"{platform} channel: {channel_id}")
    return changes


def _add_role(session: Session, board: Board, name: str, role: str, *, now: datetime) -> str:
    person = find_person(session, name)
    added = ""
    if person is None:
        person = get_or_create_person(session, name=name, role="", now=now)
        added = " (new person)"
    add_role(session, board, person, role)
    return f"{role}: {person.name}{added}"


def _line(session: Session, board: Board, actions: int, channels: Mapping[str, str]) -> BoardLine:
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
        channels=dict(channels),
    )


def _info(board: Board, channels: Mapping[str, str]) -> BoardInfo:
    return BoardInfo(
        board.name, board.channel_id, board.timezone, board.bank_holiday_region, dict(channels)
    )


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
