"""Writing an imported plan onto a board: create what's new, change what differs, log it all.

An import never blocks the owners for long. `import_rows` works out every change from a
snapshot first, holding no lock; then, in one short write transaction, checks that nothing it
read has changed since (else it works the changes out again, under the lock) and writes them
with a few multi-row statements. A 5,000-action plan holds SQLite's write lock for a fraction
of a second, and the import is still all or nothing.

The board is read as plain records, not ORM objects, so the same code runs in any session
(`apply_rows`, used by the sample loader, runs inside the caller's).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlmodel import Session

from bot.domain.plan import FieldChange
from bot.domain.plan_rows import ActionRow, CellError, MilestoneRow, OwnerName, PlanFileError
from bot.domain.safety import clean_text
from storage.boards import board_by_name, ensure_board
from storage.db import Database
from storage.models import (
    Action,
    ActionOwner,
    ActionUpdate,
    Board,
    Milestone,
    Person,
    UpdateChange,
    Workstream,
)
from storage.people import link_console_accounts, name_key

IMPORT_SOURCE = "import"
_TEXT_FIELDS = ("title", "outcomes", "measures", "latest_update")
_CHUNK = 500  # ids per IN (...) list, well inside every database's parameter limit
_PLAN_TRIES = 2  # snapshots tried before the changes are worked out under the lock


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


ACTIONS = _table(Action)
OWNERS = _table(ActionOwner)
UPDATES = _table(ActionUpdate)
MILESTONES = _table(Milestone)
PEOPLE = _table(Person)
CHANGES = _table(UpdateChange)
WORKSTREAMS = _table(Workstream)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    not_in_files: list[str] = field(default_factory=list)
    people_created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class _Merged:
    """One action as all the files together describe it."""

    first: ActionRow
    values: dict[str, object] = field(default_factory=dict)
    owners: list[OwnerName] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.values


@dataclass(frozen=True)
class NewBoard:
    """How to create the board, if the import finds none by that name."""

    timezone: str
    holiday_region: str


@dataclass(frozen=True)
class ImportOutcome:
    board: str
    created_board: bool
    report: ImportReport
    planned_under_lock: bool


def import_rows(
    db: Database,
    board_name: str,
    rows: Sequence[ActionRow],
    *,
    now: datetime,
    new_board: NewBoard,
    commit: bool = True,
) -> ImportOutcome:
    """The CLI's import: plan from a snapshot, then apply in one short write transaction.

    Raises PlanFileError, before anything is written, if a row adds to an action that isn't
    there. `commit=False` does everything and throws it away (a dry run).
    """
    for _attempt in range(_PLAN_TRIES):
        with db.session(commit=False) as session:
            begin_read(session)
            board = board_by_name(session, board_name)
            seen = _fingerprint(session, board.id if board else None)
            plan = _plan(session, board.id if board else None, rows, now=now)
        with db.session(commit=commit, write=True) as session:
            begin_write(session)
            board, created = _write_board(session, board_name, new_board, now=now)
            assert board.id is not None
            if _fingerprint(session, None if created else board.id) != seen:
                continue  # someone wrote in between: look again
            report = _apply(session, board.id, plan, now=now)
            return ImportOutcome(board.name, created, report, planned_under_lock=False)
    with db.session(commit=commit, write=True) as session:  # busy board: work it out under the lock
        begin_write(session)
        board, created = _write_board(session, board_name, new_board, now=now)
        assert board.id is not None
        report = apply_rows(session, board, rows, now=now)
        return ImportOutcome(board.name, created, report, planned_under_lock=True)


def apply_rows(
    session: Session, board: Board, rows: Sequence[ActionRow], *, now: datetime
) -> ImportReport:
    """Plan and write in the caller's session and transaction (the sample loader's way)."""
    assert board.id is not None
    begin_write(session)
    plan = _plan(session, board.id, rows, now=now)
    return _apply(session, board.id, plan, now=now)


@dataclass
class _Plan:
    state: _BoardState
    report: ImportReport


def _plan(
    session: Session, board_id: int | None, rows: Sequence[ActionRow], *, now: datetime
) -> _Plan:
    """Every change, worked out in memory from a few bulk reads; nothing is written."""
    state = _BoardState.load(session, board_id)
    merged = _merge(state, rows)
    report = ImportReport()
    people_before = set(state.people)
    seen: set[int] = set()
    for item in merged:
        action, changes = _sync_action(state, item, now=now)
        seen.add(id(action))
        _report(report, action, changes)
        if changes:
            state.history.append((action, f"imported from {item.first.source.file}", changes))
    report.not_in_files = [a.ref for a in state.existing if id(a) not in seen]
    report.people_created = [p.name for k, p in state.people.items() if k not in people_before]
    return _Plan(state, report)


def _apply(session: Session, board_id: int, plan: _Plan, *, now: datetime) -> ImportReport:
    _write(session, plan.state, board_id=board_id, now=now)
    return plan.report


def _write_board(
    session: Session, name: str, new_board: NewBoard, *, now: datetime
) -> tuple[Board, bool]:
    found = board_by_name(session, name)
    if found is not None:
        return found, False
    board = ensure_board(
        session,
        name,
        now=now,
        timezone=new_board.timezone,
        holiday_region=new_board.holiday_region,
    )
    return board, True


def begin_write(session: Session) -> None:
    """On SQLite, take the write lock now (BEGIN IMMEDIATE): the reads that follow are then
    the state the writes apply to, and the commit can't fail on a snapshot another writer
    moved on. Elsewhere the database's own transaction does this."""
    _begin(session, "BEGIN IMMEDIATE")


