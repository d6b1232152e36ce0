"""Actions as the domain's plain views, read column by column: no ORM object per row.

A board read is five statements whatever its size (actions with their workstream, owners,
their chat accounts, milestones, when each turned red), each selecting only the columns the
views show. The rows a query picks are said once, as a condition on the action table, and
every other statement reads "the actions matching that" as a subquery: no IN list of ids, so
a 100,000-action board stays inside every database's parameter limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, select
from sqlmodel import Session

from bot.domain.plan import ActionView, MilestoneView, PersonRef
from bot.domain.rag import Rag
from storage.bulk import chunks
from storage.history import RAG_FIELD
from storage.tables import (
    ACTIONS,
    CHANGES,
    CHATS,
    MILESTONES,
    OWNERS,
    PEOPLE,
    UPDATES,
    WORKSTREAMS,
)

_ACTION_COLUMNS = (
    ACTIONS.c.id,
    ACTIONS.c.board_id,
    ACTIONS.c.ref,
    ACTIONS.c.title,
    WORKSTREAMS.c.name,
    WORKSTREAMS.c.ref,
    ACTIONS.c.review_date,
    ACTIONS.c.review_date_text,
    ACTIONS.c.rag,
    ACTIONS.c.latest_update,
    ACTIONS.c.latest_update_at,
    ACTIONS.c.outcomes,
    ACTIONS.c.measures,
    ACTIONS.c.created_at,
)
_RAGS = {rag.value: rag for rag in Rag}


def views_where(session: Session, criteria: ColumnElement[bool]) -> list[ActionView]:
    """The actions matching `criteria` (on the action table), by id."""
    picked = select(ACTIONS.c.id).where(criteria)
    owners, snoozes = _owners(session, picked)
    milestones = _milestones(session, picked)
    red = _red_since(session, picked)
    statement = (
        select(*_ACTION_COLUMNS)
        .select_from(ACTIONS.outerjoin(WORKSTREAMS, WORKSTREAMS.c.id == ACTIONS.c.workstream_id))
        .where(criteria)
        .order_by(ACTIONS.c.id)
    )
    return [
        ActionView(
            id=row[0],
            board_id=row[1],
            ref=row[2],
            title=row[3],
            workstream=row[4],
            workstream_ref=row[5],
            owners=owners.get(row[0], ()),
            review_date=row[6],
            review_date_text=row[7],
            rag=_RAGS[row[8]] if row[8] else None,
            latest_update=row[9],
            latest_update_at=row[10],
            milestones=milestones.get(row[0], ()),
            outcomes=row[11],
            measures=row[12],
            snoozed_until=snoozes.get(row[0], {}),
            red_since=red.get(row[0]),
            created_at=row[13],
        )
        for row in session.execute(statement).all()
    ]


def views_of(session: Session, ids: Sequence[int]) -> list[ActionView]:
    """Given actions, in chunks: statements grow with how many are asked for, not the plan."""
    found: list[ActionView] = []
    for part in chunks(sorted(set(ids))):
        found += views_where(session, ACTIONS.c.id.in_(part))
    return sorted(found, key=lambda view: view.id)


def _owners(
    session: Session, picked: Select[tuple[int]]
) -> tuple[dict[int, tuple[PersonRef, ...]], dict[int, dict[int, date]]]:
    """Each person once, however many actions they own: one PersonRef shared by all."""
    links = (
        select(OWNERS.c.action_id, OWNERS.c.person_id, OWNERS.c.snoozed_until)
        .where(OWNERS.c.action_id.in_(picked))
        .order_by(OWNERS.c.person_id)
    )
    rows = session.execute(links).all()
    people = _people(session, select(OWNERS.c.person_id).where(OWNERS.c.action_id.in_(picked)))
    found: dict[int, list[PersonRef]] = defaultdict(list)
    snoozes: dict[int, dict[int, date]] = defaultdict(dict)
    for action_id, person_id, snoozed_until in rows:
        found[action_id].append(people[person_id])
        if snoozed_until is not None:
            snoozes[action_id][person_id] = snoozed_until
    return {key: tuple(value) for key, value in found.items()}, snoozes


def _people(session: Session, ids: Select[tuple[int]]) -> dict[int, PersonRef]:
    accounts: dict[int, dict[str, str]] = defaultdict(dict)
    linked = select(CHATS.c.person_id, CHATS.c.platform, CHATS.c.external_id).where(
        CHATS.c.person_id.in_(ids)
    )
    for person_id, platform, external_id in session.execute(linked):
        accounts[person_id][platform] = external_id
    named = select(PEOPLE.c.id, PEOPLE.c.name, PEOPLE.c.role, PEOPLE.c.timezone).where(
        PEOPLE.c.id.in_(ids)
    )
    return {
        pid: PersonRef(pid, name, role, accounts.get(pid, {}), timezone)
        for pid, name, role, timezone in session.execute(named)
    }


def _milestones(
    session: Session, picked: Select[tuple[int]]
) -> dict[int, tuple[MilestoneView, ...]]:
    statement = (
        select(
            MILESTONES.c.action_id,
            MILESTONES.c.position,
            MILESTONES.c.due,
            MILESTONES.c.text,
            MILESTONES.c.done,
            MILESTONES.c.date_text,
        )
        .where(MILESTONES.c.action_id.in_(picked))
        .order_by(MILESTONES.c.action_id, MILESTONES.c.position)
    )
    found: dict[int, list[MilestoneView]] = defaultdict(list)
    for action_id, position, due, text, done, date_text in session.execute(statement).all():
        found[action_id].append(MilestoneView(position, due, text, done, date_text))
    return {key: tuple(value) for key, value in found.items()}


def _red_since(session: Session, picked: Select[tuple[int]]) -> dict[int, datetime]:
    """When each action last turned red (import or chat), for "red for N weeks"."""
    statement = (
        select(UPDATES.c.action_id, UPDATES.c.created_at)
        .join(CHANGES, CHANGES.c.update_id == UPDATES.c.id)
        .where(
            CHANGES.c.field == RAG_FIELD,
            CHANGES.c.after == Rag.RED.value,
            UPDATES.c.action_id.in_(picked),
        )
        .order_by(UPDATES.c.id)
    )
    return dict(session.execute(statement).all())


def rag_before_where(
    session: Session, criteria: ColumnElement[bool], moment: datetime
) -> dict[int, Rag | None]:
    """Each matching action's RAG at `moment`: the first RAG change after it tells."""
    statement = (
        select(UPDATES.c.action_id, CHANGES.c.before)
        .join(CHANGES, CHANGES.c.update_id == UPDATES.c.id)
        .where(
            CHANGES.c.field == RAG_FIELD,
            UPDATES.c.action_id.in_(select(ACTIONS.c.id).where(criteria)),
            UPDATES.c.created_at > moment,
        )
        .order_by(UPDATES.c.id)
    )
    found: dict[int, Rag | None] = {}
    for action_id, before in session.execute(statement):
        if action_id not in found:
            found[action_id] = _RAGS[before] if before else None
    return found
