"""Reading a board's plan into the domain's plain views, in a fixed handful of queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from bot.domain.plan import ActionView, BoardPlan
from bot.domain.rag import Rag
from bot.domain.summary import LIST_PAGE, PlacedAction, WorkstreamCount, page_of
from storage.boards import board_view
from storage.db import holds_write_lock
from storage.models import Action, ActionOwner, Board, Milestone, Person
from storage.plan_cache import cached_views
from storage.plan_read import rag_before_where, views_of, views_where
from storage.tables import (
    ACTIONS,
    OWNERS,
    ROLES,
    WORKSTREAMS,
)


class NotAWriteSessionError(RuntimeError):
    """A change was attempted in a unit of work that did not take SQLite's write lock."""


def lock_action(session: Session, action_id: int) -> Action | None:
    """The action, locked for this unit of work, with its values as they stand now.

    Everything that changes an action calls this before reading the values it will replace,
    so two changes to one action take turns and each one's "before" is what was there.
    PostgreSQL: SELECT … FOR UPDATE (waits for a change in progress, then reads its result).
    SQLite: the whole database is locked from BEGIN IMMEDIATE (`Database.session(write=True)`),
    so this only checks that it was.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not holds_write_lock(connection):
            raise NotAWriteSessionError("a change needs Database.session(write=True)")
        return session.get(Action, action_id)
    statement = (
        select(Action)
        .where(Action.id == action_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def find_action(session: Session, board_id: int, ref: str) -> Action | None:
    statement = select(Action).where(Action.board_id == board_id, Action.ref == ref)
    return session.exec(statement).first()


def actions_owned_by(session: Session, person_id: int) -> Sequence[Action]:
    statement = (
        select(Action)
        .join(ActionOwner, col(ActionOwner.action_id) == col(Action.id))
        .where(ActionOwner.person_id == person_id)
        .order_by(col(Action.board_id), col(Action.id))
    )
    return session.exec(statement).all()


def actions_with_ref(session: Session, ref: str) -> Sequence[Action]:
    return session.exec(select(Action).where(Action.ref == ref)).all()


def changeable_ids(
    session: Session, person_id: int, action_ids: Sequence[int], roles: Sequence[str]
) -> set[int]:
    """Of these actions, those the person owns or whose board they hold one of `roles` on:
    one statement however many boards the ref is on."""
    if not action_ids:
        return set()
    owned = select(OWNERS.c.action_id).where(OWNERS.c.person_id == person_id)
    held = select(ROLES.c.board_id).where(ROLES.c.person_id == person_id, ROLES.c.role.in_(roles))
    statement = select(ACTIONS.c.id).where(
        ACTIONS.c.id.in_(list(action_ids)),
        ACTIONS.c.id.in_(owned) | ACTIONS.c.board_id.in_(held),
    )
    return set(session.execute(statement).scalars())


def owner_ids(session: Session, action_id: int) -> set[int]:
    rows = session.exec(select(ActionOwner).where(ActionOwner.action_id == action_id)).all()
    return {row.person_id for row in rows}


def milestones_of(session: Session, action_id: int) -> Sequence[Milestone]:
    statement = (
        select(Milestone).where(Milestone.action_id == action_id).order_by(col(Milestone.position))
    )
    return session.exec(statement).all()


def action_views(session: Session, actions: Sequence[Action]) -> list[ActionView]:
    """Owners, milestones and workstreams for many actions at once (no query per action)."""
    ids = [a.id for a in actions if a.id is not None]
    found = {view.id: view for view in views_of(session, ids)}
    return [found[i] for i in ids if i in found]


def action_view(session: Session, action: Action) -> ActionView:
    assert action.id is not None
    return views_where(session, ACTIONS.c.id == action.id)[0]


def load_board_plan(session: Session, board: Board, *, since: datetime | None = None) -> BoardPlan:
    """The whole board, from this process's copy when the board's version says it is current;
    with `since`, also each action's RAG at that moment."""
    assert board.id is not None
    on_board = ACTIONS.c.board_id == board.id
    views = cached_views(session, board.id, lambda: views_where(session, on_board))
    previous = rag_before_where(session, on_board, since) if since else {}
    return BoardPlan(board_view(session, board), views, previous_rag=previous, previous_at=since)