def begin_read(session: Session) -> None:
    """On SQLite, one read transaction, so every read of the plan sees the same snapshot."""
    _begin(session, "BEGIN")


def _begin(session: Session, statement: str) -> None:
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw: Any = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql(statement)


def _fingerprint(session: Session, board_id: int | None) -> tuple[object, ...]:
    """Changes anything the plan was worked out from: every change to an action is in the
    history; people, workstreams, owners and milestones are counted and their ids compared."""
    counts = (
        select(func.max(UPDATES.c.id), func.count(UPDATES.c.id)),
        select(func.max(ACTIONS.c.id), func.count(ACTIONS.c.id)).where(
            ACTIONS.c.board_id == board_id
        ),
        select(func.max(PEOPLE.c.id), func.count(PEOPLE.c.id)),
        select(func.max(WORKSTREAMS.c.id), func.count(WORKSTREAMS.c.id)).where(
            WORKSTREAMS.c.board_id == board_id
        ),
        select(func.max(MILESTONES.c.id), func.count(MILESTONES.c.id)),
        select(func.count()).select_from(OWNERS),
    )
    return tuple(tuple(session.execute(query).one()) for query in counts)


def _is_new(changes: list[FieldChange]) -> bool:
    return any(c.field == "created" for c in changes)


def _report(report: ImportReport, action: _ActionRec, changes: list[FieldChange]) -> None:
    if _is_new(changes):
        report.created.append(action.ref)
    elif changes:
        report.updated[action.ref] = [c.field for c in changes]
    else:
        report.unchanged.append(action.ref)


# -- the board as it stands, read in bulk as plain records --------------------------------------


@dataclass(eq=False)
class _ActionRec:
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
class _WorkstreamRec:
    id: int | None
    name: str
    ref: str | None = None
    lead: str | None = None
    dirty: bool = False


@dataclass(eq=False)
class _PersonRec:
    id: int | None
    name: str
    name_key: str
    role: str
    created_at: datetime | None = None
    dirty: bool = False


@dataclass(eq=False)
class _MilestoneRec:
    id: int | None
    action: _ActionRec
    position: int
    due: date | None
    date_text: str
    text: str
    done: bool
    dirty: bool = False


