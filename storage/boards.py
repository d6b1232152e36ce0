"""Boards, their settings and who chairs them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import func
from sqlalchemy import update as update_statement
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, delete, or_, select

from bot.domain.plan import BoardView, PersonRef
from storage.models import (
    Action,
    ActionOwner,
    ActionUpdate,
    Board,
    BoardChannel,
    BoardRole,
    Milestone,
    Notification,
    Person,
    UpdateChange,
    Workstream,
)
from storage.people import chat_ids_for

CHAIR = "chair"
ADMIN = "admin"


def board_by_name(session: Session, name: str) -> Board | None:
    """Exact name first, then a case-insensitive unique prefix, so `--board worc` works."""
    exact = session.exec(select(Board).where(Board.name == name)).first()
    if exact is not None:
        return exact
    key = name.casefold().strip()
    matches = [b for b in list_boards(session) if b.name.casefold().startswith(key)]
    return matches[0] if len(matches) == 1 else None


def board_named(session: Session, name: str) -> Board | None:
    """By its whole name, case and spacing aside: for changes a prefix is too loose for."""
    key = " ".join(name.split()).casefold()
    found = (b for b in list_boards(session) if " ".join(b.name.split()).casefold() == key)
    return next(found, None)


def boards_for_channel(session: Session, channel_id: str) -> Sequence[Board]:
    """The boards posting to this channel, on whichever platform it is."""
    linked = select(BoardChannel.board_id).where(BoardChannel.channel_id == channel_id)
    return session.exec(
        select(Board)
        .where(or_(Board.channel_id == channel_id, col(Board.id).in_(linked)))
        .order_by(col(Board.id))
    ).all()


def boards_by_id(session: Session, ids: Iterable[int]) -> dict[int, Board]:
    """Many boards in one statement (and in the session, so `session.get` needs no more)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = session.exec(select(Board).where(col(Board.id).in_(wanted))).all()
    return {board.id: board for board in found if board.id is not None}


def list_boards(session: Session) -> Sequence[Board]:
    return session.exec(select(Board).order_by(col(Board.id))).all()


def ensure_board(
    session: Session, name: str, *, now: datetime, timezone: str, holiday_region: str = "ENG"
) -> Board:
    board = session.exec(select(Board).where(Board.name == name)).first()
    if board is None:
        board = Board(
            name=name, timezone=timezone, bank_holiday_region=holiday_region, created_at=now
        )
        session.add(board)
        session.flush()
    return board


def add_role(session: Session, board: Board, person: Person, role: str) -> None:
    exists = session.exec(
        select(BoardRole).where(
            BoardRole.board_id == board.id, BoardRole.person_id == person.id, BoardRole.role == role
        )
    ).first()
    if exists is None:
        assert board.id is not None
        assert person.id is not None
        session.add(BoardRole(board_id=board.id, person_id=person.id, role=role))
        session.flush()


def remove_role(session: Session, board: Board, person: Person, role: str) -> bool:
    """False when they didn't hold it."""
    found = session.exec(
        select(BoardRole).where(
            BoardRole.board_id == board.id, BoardRole.person_id == person.id, BoardRole.role == role
        )
    ).first()
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def role_people(session: Session, board_id: int, role: str) -> Sequence[Person]:
    statement = (
        select(Person)
        .join(BoardRole, col(BoardRole.person_id) == col(Person.id))
        .where(BoardRole.board_id == board_id, BoardRole.role == role)
        .order_by(Person.name_key)
    )
    return session.exec(statement).all()


def has_role(session: Session, board_id: int, person_id: int, roles: Sequence[str]) -> bool:
    statement = select(BoardRole).where(
        BoardRole.board_id == board_id,
        BoardRole.person_id == person_id,
        col(BoardRole.role).in_(roles),
    )
    return session.exec(statement).first() is not None


def boards_with_role(session: Session, person_id: int, role: str) -> Sequence[Board]:
    statement = (
        select(Board)
        .join(BoardRole, col(BoardRole.board_id) == col(Board.id))
        .where(BoardRole.person_id == person_id, BoardRole.role == role)
    )
    return session.exec(statement).all()


def parse_lead_days(text: str) -> tuple[int, ...]:
    days = sorted({int(part) for part in text.replace(" ", "").split(",") if part}, reverse=True)
    return tuple(day for day in days if day >= 0)


def board_view(session: Session, board: Board) -> BoardView:
    return board_views(session, [board])[0]


def all_board_views(session: Session) -> list[BoardView]:
    return board_views(session, list_boards(session))