def board_tally(session: Session, board: Board) -> list[WorkstreamCount]:
    """Counts by workstream and RAG, added up by the database: a summary of any size costs
    one statement and a row a workstream and status."""
    statement = (
        select(WORKSTREAMS.c.ref, WORKSTREAMS.c.name, ACTIONS.c.rag, func.count())
        .select_from(ACTIONS.outerjoin(WORKSTREAMS, WORKSTREAMS.c.id == ACTIONS.c.workstream_id))
        .where(ACTIONS.c.board_id == board.id)
        .group_by(WORKSTREAMS.c.ref, WORKSTREAMS.c.name, ACTIONS.c.rag)
    )
    return [
        WorkstreamCount(ref, name, Rag(rag) if rag else None, int(n))
        for ref, name, rag, n in session.execute(statement)
    ]


def overdue_count(session: Session, board: Board, *, today: date) -> int:
    late = (ACTIONS.c.board_id == board.id) & (ACTIONS.c.review_date < today) & _open_action()
    return int(session.execute(select(func.count()).where(late)).scalar() or 0)


_PLACING: tuple[ColumnElement[Any], ...] = (
    ACTIONS.c.id,
    ACTIONS.c.ref,
    WORKSTREAMS.c.ref,
    WORKSTREAMS.c.name,
    ACTIONS.c.review_date,
)


def _page(
    session: Session, criteria: ColumnElement[bool], *, by_review: bool = False
) -> tuple[list[ActionView], int]:
    """Ordered from refs alone (one light row an action); only the page shown in full.

    By review date, the database finds the page's last date, and only actions up to it (ties
    included) are put in plan order here: a 40,000-action overdue list costs a page."""
    placing = select(*_PLACING).select_from(
        ACTIONS.outerjoin(WORKSTREAMS, WORKSTREAMS.c.id == ACTIONS.c.workstream_id)
    )
    if by_review:
        total = int(session.execute(select(func.count()).where(criteria)).scalar() or 0)
        boundary = session.execute(
            select(ACTIONS.c.review_date)
            .where(criteria)
            .order_by(ACTIONS.c.review_date)
            .offset(LIST_PAGE - 1)
            .limit(1)
        ).scalar()
        if boundary is not None:
            criteria = criteria & (ACTIONS.c.review_date <= boundary)
    rows = session.execute(placing.where(criteria)).all()
    placed = page_of((PlacedAction(*row) for row in rows), overdue=by_review)
    total = total if by_review else len(placed)
    shown = [p.id for p in placed[:LIST_PAGE]]
    views = {v.id: v for v in views_where(session, ACTIONS.c.id.in_(shown))} if shown else {}
    return [views[i] for i in shown if i in views], total


def red_plan(session: Session, board: Board) -> tuple[BoardPlan, int]:
    """The board's first LIST_PAGE red actions in plan order, and how many are red: picked by
    the database (an index on board and RAG), ordered from their refs alone."""
    red = ACTIONS.c.rag == Rag.RED.value
    return _paged(session, board, red, by_review=False)


def overdue_plan(session: Session, board: Board, *, today: date) -> tuple[BoardPlan, int]:
    """The first LIST_PAGE open actions reviewed before `today`, longest-forgotten first."""
    late = (ACTIONS.c.review_date < today) & _open_action()
    return _paged(session, board, late, by_review=True)


def _paged(
    session: Session, board: Board, criteria: ColumnElement[bool], *, by_review: bool
) -> tuple[BoardPlan, int]:
    views, total = _page(session, (ACTIONS.c.board_id == board.id) & criteria, by_review=by_review)
    return BoardPlan(board_view(session, board), tuple(views)), total


