"""Boards, their settings and who chairs them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, or_, select

from bot.domain.plan import BoardView, PersonRef
from storage.models import Board, BoardChannel, BoardRole, Person
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


def boards_for_channel(session: Session, channel_id: str) -> Sequence[Board]:
    """The boards posting to this channel, on whichever platform it is."""
    linked = select(BoardChannel.board_id).where(BoardChannel.channel_id == channel_id)
    return session.exec(
        select(Board)
        .where(or_(Board.channel_id == channel_id, col(Board.id).in_(linked)))
        .order_by(col(Board.id))
    ).all()


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
    return [_view(board, people) for board in boards]


def _view(board: Board, people: dict[tuple[int, str], list[PersonRef]]) -> BoardView:
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