def board_views(session: Session, boards: Sequence[Board]) -> list[BoardView]:
    """Chairs and admins for many boards in two queries, not three per board."""
    ids = [b.id for b in boards if b.id is not None]
    statement = (
        select(BoardRole, Person)
        .join(Person, col(Person.id) == col(BoardRole.person_id))
        .where(col(BoardRole.board_id).in_(ids))
        .order_by(col(Person.name_key))
    )
    rows = session.exec(statement).all() if ids else []
    chat_ids = chat_ids_for(session, [p.id for _, p in rows if p.id is not None])
    people: dict[tuple[int, str], list[PersonRef]] = {}
    for role, person in rows:
        assert person.id is not None
        ref = PersonRef(
            person.id, person.name, person.role, chat_ids.get(person.id, {}), person.timezone
        )
        people.setdefault((role.board_id, role.role), []).append(ref)
    return [view_of(board, people) for board in boards]


class BoardFields(Protocol):
    """What a board view is made from: a Board, or a row of its columns (the sweep's read)."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def channel_id(self) -> str | None: ...
    @property
    def timezone(self) -> str: ...
    @property
    def bank_holiday_region(self) -> str: ...
    @property
    def digest_weekday(self) -> int: ...
    @property
    def digest_time(self) -> str: ...
    @property
    def reminder_lead_days(self) -> str: ...
    @property
    def nudge_every_days(self) -> int: ...
    @property
    def escalate_after_days(self) -> int: ...


def view_of(board: BoardFields, people: dict[tuple[int, str], list[PersonRef]]) -> BoardView:
    """A board with its chairs and admins (`people`, by board id and role)."""
    assert board.id is not None
    return BoardView(
        id=board.id,
        name=board.name,
        channel_id=board.channel_id,
        timezone=board.timezone,
        bank_holiday_region=board.bank_holiday_region,
        digest_weekday=board.digest_weekday,
        digest_time=board.digest_time,
        reminder_lead_days=parse_lead_days(board.reminder_lead_days),
        chairs=tuple(people.get((board.id, CHAIR), ())),
        admins=tuple(people.get((board.id, ADMIN), ())),
        nudge_every_days=board.nudge_every_days,
        escalate_after_days=board.escalate_after_days,
    )


@dataclass(frozen=True)
class BoardContents:
    """What removing a board takes with it."""

    actions: int
    milestones: int
    workstreams: int
    history: int  # entries in its actions' history
    roles: int  # chairs and admins
    channels: int  # on platforms other than Slack (Slack's is the board's own)


def board_contents(session: Session, board_id: int) -> BoardContents:
    actions = select(Action.id).where(Action.board_id == board_id)

    def count(table: type[SQLModel], *criteria: ColumnElement[bool]) -> int:
        return session.exec(select(func.count()).select_from(table).where(*criteria)).one()

    return BoardContents(
        actions=count(Action, col(Action.board_id) == board_id),
        milestones=count(Milestone, col(Milestone.action_id).in_(actions)),
        workstreams=count(Workstream, col(Workstream.board_id) == board_id),
        history=count(ActionUpdate, col(ActionUpdate.action_id).in_(actions)),
        roles=count(BoardRole, col(BoardRole.board_id) == board_id),
        channels=count(BoardChannel, col(BoardChannel.board_id) == board_id),
    )


def delete_board(session: Session, board: Board) -> None:
    """The board and everything under it: actions, their owners, milestones and history,
    workstreams, chairs and admins, channels, and its sent-message log (whose keys are ids,
    which a new board could be given again)."""
    board_id = board.id
    assert board_id is not None
    actions = select(Action.id).where(Action.board_id == board_id)
    updates = select(ActionUpdate.id).where(col(ActionUpdate.action_id).in_(actions))
    session.exec(delete(UpdateChange).where(col(UpdateChange.update_id).in_(updates)))
    # Undos point at what they undid: clear those links before the rows go.
    session.exec(
        update_statement(ActionUpdate)
        .where(col(ActionUpdate.action_id).in_(actions))
        .values(undoes_id=None)
    )
    session.exec(delete(ActionUpdate).where(col(ActionUpdate.action_id).in_(actions)))
    session.exec(delete(Notification).where(col(Notification.board_id) == board_id))
    session.exec(delete(Notification).where(col(Notification.action_id).in_(actions)))
    session.exec(delete(Milestone).where(col(Milestone.action_id).in_(actions)))
    session.exec(delete(ActionOwner).where(col(ActionOwner.action_id).in_(actions)))
    session.exec(delete(Action).where(col(Action.board_id) == board_id))
    session.exec(delete(Workstream).where(col(Workstream.board_id) == board_id))
    session.exec(delete(BoardRole).where(col(BoardRole.board_id) == board_id))
    session.exec(delete(BoardChannel).where(col(BoardChannel.board_id) == board_id))
    session.delete(board)
    session.flush()