def owned_plan(session: Session, board: Board, person_id: int) -> BoardPlan:
    """Only the actions `person_id` owns on the board."""
    owned = select(OWNERS.c.action_id).where(OWNERS.c.person_id == person_id)
    return _part_of(session, board, ACTIONS.c.id.in_(owned))


def _part_of(session: Session, board: Board, criteria: ColumnElement[bool]) -> BoardPlan:
    assert board.id is not None
    views = views_where(session, (ACTIONS.c.board_id == board.id) & criteria)
    return BoardPlan(board_view(session, board), tuple(views))


def _open_action() -> ColumnElement[bool]:
    return ACTIONS.c.rag.is_(None) | (ACTIONS.c.rag != Rag.COMPLETE.value)


def actions_due_for_sweep(
    session: Session, *, reviews: tuple[date, date], milestones: tuple[date, date]
) -> Sequence[Action]:
    """Reviews in range, milestones due in range, and snoozes ending in range: one indexed pass."""
    reviewed = select(Action.id).where(
        col(Action.review_date) >= reviews[0], col(Action.review_date) <= reviews[1]
    )
    milestone_due = select(Milestone.action_id).where(
        col(Milestone.due) >= milestones[0],
        col(Milestone.due) <= milestones[1],
        col(Milestone.done).is_(False),
    )
    snoozed = select(ActionOwner.action_id).where(
        col(ActionOwner.snoozed_until) >= milestones[0],
        col(ActionOwner.snoozed_until) <= reviews[1],
    )
    ids = set(session.exec(reviewed).all())
    ids |= set(session.exec(milestone_due).all())
    ids |= set(session.exec(snoozed).all())
    if not ids:
        return []
    statement = (
        select(Action)
        .where(col(Action.id).in_(ids))
        .where(_open())
        .order_by(col(Action.board_id), col(Action.id))
    )
    return session.exec(statement).all()


def _open() -> ColumnElement[bool]:
    return (col(Action.rag).is_(None)) | (col(Action.rag) != Rag.COMPLETE.value)


# -- plan administration (bot/services/admin.py) ------------------------------------------------


def owners_of(session: Session, action_id: int) -> list[Person]:
    statement = (
        select(Person)
        .join(ActionOwner, col(ActionOwner.person_id) == col(Person.id))
        .where(ActionOwner.action_id == action_id)
        .order_by(col(Person.name_key))
    )
    return list(session.exec(statement).all())


def set_owners(session: Session, action_id: int, person_ids: Sequence[int]) -> None:
    """Owners kept keep their snooze; owners dropped lose their link; new ones are added."""
    wanted = set(person_ids)
    links = session.exec(select(ActionOwner).where(ActionOwner.action_id == action_id)).all()
    for link in links:
        if link.person_id not in wanted:
            session.delete(link)
    for person_id in wanted - {link.person_id for link in links}:
        session.add(ActionOwner(action_id=action_id, person_id=person_id))
    session.flush()


def next_free_ref(session: Session, board_id: int) -> str:
    """The first whole number no action on the board uses: "1", "2"…"""
    taken = set(session.exec(select(Action.ref).where(Action.board_id == board_id)).all())
    number = 1
    while str(number) in taken:
        number += 1
    return str(number)


def append_milestone(
    session: Session, action_id: int, *, due: date | None, date_text: str, text: str
) -> Milestone:
    """Numbered after the existing ones, so "milestone 3 done" keeps meaning the same step."""
    existing = milestones_of(session, action_id)
    position = max((m.position for m in existing), default=0) + 1
    milestone = Milestone(
        action_id=action_id, position=position, due=due, date_text=date_text, text=text
    )
    session.add(milestone)
    session.flush()
    return milestone


def action_counts_by_board(session: Session) -> dict[int, int]:
    statement = select(Action.board_id, func.count(col(Action.id))).group_by(col(Action.board_id))
    return dict(session.exec(statement).all())


def milestone_at(session: Session, action_id: int, position: int) -> Milestone | None:
    statement = select(Milestone).where(
        Milestone.action_id == action_id, Milestone.position == position
    )
    return session.exec(statement.execution_options(populate_existing=True)).first()
