"""The stored plan back out: as rows the plan writer lays out, or as JSON with its history."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from bot.domain.plan import ActionView, HistoryEntry, PersonRef
from bot.domain.plan_rows import FIELDS, ActionRow, MilestoneRow, OwnerName, SourceRef
from bot.domain.rag import Rag
from storage.boards import board_view
from storage.history import action_history
from storage.models import Action, Board, Workstream
from storage.plan import action_views
from storage.tables import ACTIONS, MILESTONES, OWNERS, PEOPLE, WORKSTREAMS

EXPORT_SOURCE = "database"
# An export is the record: every history entry, not the page /rag shows.
ALL_HISTORY = 1_000_000
# Actions read (and written out) at a time: three statements a batch, and memory that stays
# flat however big the board is.
EXPORT_BATCH = 2_000
_RAGS = {rag.value: rag for rag in Rag}


def board_actions(session: Session, board: Board) -> list[ActionView]:
    """In the order they were created, which is the order of the plan they came from."""
    assert board.id is not None
    statement = select(Action).where(Action.board_id == board.id).order_by(col(Action.id))
    return action_views(session, session.exec(statement).all())


def workstream_leads(session: Session, board: Board) -> dict[str, str | None]:
    """Leads by workstream name: the only workstream fact the action views leave out."""
    rows = session.exec(select(Workstream).where(Workstream.board_id == board.id)).all()
    return {w.name: w.lead for w in rows}


def board_rows(session: Session, board: Board) -> list[ActionRow]:
    """Every field the writer knows, so writing and reading back changes nothing."""
    leads = workstream_leads(session, board)
    return [
        action_row(view, number, leads.get(view.workstream or ""))
        for number, view in enumerate(board_actions(session, board), start=1)
    ]


def action_row(view: ActionView, number: int, lead: str | None) -> ActionRow:
    return ActionRow(
        source=SourceRef(EXPORT_SOURCE, number),
        present=frozenset(FIELDS),
        ref=view.ref,
        title=view.title,
        workstream_ref=view.workstream_ref,
        workstream=view.workstream,
        workstream_lead=lead,
        outcomes=view.outcomes,
        measures=view.measures,
        owners=tuple(OwnerName(owner.name, owner.role) for owner in view.owners),
        review_date=view.review_date,
        review_date_text=view.review_date_text,
        rag=view.rag,
        latest_update=view.latest_update,
        milestones=tuple(MilestoneRow(m.due, m.date_text, m.text, m.done) for m in view.milestones),
    )


def stream_rows(session: Session, board_id: int) -> Iterator[ActionRow]:
    """The rows of `board_rows`, read a batch at a time and given as they are read, so an
    export of 100,000 actions never holds the board: three plain selects a batch (actions with
    their workstream, owners, milestones), no ORM object per row."""
    last, number = 0, 0
    while True:
        batch = session.execute(
            select_columns(*_EXPORT_COLUMNS)
            .select_from(
                ACTIONS.outerjoin(WORKSTREAMS, WORKSTREAMS.c.id == ACTIONS.c.workstream_id)
            )
            .where(ACTIONS.c.board_id == board_id, ACTIONS.c.id > last)
            .order_by(ACTIONS.c.id)
            .limit(EXPORT_BATCH)
        ).all()
        if not batch:
            return
        in_batch = (ACTIONS.c.board_id == board_id) & ACTIONS.c.id.between(
            batch[0][0], batch[-1][0]
        )
        owners, milestones = _owners_in(session, in_batch), _milestones_in(session, in_batch)
        for row in batch:
            number += 1
            yield _export_row(row, number, owners.get(row[0], ()), milestones.get(row[0], ()))
        last = batch[-1][0]


_EXPORT_COLUMNS = (
    ACTIONS.c.id,
    ACTIONS.c.ref,
    ACTIONS.c.title,
    WORKSTREAMS.c.ref,
    WORKSTREAMS.c.name,
    WORKSTREAMS.c.lead,
    ACTIONS.c.outcomes,
    ACTIONS.c.measures,
    ACTIONS.c.review_date,
    ACTIONS.c.review_date_text,
    ACTIONS.c.rag,
    ACTIONS.c.latest_update,
)


def _export_row(
    row: Any, number: int, owners: tuple[OwnerName, ...], milestones: tuple[MilestoneRow, ...]
) -> ActionRow:
    _id, ref, title, stream_ref, stream, lead, outcomes, measures, due, due_text, rag, update = row
    return ActionRow(
        source=SourceRef(EXPORT_SOURCE, number),
        present=frozenset(FIELDS),
        ref=ref,
        title=title,
        workstream_ref=stream_ref,
        workstream=stream,
        workstream_lead=lead,
        outcomes=outcomes,
        measures=measures,
        owners=owners,
        review_date=due,
        review_date_text=due_text,
        rag=_RAGS[rag] if rag else None,
        latest_update=update,
        milestones=milestones,
    )


def _owners_in(session: Session, in_batch: ColumnElement[bool]) -> dict[int, tuple[OwnerName, ...]]:
    """By person id within an action, as the action views order them."""
    statement = (
        select_columns(OWNERS.c.action_id, PEOPLE.c.name, PEOPLE.c.role)
        .join(PEOPLE, PEOPLE.c.id == OWNERS.c.person_id)
        .where(OWNERS.c.action_id.in_(select_columns(ACTIONS.c.id).where(in_batch)))
        .order_by(OWNERS.c.action_id, OWNERS.c.person_id)
    )
    found: dict[int, list[OwnerName]] = defaultdict(list)
    for action_id, name, role in session.execute(statement):
        found[action_id].append(OwnerName(name, role))
    return {key: tuple(value) for key, value in found.items()}


def _milestones_in(
    session: Session, in_batch: ColumnElement[bool]
) -> dict[int, tuple[MilestoneRow, ...]]:
    statement = (
        select_columns(
            MILESTONES.c.action_id,
            MILESTONES.c.due,
            MILESTONES.c.date_text,
            MILESTONES.c.text,
            MILESTONES.c.done,
        )
        .where(MILESTONES.c.action_id.in_(select_columns(ACTIONS.c.id).where(in_batch)))
        .order_by(MILESTONES.c.action_id, MILESTONES.c.position)
    )
    found: dict[int, list[MilestoneRow]] = defaultdict(list)
    for action_id, due, date_text, text, done in session.execute(statement):
        found[action_id].append(MilestoneRow(due, date_text, text, done))
    return {key: tuple(value) for key, value in found.items()}


# -- JSON ----------------------------------------------------------------------------------------


def board_json(session: Session, board: Board, *, exported_at: datetime) -> dict[str, Any]:
    """The board, its actions, milestones and full history: a complete, readable record."""
    view = board_view(session, board)
    leads = workstream_leads(session, board)
    actions = [
        _action_json(session, action, leads.get(action.workstream or ""))
        for action in board_actions(session, board)
    ]
    return {
        "exported_at": exported_at.isoformat(),
        "board": {
            "name": view.name,
            "channel_id": view.channel_id,
            "timezone": view.timezone,
            "bank_holiday_region": view.bank_holiday_region,
            "digest_weekday": view.digest_weekday,
            "digest_time": view.digest_time,
            "reminder_lead_days": list(view.reminder_lead_days),
            "chairs": [_person_json(p) for p in view.chairs],
            "admins": [_person_json(p) for p in view.admins],
        },
        "actions": actions,
    }


def _action_json(session: Session, view: ActionView, lead: str | None) -> dict[str, Any]:
    history = list(reversed(action_history(session, view.id, limit=ALL_HISTORY)))
    return {
        "ref": view.ref,
        "title": view.title,
        "workstream_ref": view.workstream_ref,
        "workstream": view.workstream,
        "workstream_lead": lead,
        "outcomes": view.outcomes,
        "measures": view.measures,
        "owners": [_person_json(p) for p in view.owners],
        "review_date": to_jsonable(view.review_date),
        "review_date_text": view.review_date_text,
        "rag": to_jsonable(view.rag),
        "latest_update": view.latest_update,
        "latest_update_at": to_jsonable(view.latest_update_at),
        "milestones": [to_jsonable(m) for m in view.milestones],
        "history": [_history_json(entry) for entry in history],
    }


def _person_json(person: PersonRef) -> dict[str, Any]:
    return {"name": person.name, "role": person.role}


def _history_json(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "who": entry.who,
        "source": entry.source,
        "text": entry.text,
        "changes": [
            {"field": c.field, "before": c.before, "after": c.after} for c in entry.changes
        ],
        "undone": entry.undone,
        "is_undo": entry.is_undo,
    }


def to_jsonable(value: object) -> Any:
    """Dataclasses, dates, enums and enum-keyed dicts as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {_json_key(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    return value


def _json_key(key: object) -> str:
    """RAG counts are keyed by Rag or None (no assessment yet)."""
    if key is None:
        return "none"
    if isinstance(key, Enum):
        return str(key.value)
    return str(key)
