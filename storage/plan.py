"""Reading a board's plan into the domain's plain views, in a fixed handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from bot.domain.plan import ActionView, BoardPlan, MilestoneView, PersonRef
from bot.domain.rag import Rag
from storage.boards import board_view
from storage.db import holds_write_lock
from storage.history import rag_before, red_since
from storage.models import Action, ActionOwner, Board, Milestone, Person, Workstream
from storage.people import chat_ids_for


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
    if not ids:
        return []
    owners, snoozes = _owners_by_action(session, ids)
    milestones = _milestones_by_action(session, ids)
    red = red_since(session, ids)
    ws_ids = {a.workstream_id for a in actions if a.workstream_id is not None}
    workstreams = {
        w.id: w for w in session.exec(select(Workstream).where(col(Workstream.id).in_(ws_ids)))
    }
    return [
        replace(
            _view(a, owners, milestones, workstreams),
            snoozed_until=snoozes.get(a.id or 0, {}),
            red_since=red.get(a.id or 0),
            created_at=a.created_at,
        )
        for a in actions
    ]


def action_view(session: Session, action: Action) -> ActionView:
    return action_views(session, [action])[0]


def _view(
    action: Action,
    owners: dict[int, tuple[PersonRef, ...]],
    milestones: dict[int, tuple[MilestoneView, ...]],
    workstreams: dict[int | None, Workstream],
) -> ActionView:
    assert action.id is not None
    workstream = workstreams.get(action.workstream_id)
    return ActionView(
        id=action.id,
        board_id=action.board_id,
        ref=action.ref,
        title=action.title,
        workstream=workstream.name if workstream else None,
        workstream_ref=workstream.ref if workstream else None,
        owners=owners.get(action.id, ()),
        review_date=action.review_date,
        review_date_text=action.review_date_text,
        rag=Rag(action.rag) if action.rag else None,
        latest_update=action.latest_update,
        latest_update_at=action.latest_update_at,
        milestones=milestones.get(action.id, ()),
        outcomes=action.outcomes,
        measures=action.measures,
    )


def _owners_by_action(
    session: Session, ids: list[int]
) -> tuple[dict[int, tuple[PersonRef, ...]], dict[int, dict[int, date]]]:
    statement = (
        select(ActionOwner, Person)
        .join(Person, col(Person.id) == col(ActionOwner.person_id))
        .where(col(ActionOwner.action_id).in_(ids))
        .order_by(col(Person.id))
    )
    rows = session.exec(statement).all()
    chat_ids = chat_ids_for(session, [p.id for _, p in rows if p.id is not None])
    found: dict[int, list[PersonRef]] = defaultdict(list)
    snoozes: dict[int, dict[int, date]] = defaultdict(dict)
    for link, person in rows:
        assert person.id is not None
        action_id, snoozed_until = link.action_id, link.snoozed_until
        ids_here = chat_ids.get(person.id, {})
        found[action_id].append(
            PersonRef(person.id, person.name, person.role, ids_here, person.timezone)
        )
        if snoozed_until is not None:
            snoozes[action_id][person.id] = snoozed_until
    return {key: tuple(value) for key, value in found.items()}, snoozes


def _milestones_by_action(session: Session, ids: list[int]) -> dict[int, tuple[MilestoneView, ...]]:
    statement = (
        select(Milestone)
        .where(col(Milestone.action_id).in_(ids))
        .order_by(col(Milestone.action_id), col(Milestone.position))
    )
    found: dict[int, list[MilestoneView]] = defaultdict(list)
    for m in session.exec(statement).all():
        found[m.action_id].append(MilestoneView(m.position, m.due, m.text, m.done, m.date_text))
    return {key: tuple(value) for key, value in found.items()}


def load_board_plan(session: Session, board: Board, *, since: datetime | None = None) -> BoardPlan:
    """The whole board; with `since`, also each action's RAG at that moment."""
    assert board.id is not None
    actions = session.exec(
        select(Action).where(Action.board_id == board.id).order_by(col(Action.id))
    ).all()
    views = tuple(action_views(session, actions))
    previous = rag_before(session, [v.id for v in views], since) if since else {}
    return BoardPlan(board_view(session, board), views, previous_rag=previous, previous_at=since)


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