_ACTION_FIELDS = (
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
class _BoardState:
    """Everything an import compares against, and everything it will write."""

    existing: list[_ActionRec]
    by_ref: dict[str, _ActionRec]
    by_title: dict[str, _ActionRec]
    workstreams: dict[str, _WorkstreamRec]
    workstream_of: dict[int, _WorkstreamRec | None]  # by id(action)
    people: dict[str, _PersonRec]
    owners: dict[int, list[_PersonRec]]  # by id(action), ordered by person id
    milestones: dict[int, list[_MilestoneRec]]  # by id(action)
    new_actions: list[_ActionRec] = field(default_factory=list)
    new_workstreams: list[_WorkstreamRec] = field(default_factory=list)
    new_people: list[_PersonRec] = field(default_factory=list)
    new_milestones: list[_MilestoneRec] = field(default_factory=list)
    owner_changes: dict[int, tuple[_ActionRec, list[_PersonRec]]] = field(default_factory=dict)
    history: list[tuple[_ActionRec, str, list[FieldChange]]] = field(default_factory=list)
    next_number: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, board_id: int | None) -> _BoardState:
        actions = [
            _ActionRec(**{name: row._mapping[name] for name in ("id", *_ACTION_FIELDS)})
            for row in session.execute(
                select(ACTIONS).where(ACTIONS.c.board_id == board_id).order_by(ACTIONS.c.id)
            )
        ]
        by_id = {a.id: a for a in actions}
        workstreams = [
            _WorkstreamRec(row.id, row.name, row.ref, row.lead)
            for row in session.execute(
                select(WORKSTREAMS).where(WORKSTREAMS.c.board_id == board_id)
            )
        ]
        workstream_ids = {w.id: w for w in workstreams}
        people = [
            _PersonRec(row.id, row.name, row.name_key, row.role)
            for row in session.execute(select(PEOPLE).order_by(PEOPLE.c.id))
        ]
        person_ids = {p.id: p for p in people}
        owners: dict[int, list[_PersonRec]] = {id(a): [] for a in actions}
        milestones: dict[int, list[_MilestoneRec]] = {id(a): [] for a in actions}
        for ids in _chunks([a.id for a in actions if a.id is not None]):
            links = select(OWNERS.c.action_id, OWNERS.c.person_id).where(
                OWNERS.c.action_id.in_(ids)
            )
            for action_id, person_id in session.execute(links):
                owners[id(by_id[action_id])].append(person_ids[person_id])
            steps = select(MILESTONES).where(MILESTONES.c.action_id.in_(ids))
            for row in session.execute(steps.order_by(MILESTONES.c.id)):
                action = by_id[row.action_id]
                milestones[id(action)].append(
                    _MilestoneRec(
                        row.id, action, row.position, row.due, row.date_text, row.text, row.done
                    )
                )
        for current in owners.values():
            current.sort(key=lambda person: person.id or 0)
        by_title: dict[str, _ActionRec] = {}
        for action in actions:
            by_title.setdefault(_title_key(action.title), action)
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

    def person(self, name: str, role: str, *, now: datetime) -> _PersonRec:
        """As storage.people.get_or_create_person does it, without a query per name."""
        key = name_key(name)
        found = self.people.get(key)
        if found is None:
            found = _PersonRec(None, " ".join(name.split()), key, role, created_at=now)
            self.people[key] = found
            self.new_people.append(found)
        elif role and not found.role:
            found.role = role
            found.dirty = True
        return found


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


# -- merging rows from several files --------------------------------------------------------------


def _merge(state: _BoardState, rows: Sequence[ActionRow]) -> list[_Merged]:
    by_key: dict[str, _Merged] = {}
    errors: list[CellError] = []
    plan_rows = [r for r in rows if "title" in r.present]
    extra_rows = [r for r in rows if "title" not in r.present]
    for row in plan_rows:
        key = _key(row)
        item = by_key.setdefault(key, _Merged(first=row))
        _absorb(item, row)
    for row in extra_rows:
        key = f"ref:{_clean(row.ref)}"
        if key not in by_key and _clean(row.ref) not in state.by_ref:
            errors.append(
                CellError(
                    row.source.file, row.source.row, "ref", f"no action {row.ref} on the board"
                )
            )
            continue
        _absorb(by_key.setdefault(key, _Merged(first=row)), row)
    if errors:
        raise PlanFileError(errors)
    return list(by_key.values())


def _key(row: ActionRow) -> str:
    if row.ref:
        return f"ref:{_clean(row.ref)}"
    return f"title:{_title_key(_clean(row.title) or '')}"


