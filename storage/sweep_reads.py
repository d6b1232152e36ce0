"""Every board as the minute sweep needs it, from plain column reads.

The sweep reads all boards every minute, even when nothing is due; an ORM object per board,
role and account cost more than the rest of a quiet sweep at 1,000 boards. Four statements
whatever the number of boards: boards, their chairs and admins, those people's accounts,
and the boards' channels on platforms other than Slack.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from bot.domain.plan import BoardView, PersonRef
from storage.boards import view_of
from storage.channels import SLACK
from storage.models import Board, BoardChannel, BoardRole, ChatIdentity, Person


@dataclass(frozen=True)
class SweepBoards:
    """Views in board id order; channels by board id, platform → channel id."""

    views: list[BoardView]
    channels: dict[int, dict[str, str]]


def sweep_boards(session: Session) -> SweepBoards:
    people = _role_people(session)
    statement = select(
        col(Board.id),
        col(Board.name),
        col(Board.channel_id),
        col(Board.timezone),
        col(Board.bank_holiday_region),
        col(Board.digest_weekday),
        col(Board.digest_time),
        col(Board.reminder_lead_days),
        col(Board.nudge_every_days),
        col(Board.escalate_after_days),
    ).order_by(col(Board.id))
    views: list[BoardView] = []
    channels: dict[int, dict[str, str]] = {}
    for row in session.execute(statement).all():
        views.append(view_of(row, people))
        channels[row[0]] = {SLACK: row.channel_id} if row.channel_id else {}
    linked = select(
        col(BoardChannel.board_id), col(BoardChannel.platform), col(BoardChannel.channel_id)
    )
    for board_id, platform, channel_id in session.execute(linked).all():
        channels.setdefault(board_id, {})[platform] = channel_id
    return SweepBoards(views, channels)


def _role_people(session: Session) -> dict[tuple[int, str], list[PersonRef]]:
    """(board id, role) → its people, by name as storage.boards.board_views orders them."""
    statement = (
        select(
            col(BoardRole.board_id),
            col(BoardRole.role),
            col(Person.id),
            col(Person.name),
            col(Person.role),
            col(Person.timezone),
        )
        .join(Person, col(Person.id) == col(BoardRole.person_id))
        .order_by(col(Person.name_key))
    )
    rows = session.execute(statement).all()
    accounts = select(
        col(ChatIdentity.person_id), col(ChatIdentity.platform), col(ChatIdentity.external_id)
    ).where(col(ChatIdentity.person_id).in_(select(col(BoardRole.person_id)).distinct()))
    chat_ids: dict[int, dict[str, str]] = defaultdict(dict)
    for person_id, platform, external_id in session.execute(accounts).all():
        chat_ids[person_id][platform] = external_id
    people: dict[tuple[int, str], list[PersonRef]] = defaultdict(list)
    for board_id, role, person_id, name, person_role, timezone in rows:
        ref = PersonRef(person_id, name, person_role, dict(chat_ids.get(person_id, {})), timezone)
        people[(board_id, role)].append(ref)
    return people
