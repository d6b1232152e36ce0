"""The App Home as data: an owner's actions in the order they need attention, and a chair's
boards at a glance. Each platform renders it; the ordering rule lives here, once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.domain.plan import ActionView
from bot.domain.summary import BoardSummary, board_summary, plan_order_key
from handlers.application import identity
from storage.boards import ADMIN, CHAIR, board_by_name, boards_with_role, role_people
from storage.db import Database
from storage.models import Board, Person
from storage.people import chat_ids_for
from storage.plan import (
    action_views,
    actions_owned_by,
    find_action,
    load_board_plan,
    owner_ids,
)

DUE_SOON = timedelta(days=14)


@dataclass(frozen=True)
class HomeItem:
    """One of my actions, labelled by board: an owner may sit on two."""

    action: ActionView
    board_name: str


@dataclass(frozen=True)
class Home:
    person_name: str
    today: date
    overdue: tuple[HomeItem, ...]
    due_soon: tuple[HomeItem, ...]
    rest: tuple[HomeItem, ...]
    chaired: tuple[BoardSummary, ...] = ()
    # Boards this person may administer (chair or admin): where the admin forms apply.
    administers: tuple[str, ...] = ()

    @property
    def action_count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.rest)


class HomeHandler:
    """Read-only: one short transaction per view."""

    def __init__(self, *, db: Database, clock: Clock, default_timezone: str = "Europe/London"):
        self.db = db
        self.clock = clock
        self.default_tz = ZoneInfo(default_timezone)

    def home(self, platform: str, user_id: str) -> Home | None:
        """None when the account is linked to nobody in the plan."""
        today = self.clock.now().astimezone(self.default_tz).date()
        with self.db.session(commit=False) as session:
            person = _identify(session, platform, user_id)
            if person is None or person.id is None:
                return None
            return build_home(session, person, today=today)

    def administers(self, platform: str, user_id: str) -> tuple[str, ...]:
        """The boards whose plan admin forms this person may use."""
        with self.db.session(commit=False) as session:
            person = _identify(session, platform, user_id)
            if person is None or person.id is None:
                return ()
            return _administered(session, person.id)

    def watchers(self, platform: str, replies: Sequence[object]) -> set[str]:
        """Everyone whose Home shows a changed action: its owners and its board's chairs."""
        found: set[str] = set()
        with self.db.session(commit=False) as session:
            for reply in replies:
                board_name, ref = getattr(reply, "board_name", None), getattr(reply, "ref", None)
                board = board_by_name(session, board_name) if board_name else None
                if board is None or board.id is None or not ref:
                    continue
                action = find_action(session, board.id, ref)
                if action is None or action.id is None:
                    continue
                people = [*owner_ids(session, action.id)]
                people += [p.id for p in role_people(session, board.id, CHAIR) if p.id]
                ids = chat_ids_for(session, people)
                found |= {chats[platform] for chats in ids.values() if platform in chats}
        return found


def _administered(session: Session, person_id: int) -> tuple[str, ...]:
    boards = (
        *boards_with_role(session, person_id, CHAIR),
        *boards_with_role(session, person_id, ADMIN),
    )
    return tuple(sorted({b.name for b in boards}))


def build_home(session: Session, person: Person, *, today: date) -> Home:
    assert person.id is not None
    owned = actions_owned_by(session, person.id)
    names = {b.id: b.name for b in _boards(session, {a.board_id for a in owned})}
    items = [HomeItem(v, names.get(v.board_id, "")) for v in action_views(session, owned)]
    overdue, due_soon, rest = order_items(items, today)
    chaired = boards_with_role(session, person.id, CHAIR)
    return Home(
        person_name=person.name,
        today=today,
        overdue=overdue,
        due_soon=due_soon,
        rest=rest,
        chaired=tuple(board_summary(load_board_plan(session, b), today=today) for b in chaired),
        administers=_administered(session, person.id),
    )


def order_items(
    items: list[HomeItem], today: date
) -> tuple[tuple[HomeItem, ...], tuple[HomeItem, ...], tuple[HomeItem, ...]]:
    """Overdue first (oldest first), then due within 14 days, then the rest; done ones last."""

    def when(item: HomeItem) -> tuple[bool, date, object]:
        action = item.action
        return (not action.is_open, action.review_date or date.max, plan_order_key(action))

    overdue = [i for i in items if i.action.is_overdue(today)]
    soon = [i for i in items if i not in overdue and _due_soon(i.action, today)]
    rest = [i for i in items if i not in overdue and i not in soon]
    return (
        tuple(sorted(overdue, key=when)),
        tuple(sorted(soon, key=when)),
        tuple(sorted(rest, key=when)),
    )


def _due_soon(action: ActionView, today: date) -> bool:
    review = action.review_date
    return action.is_open and review is not None and today <= review <= today + DUE_SOON


def _boards(session: Session, ids: set[int]) -> list[Board]:
    return [b for b in (session.get(Board, i) for i in sorted(ids)) if b is not None]


def _identify(session: Session, platform: str, user_id: str) -> Person | None:
    return identity.identify(session, platform, user_id)
