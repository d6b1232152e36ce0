"""What many App Homes need, read for all of them at once: the statements a redraw sends stay
the same whether it is for one person or fifty (handlers/application/home.py).

Each read takes every person (or every changed action) in one statement, selecting only the
columns it uses; none of them builds an ORM object per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, union
from sqlmodel import Session

from bot.domain.plan import ActionView, BoardPlan
from storage.boards import CHAIR, board_views, boards_by_id
from storage.bulk import chunks
from storage.plan_cache import cache_for
from storage.plan_read import views_where
from storage.plan_version import has_written
from storage.tables import (
    ACTIONS,
    BOARDS,
    CHATS,
    OWNERS,
    PEOPLE,
    ROLES,
)

# (board name, ref) pairs per statement: two parameters each, well inside every limit.
_PAIRS_PER_STATEMENT = 200


@dataclass(frozen=True)
class HomePerson:
    id: int
    name: str


def people_by_account(
    session: Session, platform: str, account_ids: Sequence[str]
) -> dict[str, HomePerson]:
    """account id → the person it is linked to; accounts linked to nobody are left out."""
    found: dict[str, HomePerson] = {}
    wanted = sorted(set(account_ids))
    for start in range(0, len(wanted), _PAIRS_PER_STATEMENT):
        part = wanted[start : start + _PAIRS_PER_STATEMENT]
        statement = (
            select(CHATS.c.external_id, PEOPLE.c.id, PEOPLE.c.name)
            .join(PEOPLE, PEOPLE.c.id == CHATS.c.person_id)
            .where(CHATS.c.platform == platform, CHATS.c.external_id.in_(part))
        )
        for account, person_id, name in session.execute(statement):
            found[str(account)] = HomePerson(int(person_id), str(name))
    return found


def owned_action_ids(session: Session, person_ids: Iterable[int]) -> dict[int, list[int]]:
    """person id → the ids of the actions they own, in id order."""
    owned: dict[int, list[int]] = defaultdict(list)
    for part in chunks(sorted(set(person_ids))):
        statement = (
            select(OWNERS.c.person_id, OWNERS.c.action_id)
            .where(OWNERS.c.person_id.in_(part))
            .order_by(OWNERS.c.action_id)
        )
        for person_id, action_id in session.execute(statement):
            owned[int(person_id)].append(int(action_id))
    return owned


def roles_of(session: Session, person_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """person id → (board id, role) for each board they chair or administer."""
    roles: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for part in chunks(sorted(set(person_ids))):
        statement = select(ROLES.c.person_id, ROLES.c.board_id, ROLES.c.role).where(
            ROLES.c.person_id.in_(part)
        )
        for person_id, board_id, role in session.execute(statement):
            roles[int(person_id)].append((int(board_id), str(role)))
    return roles


def board_names(session: Session, board_ids: Iterable[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for part in chunks(sorted(set(board_ids))):
        statement = select(BOARDS.c.id, BOARDS.c.name).where(BOARDS.c.id.in_(part))
        names.update({int(board_id): str(name) for board_id, name in session.execute(statement)})
    return names


def watcher_accounts(
    session: Session, platform: str, changed: Iterable[tuple[str, str]]
) -> set[str]:
    """The accounts on `platform` of everyone whose Home shows one of the changed actions
    (board name, ref): its owners and its board's chairs. One statement per 200 actions."""
    found: set[str] = set()
    pairs = sorted(set(changed))
    for start in range(0, len(pairs), _PAIRS_PER_STATEMENT):
        part = pairs[start : start + _PAIRS_PER_STATEMENT]
        matched = or_(*(and_(BOARDS.c.name == name, ACTIONS.c.ref == ref) for name, ref in part))
        actions = ACTIONS.join(BOARDS, BOARDS.c.id == ACTIONS.c.board_id)
        action_ids = select(ACTIONS.c.id).select_from(actions).where(matched)
        board_ids = select(ACTIONS.c.board_id).select_from(actions).where(matched)
        people = union(
            select(OWNERS.c.person_id).where(OWNERS.c.action_id.in_(action_ids)),
            select(ROLES.c.person_id).where(ROLES.c.role == CHAIR, ROLES.c.board_id.in_(board_ids)),
        ).subquery()
        statement = select(CHATS.c.external_id).where(
            CHATS.c.platform == platform, CHATS.c.person_id.in_(select(people.c.person_id))
        )
        found |= {str(account) for account in session.execute(statement).scalars()}
    return found


def board_plans(session: Session, versions: dict[int, int]) -> dict[int, BoardPlan]:
    """Several boards' plans, each at the version read for it (board id → version, read
    first, in this transaction): a current copy in the plan cache is used, and the rest are
    read together, so a chair of ten boards costs what a chair of one does."""
    if not versions:
        return {}
    boards = boards_by_id(session, versions)
    shown = {view.id: view for view in board_views(session, list(boards.values()))}
    cache = cache_for(session)
    held = {board_id: cache.get(board_id, versions[board_id]) for board_id in boards}
    missing = sorted(board_id for board_id, views in held.items() if views is None)
    loaded: dict[int, list[ActionView]] = defaultdict(list)
    for part in chunks(missing):
        for view in views_where(session, ACTIONS.c.board_id.in_(part)):
            loaded[view.board_id].append(view)
    keep = not has_written(session)  # its own changes, not yet committed: nobody else's plan
    plans: dict[int, BoardPlan] = {}
    for board_id in boards:
        views = held[board_id]
        if views is None:
            views = tuple(loaded[board_id])
            if keep:
                cache.put(board_id, versions[board_id], views)
        plans[board_id] = BoardPlan(shown[board_id], views)
    return plans
