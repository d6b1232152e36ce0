"""The App Home as data: an owner's actions in the order they need attention, and a chair's
boards at a glance. Each platform renders it; the ordering rule lives here, once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.domain.plan import ActionView
from bot.domain.summary import BoardSummary, board_summary, plan_order_key
from handlers.application import identity
from storage.boards import ADMIN, CHAIR, boards_with_role
from storage.db import Database
from storage.home_reads import (
    HomePerson,
    board_names,
    board_plans,
    owned_action_ids,
    people_by_account,
    roles_of,
    watcher_accounts,
)
from storage.models import Person
from storage.plan_cache import board_versions
from storage.plan_read import views_of

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
    """Read-only: one short transaction per view, or per batch of views."""

    def __init__(self, *, db: Database, clock: Clock, default_timezone: str = "Europe/London"):
        self.db = db
        self.clock = clock
        self.default_tz = ZoneInfo(default_timezone)
        self.board_views = BoardViews()

    def home(self, platform: str, user_id: str) -> Home | None:
        """Someone opening their Home: their boards at a glance are summarised afresh.
        None when the account is linked to nobody in the plan."""
        return self.homes(platform, [user_id], fresh=True)[user_id]

    def homes(
        self, platform: str, user_ids: Sequence[str], *, fresh: bool = False
    ) -> dict[str, Home | None]:
        """Many Homes (after a burst of updates) from one read of what they share: each
        board's plan at most once, everyone's own actions in one set of statements, and a
        chair's board summary only where the board changed (`fresh`: every one rebuilt)."""
        today = self.clock.now().astimezone(self.default_tz).date()
        with self.db.session(commit=False) as session:
            people = people_by_account(session, platform, user_ids)
            built = build_homes(session, list(people.values()), today, self.board_views, fresh)
        return {user: built.get(people[user].id) if user in people else None for user in user_ids}

    def administers(self, platform: str, user_id: str) -> tuple[str, ...]:
        """The boards whose plan admin forms this person may use."""
        with self.db.session(commit=False) as session:
            person = _identify(session, platform, user_id)
            if person is None or person.id is None:
                return ()
            return _administered(session, person.id)

    def watchers(self, platform: str, replies: Sequence[object]) -> set[str]:
        """Everyone whose Home shows a changed action: its owners and its board's chairs."""
        changed = set()
        for reply in replies:
            board_name, ref = getattr(reply, "board_name", None), getattr(reply, "ref", None)
            if board_name and ref:
                changed.add((str(board_name), str(ref)))
        if not changed:
            return set()
        with self.db.session(commit=False) as session:
            return watcher_accounts(session, platform, changed)


class BoardViews:
    """Each chaired board's summary under the board's version (bumped by every change to its
    plan, in any process) and the day it was made for: redrawing fifty Homes after an update
    on another board summarises nothing, and one on this board summarises it once."""

    def __init__(self) -> None:
        self._held: dict[int, tuple[int, date, BoardSummary]] = {}
        self._lock = threading.Lock()
        self.rebuilt = 0  # summaries made, for the benchmarks

    def summaries(
        self, session: Session, board_ids: set[int], today: date, *, fresh: bool
    ) -> dict[int, BoardSummary]:
        if not board_ids:
            return {}
        versions = board_versions(session, sorted(board_ids))
        found: dict[int, BoardSummary] = {}
        with self._lock:
            for board_id, version in versions.items():
                held = self._held.get(board_id)
                if not fresh and held is not None and held[:2] == (version, today):
                    found[board_id] = held[2]
        stale = {board_id: versions[board_id] for board_id in versions if board_id not in found}
        for board_id, plan in board_plans(session, stale).items():
            summary = board_summary(plan, today=today)
            found[board_id] = summary
            with self._lock:
                self._held[board_id] = (versions[board_id], today, summary)
                self.rebuilt += 1
        return found


def build_homes(
    session: Session,
    people: Sequence[HomePerson],
    today: date,
    board_views: BoardViews,
    fresh: bool,
) -> dict[int, Home]:
    """person id → Home, in a fixed number of statements however many people."""
    ids = [p.id for p in people]
    owned = owned_action_ids(session, ids)
    views = {
        v.id: v for v in views_of(session, sorted({a for a_ids in owned.values() for a in a_ids}))
    }
    roles = roles_of(session, ids)
    chaired = {board for held in roles.values() for board, role in held if role == CHAIR}
    names = board_names(
        session,
        {v.board_id for v in views.values()}
        | {board for held in roles.values() for board, _ in held},
    )
    summaries = board_views.summaries(session, chaired, today, fresh=fresh)
    return {
        p.id: _home(p, owned.get(p.id, []), roles.get(p.id, []), views, names, summaries, today)
        for p in people
    }


def _home(
    person: HomePerson,
    action_ids: list[int],
    roles: list[tuple[int, str]],
    views: dict[int, ActionView],
    names: dict[int, str],
    summaries: dict[int, BoardSummary],
    today: date,
) -> Home:
    items = [HomeItem(views[i], names.get(views[i].board_id, "")) for i in action_ids if i in views]
    overdue, due_soon, rest = order_items(items, today)
    chaired = sorted(
        (summaries[board] for board, role in roles if role == CHAIR and board in summaries),
        key=lambda summary: summary.board_name,
    )
    return Home(
        person_name=person.name,
        today=today,
        overdue=overdue,
        due_soon=due_soon,
        rest=rest,
        chaired=tuple(chaired),
        administers=tuple(sorted({names[board] for board, _ in roles if board in names})),
    )


def _administered(session: Session, person_id: int) -> tuple[str, ...]:
    boards = (
        *boards_with_role(session, person_id, CHAIR),
        *boards_with_role(session, person_id, ADMIN),
    )
    return tuple(sorted({b.name for b in boards}))


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


def _identify(session: Session, platform: str, user_id: str) -> Person | None:
    return identity.identify(session, platform, user_id)