def _clean(value: str | None) -> str | None:
    """Whatever reaches the database is clean text, whoever built the rows."""
    return clean_text(value) if value is not None else None


def _absorb(item: _Merged, row: ActionRow) -> None:
    for name in row.present:
        if name == "owners":
            item.values["owners"] = True
            owners = [OwnerName(clean_text(o.name), clean_text(o.role)) for o in row.owners]
            item.owners.extend(o for o in owners if o.key not in {x.key for x in item.owners})
        elif name == "milestones":
            item.values["milestones"] = True
            known = {(m.due, m.text) for m in item.milestones}
            cleaned = [
                MilestoneRow(m.due, clean_text(m.date_text), clean_text(m.text), m.done)
                for m in row.milestones
            ]
            item.milestones.extend(m for m in cleaned if (m.due, m.text) not in known)
        elif name == "review_date":
            item.values["review_date"] = row.review_date
            item.values["review_date_text"] = _clean(row.review_date_text)
        else:
            value = getattr(row, name)
            item.values[name] = clean_text(value) if type(value) is str else value  # not a Rag


# -- syncing one action, in memory --------------------------------------------------------------


def _sync_action(
    state: _BoardState, item: _Merged, *, now: datetime
) -> tuple[_ActionRec, list[FieldChange]]:
    action = _find(state, item)
    changes: list[FieldChange] = []
    if action is None:
        action = _create(state, item, now=now)
        changes.append(FieldChange("created", None, action.ref))
    changes += _sync_fields(state, action, item, now=now)
    if item.has("owners"):
        changes += _sync_owners(state, action, item.owners, now=now)
    if item.has("milestones"):
        changes += _sync_milestones(state, action, item.milestones)
    return action, changes


def _find(state: _BoardState, item: _Merged) -> _ActionRec | None:
    ref = item.values.get("ref")
    if isinstance(ref, str) and ref:
        return state.by_ref.get(ref)
    return state.by_title.get(_title_key(str(item.values.get("title", ""))))


def _create(state: _BoardState, item: _Merged, *, now: datetime) -> _ActionRec:
    workstream = _workstream(state, item)
    ref = item.values.get("ref")
    if not isinstance(ref, str) or not ref:
        ref = _next_ref(state, workstream)
    action = _ActionRec(
        id=None, ref=ref, title=str(item.values.get("title") or ref), created_at=now, updated_at=now
    )
    state.new_actions.append(action)
    state.by_ref[ref] = action
    state.by_title.setdefault(_title_key(action.title), action)
    state.workstream_of[id(action)] = workstream
    state.owners[id(action)] = []
    state.milestones[id(action)] = []
    return action


def _next_ref(state: _BoardState, workstream: _WorkstreamRec | None) -> str:
    """Plans without refs get "<workstream number>.<n>", the form chairs already use."""
    prefix = f"{workstream.ref}." if workstream and workstream.ref else ""
    number = state.next_number.get(prefix, 1)
    while f"{prefix}{number}" in state.by_ref:
        number += 1
    state.next_number[prefix] = number + 1
    return f"{prefix}{number}"


def _workstream(state: _BoardState, item: _Merged) -> _WorkstreamRec | None:
    name = item.values.get("workstream")
    if not isinstance(name, str) or not name:
        return None
    found = state.workstreams.get(name)
    if found is None:
        found = _WorkstreamRec(None, name)
        state.workstreams[name] = found
        state.new_workstreams.append(found)
    ref = item.values.get("workstream_ref")
    if isinstance(ref, str) and ref and found.ref != ref:
        found.ref = ref
        found.dirty = True
    lead = item.values.get("workstream_lead")
    if isinstance(lead, str) and lead and found.lead != lead:
        found.lead = lead
        found.dirty = True
    return found


