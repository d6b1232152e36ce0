"""The board an import compares against, read in bulk as plain records, not ORM objects.

Plain records let the import be worked out from a snapshot outside the write transaction and
in any session; they also carry what has changed (`dirty`, the `new_*` lists) for the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from bot.domain.plan import FieldChange
from storage.people import name_key
from storage.tables import (
    ACTIONS,
    MILESTONES,
    OWNERS,
    PEOPLE,
    WORKSTREAMS,
)


@dataclass(eq=False)
class ActionRec:
    id: int | None
    ref: str
    title: str
    workstream_id: int | None = None
    outcomes: str | None = None
    measures: str | None = None
    review_date: date | None = None
    review_date_text: str | None = None
    rag: str | None = None
    latest_update: str | None = None
    latest_update_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    dirty: set[str] = field(default_factory=set)


@dataclass(eq=False)
class WorkstreamRec:
    id: int | None
    name: str
    ref: str | None = None
    lead: str | None = None
    dirty: bool = False


@dataclass(eq=False)
class PersonRec:
    id: int | None
    name: str
    name_key: str
    role: str
    created_at: datetime | None = None
    dirty: bool = False


@dataclass(eq=False)
class MilestoneRec:
    id: int | None
    action: ActionRec
    position: int
    due: date | None
    date_text: str
    text: str
    done: bool
    dirty: bool = False


ACTION_FIELDS = (
    "workstream_id",
    "ref",
    "title",
    "outcomes",
    "measures",
    "review_date",
    "review_date_text",
    "rag",
    "latest_update",
    "latest_update_at",
    "created_at",
    "updated_at",
)


@dataclass
class BoardState:
    """Everything an import compares against, and everything it will write."""

    existing: list[ActionRec]
    by_ref: dict[str, ActionRec]
    by_title: dict[str, ActionRec]
    workstreams: dict[str, WorkstreamRec]
    workstream_of: dict[int, WorkstreamRec | None]  # by id(action)
    people: dict[str, PersonRec]
    owners: dict[int, list[PersonRec]]  # by id(action), ordered by person id
    milestones: dict[int, list[MilestoneRec]]  # by id(action)
    new_actions: list[ActionRec] = field(default_factory=list)
    new_workstreams: list[WorkstreamRec] = field(default_factory=list)
    new_people: list[PersonRec] = field(default_factory=list)
    new_person_order: dict[int, int] = field(default_factory=dict)  # id(person) → position
    new_milestones: list[MilestoneRec] = field(default_factory=list)
    owner_changes: dict[int, tuple[ActionRec, list[PersonRec]]] = field(default_factory=dict)
    history: list[tuple[ActionRec, str, list[FieldChange]]] = field(default_factory=list)
    next_number: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, board_id: int | None) -> BoardState:
        actions = [
            ActionRec(**{name: row._mapping[name] for name in ("id", *ACTION_FIELDS)})
            for row in session.execute(
                select(ACTIONS).where(ACTIONS.c.board_id == board_id).order_by(ACTIONS.c.id)
            )
        ]
        by_id = {a.id: a for a in actions}
        workstreams = [
            WorkstreamRec(row.id, row.name, row.ref, row.lead)
            for row in session.execute(
                select(WORKSTREAMS).where(WORKSTREAMS.c.board_id == board_id)
            )
        ]
        workstream_ids = {w.id: w for w in workstreams}
        people = [
            PersonRec(row.id, row.name, row.name_key, row.role)
            for row in session.execute(select(PEOPLE).order_by(PEOPLE.c.id))
        ]
        person_ids = {p.id: p for p in people}
        owners: dict[int, list[PersonRec]] = {id(a): [] for a in actions}
        milestones: dict[int, list[MilestoneRec]] = {id(a): [] for a in actions}
        on_board = select(ACTIONS.c.id).where(ACTIONS.c.board_id == board_id)
        links = select(OWNERS.c.action_id, OWNERS.c.person_id).where(
            OWNERS.c.action_id.in_(on_board)
        )
        for action_id, person_id in session.execute(links):
            owners[id(by_id[action_id])].append(person_ids[person_id])
        steps = select(MILESTONES).where(MILESTONES.c.action_id.in_(on_board))
        for row in session.execute(steps.order_by(MILESTONES.c.id)):
            action = by_id[row.action_id]
            milestones[id(action)].append(
                MilestoneRec(
                    row.id, action, row.position, row.due, row.date_text, row.text, row.done
                )
            )
        for current in owners.values():
            current.sort(key=lambda person: person.id or 0)
        by_title: dict[str, ActionRec] = {}
        for action in actions:
            by_title.setdefault(title_key(action.title), action)
        return cls(
            existing=actions,
            by_ref={a.ref: a for a in actions},
            by_title=by_title,
            workstreams={w.name: w for w in workstreams},
            workstream_of={
                id(a): workstream_ids.get(a.workstream_id) if a.workstream_id else None
                for a in actions
            },
            people={p.name_key: p for p in people},
            owners=owners,
            milestones=milestones,
        )

    def person(self, name: str, role: str, *, now: datetime) -> PersonRec:
        """As storage.people.get_or_create_person does it, without a query per name."""
        key = name_key(name)
        found = self.people.get(key)
        if found is None:
            found = PersonRec(None, " ".join(name.split()), key, role, created_at=now)
            self.people[key] = found
            self.new_person_order[id(found)] = len(self.new_people)
            self.new_people.append(found)
        elif role and not found.role:
            found.role = role
            found.dirty = True
        return found


def title_key(title: str) -> str:
    return " ".join(title.casefold().split())
