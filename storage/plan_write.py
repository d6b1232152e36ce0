"""Writing a worked-out import to the database: new rows, changed rows, and their history.

Runs inside the import's one short write transaction, in table order (workstreams and people
before the actions that point at them), with the bulk statements of storage.bulk.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session

from bot.domain.plan import FieldChange
from storage.bulk import chunks, insert_many, insert_returning, update_many
from storage.people import link_console_accounts
from storage.plan_state import ACTION_FIELDS, ActionRec, BoardState
from storage.tables import (
    ACTIONS,
    CHANGES,
    MILESTONES,
    OWNERS,
    PEOPLE,
    UPDATES,
    WORKSTREAMS,
)

IMPORT_SOURCE = "import"


def write_state(session: Session, state: BoardState, *, board_id: int, now: datetime) -> None:
    """A few multi-row statements per table, not an ORM object (and a flush) per row."""
    changed_workstreams = [w for w in state.workstreams.values() if w.dirty and w.id is not None]
    changed_people = [p for p in state.people.values() if p.dirty and p.id is not None]
    ids = insert_returning(
        session,
        WORKSTREAMS,
        state.new_workstreams,
        lambda w: {"board_id": board_id, "name": w.name, "ref": w.ref, "lead": w.lead},
    )
    for workstream, new_id in zip(state.new_workstreams, ids, strict=True):
        workstream.id = new_id
    update_many(
        session,
        WORKSTREAMS,
        [{"b_id": w.id, "ref": w.ref, "lead": w.lead} for w in changed_workstreams],
    )
    ids = insert_returning(
        session,
        PEOPLE,
        state.new_people,
        lambda p: {
            "name": p.name,
            "name_key": p.name_key,
            "role": p.role,
            "created_at": p.created_at,
        },
    )
    for person, new_id in zip(state.new_people, ids, strict=True):
        person.id = new_id
    # Everyone has a console account, their name, as storage.people.get_or_create_person gives.
    link_console_accounts(session, [(p.id or 0, p.name) for p in state.new_people])
    update_many(
        session,
        PEOPLE,
        [{"b_id": p.id, "role": p.role} for p in changed_people],
    )
    for action in (*state.existing, *state.new_actions):
        stream = state.workstream_of.get(id(action))
        action.workstream_id = stream.id if stream else action.workstream_id
    update_many(
        session,
        ACTIONS,
        [
            {"b_id": a.id, **{name: getattr(a, name) for name in ACTION_FIELDS}}
            for a in state.existing
            if a.dirty
        ],
    )
    ids = insert_returning(
        session,
        ACTIONS,
        state.new_actions,
        lambda a: {"board_id": board_id, **{name: getattr(a, name) for name in ACTION_FIELDS}},
    )
    for action, new_id in zip(state.new_actions, ids, strict=True):
        action.id = new_id
    _write_owners(session, state)
    insert_many(
        session,
        MILESTONES,
        (
            {
                "action_id": m.action.id,
                "position": m.position,
                "due": m.due,
                "date_text": m.date_text,
                "text": m.text,
                "done": m.done,
            }
            for m in state.new_milestones
        ),
    )
    update_many(
        session,
        MILESTONES,
        [
            {"b_id": m.id, "done": m.done}
            for found in state.milestones.values()
            for m in found
            if m.dirty and m.id is not None
        ],
    )
    _insert_history(session, state.history, now=now)


def _write_owners(session: Session, state: BoardState) -> None:
    new = {id(action) for action in state.new_actions}  # nothing to delete on those
    changed = [a.id for a, _people in state.owner_changes.values() if id(a) not in new]
    for ids in chunks([i for i in changed if i is not None]):
        session.execute(delete(OWNERS).where(OWNERS.c.action_id.in_(ids)))
    insert_many(
        session,
        OWNERS,
        (
            {"action_id": action.id, "person_id": person.id}
            for action, people in state.owner_changes.values()
            for person in people
        ),
    )


def _insert_history(
    session: Session, history: list[tuple[ActionRec, str, list[FieldChange]]], *, now: datetime
) -> None:
    ids = insert_returning(
        session,
        UPDATES,
        history,
        lambda entry: {
            "action_id": entry[0].id,
            "person_id": None,
            "source": IMPORT_SOURCE,
            "text": entry[1],
            "created_at": now,
        },
    )
    changes = (
        {"update_id": update_id, "field": c.field, "before": c.before, "after": c.after}
        for update_id, (_action, _text, entry) in zip(ids, history, strict=True)
        for c in entry
    )
    insert_many(session, CHANGES, changes)