def _sync_fields(
    state: _BoardState, action: _ActionRec, item: _Merged, *, now: datetime
) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for name in _TEXT_FIELDS:
        if item.has(name):
            changes += _set(action, name, _text(item.values[name]))
    if item.has("rag"):
        rag = item.values["rag"]
        changes += _set(action, "rag", getattr(rag, "value", None))
    if item.has("review_date"):
        when = item.values["review_date"]
        changes += _set_date(action, when)
        text = _text(item.values.get("review_date_text"))
        if action.review_date_text != text:
            action.review_date_text = text
            action.dirty.add("review_date_text")
    if item.has("workstream"):
        workstream = _workstream(state, item)
        before = state.workstream_of.get(id(action))
        if workstream is not None and workstream is not before:
            changes.append(
                FieldChange("workstream", before.name if before else None, workstream.name)
            )
            state.workstream_of[id(action)] = workstream
            action.dirty.add("workstream_id")
    if changes:
        action.updated_at = now
        action.dirty.add("updated_at")
    return changes


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _set(action: _ActionRec, name: str, value: str | None) -> list[FieldChange]:
    before = getattr(action, name)
    if before == value:
        return []
    setattr(action, name, value)
    action.dirty.add(name)
    return [FieldChange(name, before, value)]


def _set_date(action: _ActionRec, when: object) -> list[FieldChange]:
    after = when if isinstance(when, date) else None
    before = action.review_date
    if before == after:
        return []
    action.review_date = after
    action.dirty.add("review_date")
    return [FieldChange("review_date", _iso(before), _iso(after))]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _sync_owners(
    state: _BoardState, action: _ActionRec, owners: list[OwnerName], *, now: datetime
) -> list[FieldChange]:
    current = state.owners[id(action)]
    wanted = [state.person(o.name, o.role, now=now) for o in owners]
    if {id(p) for p in current} == {id(p) for p in wanted}:
        return []
    unique = list({id(p): p for p in wanted}.values())
    state.owners[id(action)] = sorted(unique, key=_person_order(state))
    state.owner_changes[id(action)] = (action, unique)
    before = "; ".join(p.name for p in current) or None
    return [FieldChange("owners", before, "; ".join(p.name for p in wanted) or None)]


def _person_order(state: _BoardState) -> Any:
    """By id, as they will be stored: new people after everyone already there."""
    new = {id(p): index for index, p in enumerate(state.new_people)}

    def order(person: _PersonRec) -> tuple[int, int]:
        if person.id is not None:
            return (0, person.id)
        return (1, new.get(id(person), 0))

    return order


def _sync_milestones(
    state: _BoardState, action: _ActionRec, milestones: list[MilestoneRow]
) -> list[FieldChange]:
    """Milestones are matched by date and text; new ones are numbered after the existing ones."""
    existing = state.milestones[id(action)]
    known = {(m.due, m.text): m for m in existing}
    position = max((m.position for m in existing), default=0)
    changes: list[FieldChange] = []
    for row in milestones:
        found = known.get((row.due, row.text))
        if found is None:
            position += 1
            added = _MilestoneRec(
                None, action, position, row.due, row.date_text, row.text, row.done
            )
            existing.append(added)
            state.new_milestones.append(added)
            changes.append(FieldChange(f"milestone:{position}", None, _describe(row)))
        elif row.done and not found.done:
            found.done = True
            found.dirty = True
            changes.append(FieldChange(f"milestone:{found.position}", "open", "done"))
    return changes


# -- writing it all, in bulk ---------------------------------------------------------------------


