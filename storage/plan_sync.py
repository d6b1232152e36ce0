"""Writing an imported plan onto a board: create what's new, change what differs, log it all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.domain.plan import FieldChange
from bot.plan_io.rows import ActionRow, CellError, MilestoneRow, OwnerName, PlanFileError
from storage.history import record_update
from storage.models import Action, ActionOwner, Board, Milestone, Person, Workstream
from storage.people import get_or_create_person

IMPORT_SOURCE = "import"
_TEXT_FIELDS = ("title", "outcomes", "measures", "latest_update")


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


def apply_rows(
    session: Session, board: Board, rows: Sequence[ActionRow], *, now: datetime
) -> ImportReport:
    """Raises PlanFileError, before writing, if a row adds to an action that isn't there."""
    assert board.id is not None
    merged = _merge(session, board, rows)
    report = ImportReport()
    people_before = {p.name_key for p in session.exec(select(Person)).all()}
    seen: set[int] = set()
    for item in merged:
        action, changes = _sync_action(session, board, item, now=now)
        assert action.id is not None
        seen.add(action.id)
        _report(report, action, changes)
        if changes:
            text = f"imported from {item.first.source.file}"
            record_update(
                session,
                action_id=action.id,
                person_id=None,
                source=IMPORT_SOURCE,
                text=text,
                changes=changes,
                now=now,
            )
    others = session.exec(select(Action).where(Action.board_id == board.id)).all()
    report.not_in_files = [a.ref for a in others if a.id not in seen]
    people_after = session.exec(select(Person)).all()
    report.people_created = [p.name for p in people_after if p.name_key not in people_before]
    return report


def _is_new(changes: list[FieldChange]) -> bool:
    return any(c.field == "created" for c in changes)


def _report(report: ImportReport, action: Action, changes: list[FieldChange]) -> None:
    if _is_new(changes):
        report.created.append(action.ref)
    elif changes:
        report.updated[action.ref] = [c.field for c in changes]
    else:
        report.unchanged.append(action.ref)


# -- merging rows from several files --------------------------------------------------------------


def _merge(session: Session, board: Board, rows: Sequence[ActionRow]) -> list[_Merged]:
    by_key: dict[str, _Merged] = {}
    errors: list[CellError] = []
    plan_rows = [r for r in rows if "title" in r.present]
    extra_rows = [r for r in rows if "title" not in r.present]
    for row in plan_rows:
        key = _key(row)
        item = by_key.setdefault(key, _Merged(first=row))
        _absorb(item, row)
    existing_refs = {
        a.ref for a in session.exec(select(Action).where(Action.board_id == board.id)).all()
    }
    for row in extra_rows:
        key = f"ref:{row.ref}"
        if key not in by_key and row.ref not in existing_refs:
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
        return f"ref:{row.ref}"
    return f"title:{' '.join((row.title or '').casefold().split())}"


def _absorb(item: _Merged, row: ActionRow) -> None:
    for name in row.present:
        if name == "owners":
            item.values["owners"] = True
            item.owners.extend(o for o in row.owners if o.key not in {x.key for x in item.owners})
        elif name == "milestones":
            item.values["milestones"] = True
            known = {(m.due, m.text) for m in item.milestones}
            item.milestones.extend(m for m in row.milestones if (m.due, m.text) not in known)
        elif name == "review_date":
            item.values["review_date"] = row.review_date
            item.values["review_date_text"] = row.review_date_text
        else:
            item.values[name] = getattr(row, name)


# -- syncing one action --------------------------------------------------------------------------


def _sync_action(
    session: Session, board: Board, item: _Merged, *, now: datetime
) -> tuple[Action, list[FieldChange]]:
    action = _find(session, board, item)
    changes: list[FieldChange] = []
    if action is None:
        action = _create(session, board, item, now=now)
        changes.append(FieldChange("created", None, action.ref))
    changes += _sync_fields(session, board, action, item, now=now)
    if item.has("owners"):
        changes += _sync_owners(session, action, item.owners, now=now)
    if item.has("milestones"):
        changes += _sync_milestones(session, action, item.milestones)
    return action, changes


def _find(session: Session, board: Board, item: _Merged) -> Action | None:
    ref = item.values.get("ref")
    statement = select(Action).where(Action.board_id == board.id)
    if isinstance(ref, str) and ref:
        return session.exec(statement.where(Action.ref == ref)).first()
    title = " ".join(str(item.values.get("title", "")).casefold().split())
    for action in session.exec(statement).all():
        if " ".join(action.title.casefold().split()) == title:
            return action
    return None