def _write(session: Session, state: _BoardState, *, board_id: int, now: datetime) -> None:
    """A few multi-row statements per table, not an ORM object (and a flush) per row."""
    changed_workstreams = [w for w in state.workstreams.values() if w.dirty and w.id is not None]
    changed_people = [p for p in state.people.values() if p.dirty and p.id is not None]
    ids = _insert_returning(
        session,
        WORKSTREAMS,
        [
            {"board_id": board_id, "name": w.name, "ref": w.ref, "lead": w.lead}
            for w in state.new_workstreams
        ],
    )
    for workstream, new_id in zip(state.new_workstreams, ids, strict=True):
        workstream.id = new_id
    _update_many(
        session,
        WORKSTREAMS,
        [{"b_id": w.id, "ref": w.ref, "lead": w.lead} for w in changed_workstreams],
    )
    ids = _insert_returning(
        session,
        PEOPLE,
        [
            {"name": p.name, "name_key": p.name_key, "role": p.role, "created_at": p.created_at}
            for p in state.new_people
        ],
    )
    for person, new_id in zip(state.new_people, ids, strict=True):
        person.id = new_id
    # Everyone has a console account, their name, as storage.people.get_or_create_person gives.
    link_console_accounts(session, [(p.id or 0, p.name) for p in state.new_people])
    _update_many(
        session,
        PEOPLE,
        [{"b_id": p.id, "role": p.role} for p in changed_people],
    )
    for action in (*state.existing, *state.new_actions):
        stream = state.workstream_of.get(id(action))
        action.workstream_id = stream.id if stream else action.workstream_id
    _update_many(
        session,
        ACTIONS,
        [
            {"b_id": a.id, **{name: getattr(a, name) for name in _ACTION_FIELDS}}
            for a in state.existing
            if a.dirty
        ],
    )
    ids = _insert_returning(
        session,
        ACTIONS,
        [
            {"board_id": board_id, **{name: getattr(a, name) for name in _ACTION_FIELDS}}
            for a in state.new_actions
        ],
    )
    for action, new_id in zip(state.new_actions, ids, strict=True):
        action.id = new_id
    _write_owners(session, state)
    _insert_many(
        session,
        MILESTONES,
        [
            {
                "action_id": m.action.id,
                "position": m.position,
                "due": m.due,
                "date_text": m.date_text,
                "text": m.text,
                "done": m.done,
            }
            for m in state.new_milestones
        ],
    )
    _update_many(
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


def _write_owners(session: Session, state: _BoardState) -> None:
    changed = [action.id for action, _people in state.owner_changes.values()]
    for ids in _chunks([i for i in changed if i is not None]):
        session.execute(delete(OWNERS).where(OWNERS.c.action_id.in_(ids)))
    _insert_many(
        session,
        OWNERS,
        [
            {"action_id": action.id, "person_id": person.id}
            for action, people in state.owner_changes.values()
            for person in people
        ],
    )


def _insert_history(
    session: Session, history: list[tuple[_ActionRec, str, list[FieldChange]]], *, now: datetime
) -> None:
    values = [
        {
            "action_id": action.id,
            "person_id": None,
            "source": IMPORT_SOURCE,
            "text": text,
            "created_at": now,
        }
        for action, text, _changes in history
    ]
    ids = _insert_returning(session, UPDATES, values)
    changes = [
        {"update_id": update_id, "field": c.field, "before": c.before, "after": c.after}
        for update_id, (_action, _text, entry) in zip(ids, history, strict=True)
        for c in entry
    ]
    _insert_many(session, CHANGES, changes)


def _insert_returning(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` and give their new ids, in order, in as few statements as possible.

    SQLite numbers rows max(id) + 1 and the import holds its write lock, so the ids are given
    up front and the rows go in one executemany (RETURNING would need one statement a row to
    keep the order). Elsewhere, INSERT … RETURNING in order, in batches.
    """
    if not rows:
        return []
    if session.connection().dialect.name == "sqlite":
        last = session.execute(select(func.max(table.c.id))).scalar() or 0
        ids = list(range(last + 1, last + 1 + len(rows)))
        _insert_many(session, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(new_id) for new_id in session.execute(statement, rows).scalars().all()]


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany of plain tuples: SQLAlchemy's per-row parameter handling would cost more
    than the insert itself for tens of thousands of history rows. Columns' own bind processing
    (dates, UTC times) is still applied. Every row has the same keys."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if marker is None:
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    quote = dialect.identifier_preparer.quote
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    # Identifiers are our own tables' names, quoted; every value is a bound parameter.
    columns = ", ".join(quote(name) for name in names)
    markers = ", ".join([marker] * len(names))
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({markers})"  # noqa: S608
    params = [
        tuple(
            process(row[name]) if process is not None else row[name]
            for name, process in zip(names, processors, strict=True)
        )
        for row in rows
    ]
    connection.exec_driver_sql(sql, params)


def _update_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE by id; each row gives its id as "b_id" and the new values."""
    if rows:
        statement = update(table).where(table.c.id == bindparam("b_id"))
        session.connection().execute(statement, rows)


def _describe(row: MilestoneRow) -> str:
    when = row.due.isoformat() if row.due else row.date_text or "no date"
    return f"{when} - {row.text}"