def _create(session: Session, board: Board, item: _Merged, *, now: datetime) -> Action:
    assert board.id is not None
    workstream = _workstream(session, board, item)
    ref = item.values.get("ref")
    if not isinstance(ref, str) or not ref:
        ref = _next_ref(session, board, workstream)
    action = Action(
        board_id=board.id,
        ref=ref,
        title=str(item.values.get("title") or ref),
        workstream_id=workstream.id if workstream else None,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    return action


def _next_ref(session: Session, board: Board, workstream: Workstream | None) -> str:
    """Plans without refs get "<workstream number>.<n>", the form chairs already use."""
    prefix = f"{workstream.ref}." if workstream and workstream.ref else ""
    taken = {a.ref for a in session.exec(select(Action).where(Action.board_id == board.id)).all()}
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _workstream(session: Session, board: Board, item: _Merged) -> Workstream | None:
    name = item.values.get("workstream")
    if not isinstance(name, str) or not name:
        return None
    assert board.id is not None
    found = session.exec(
        select(Workstream).where(Workstream.board_id == board.id, Workstream.name == name)
    ).first()
    if found is None:
        found = Workstream(board_id=board.id, name=name)
        session.add(found)
    ref = item.values.get("workstream_ref")
    if isinstance(ref, str) and ref:
        found.ref = ref
    lead = item.values.get("workstream_lead")
    if isinstance(lead, str) and lead:
        found.lead = lead
    session.flush()
    return found


def _sync_fields(
    session: Session, board: Board, action: Action, item: _Merged, *, now: datetime
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
        action.review_date_text = _text(item.values.get("review_date_text"))
    if item.has("workstream"):
        workstream = _workstream(session, board, item)
        if workstream is not None and workstream.id != action.workstream_id:
            before = session.get(Workstream, action.workstream_id) if action.workstream_id else None
            changes.append(
                FieldChange("workstream", before.name if before else None, workstream.name)
            )
            action.workstream_id = workstream.id
    if changes:
        action.updated_at = now
    return changes


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _set(action: Action, name: str, value: str | None) -> list[FieldChange]:
    before = getattr(action, name)
    if before == value:
        return []
    setattr(action, name, value)
    return [FieldChange(name, before, value)]


def _set_date(action: Action, when: object) -> list[FieldChange]:
    after = when if isinstance(when, date) else None
    before = action.review_date
    if before == after:
        return []
    action.review_date = after
    return [FieldChange("review_date", _iso(before), _iso(after))]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _sync_owners(
    session: Session, action: Action, owners: list[OwnerName], *, now: datetime
) -> list[FieldChange]:
    assert action.id is not None
    current = session.exec(
        select(Person)
        .join(ActionOwner, col(ActionOwner.person_id) == col(Person.id))
        .where(ActionOwner.action_id == action.id)
        .order_by(col(Person.id))
    ).all()
    wanted = [get_or_create_person(session, name=o.name, role=o.role, now=now) for o in owners]
    if {p.id for p in current} == {p.id for p in wanted}:
        return []
    for link in session.exec(select(ActionOwner).where(ActionOwner.action_id == action.id)).all():
        session.delete(link)
    session.flush()
    for person_id in dict.fromkeys(p.id for p in wanted):
        assert person_id is not None
        session.add(ActionOwner(action_id=action.id, person_id=person_id))
    session.flush()
    before = "; ".join(p.name for p in current) or None
    return [FieldChange("owners", before, "; ".join(p.name for p in wanted) or None)]


def _sync_milestones(
    session: Session, action: Action, milestones: list[MilestoneRow]
) -> list[FieldChange]:
    """Milestones are matched by date and text; new ones are numbered after the existing ones."""
    assert action.id is not None
    existing = session.exec(select(Milestone).where(Milestone.action_id == action.id)).all()
    known = {(m.due, m.text): m for m in existing}
    position = max((m.position for m in existing), default=0)
    changes: list[FieldChange] = []
    for row in milestones:
        found = known.get((row.due, row.text))
        if found is None:
            position += 1
            session.add(
                Milestone(
                    action_id=action.id,
                    position=position,
                    due=row.due,
                    date_text=row.date_text,
                    text=row.text,
                    done=row.done,
                )
            )
            changes.append(FieldChange(f"milestone:{position}", None, _describe(row)))
        elif row.done and not found.done:
            found.done = True
            changes.append(FieldChange(f"milestone:{found.position}", "open", "done"))
    session.flush()
    return changes


def _describe(row: MilestoneRow) -> str:
    when = row.due.isoformat() if row.due else row.date_text or "no date"
    return f"{when} - {row.text}"
