"""Syncing one merged action onto the board's records, in memory: what changes, and how.

Nothing here touches the database: each change is made to the plain records (and marked for
the writer) and returned as a FieldChange for the history and the import's report.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.domain.plan import FieldChange
from bot.domain.plan_rows import MilestoneRow, OwnerName
from storage.plan_merge import Merged
from storage.plan_state import (
    ActionRec,
    BoardState,
    MilestoneRec,
    PersonRec,
    WorkstreamRec,
    title_key,
)

_TEXT_FIELDS = ("title", "outcomes", "measures", "latest_update")


def sync_action(
    state: BoardState, item: Merged, *, now: datetime
) -> tuple[ActionRec, list[FieldChange]]:
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


def _find(state: BoardState, item: Merged) -> ActionRec | None:
    ref = item.values.get("ref")
    if isinstance(ref, str) and ref:
        return state.by_ref.get(ref)
    return state.by_title.get(title_key(str(item.values.get("title", ""))))


def _create(state: BoardState, item: Merged, *, now: datetime) -> ActionRec:
    workstream = _workstream(state, item)
    ref = item.values.get("ref")
    if not isinstance(ref, str) or not ref:
        ref = _next_ref(state, workstream)
    action = ActionRec(
        id=None, ref=ref, title=str(item.values.get("title") or ref), created_at=now, updated_at=now
    )
    state.new_actions.append(action)
    state.by_ref[ref] = action
    state.by_title.setdefault(title_key(action.title), action)
    state.workstream_of[id(action)] = workstream
    state.owners[id(action)] = []
    state.milestones[id(action)] = []
    return action


def _next_ref(state: BoardState, workstream: WorkstreamRec | None) -> str:
    """Plans without refs get "<workstream number>.<n>", the form chairs already use."""
    prefix = f"{workstream.ref}." if workstream and workstream.ref else ""
    number = state.next_number.get(prefix, 1)
    while f"{prefix}{number}" in state.by_ref:
        number += 1
    state.next_number[prefix] = number + 1
    return f"{prefix}{number}"


def _workstream(state: BoardState, item: Merged) -> WorkstreamRec | None:
    name = item.values.get("workstream")
    if not isinstance(name, str) or not name:
        return None
    found = state.workstreams.get(name)
    if found is None:
        found = WorkstreamRec(None, name)
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
    state: BoardState, action: ActionRec, item: Merged, *, now: datetime
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


def _set(action: ActionRec, name: str, value: str | None) -> list[FieldChange]:
    before = getattr(action, name)
    if before == value:
        return []
    setattr(action, name, value)
    action.dirty.add(name)
    return [FieldChange(name, before, value)]


def _set_date(action: ActionRec, when: object) -> list[FieldChange]:
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
    state: BoardState, action: ActionRec, owners: list[OwnerName], *, now: datetime
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


def _person_order(state: BoardState) -> Any:
    """By id, as they will be stored: new people after everyone already there, in the order
    they were added (a position kept as they are added: indexing the list for every action
    made a 100,000-action import quadratic in its owners)."""

    def order(person: PersonRec) -> tuple[int, int]:
        if person.id is not None:
            return (0, person.id)
        return (1, state.new_person_order.get(id(person), 0))

    return order


def _sync_milestones(
    state: BoardState, action: ActionRec, milestones: list[MilestoneRow]
) -> list[FieldChange]:
    """A milestone already on the action is the same milestone when its date and text match,
    else when its text does (whatever the date was read as: "09 Mar" re-imported in another
    year, or a date moved in chat); only the rest are new, numbered after the existing ones."""
    existing = state.milestones[id(action)]
    matched = _match_milestones(existing, milestones)
    position = max((m.position for m in existing), default=0)
    changes: list[FieldChange] = []
    for row, found in zip(milestones, matched, strict=True):
        if found is None:
            position += 1
            added = MilestoneRec(None, action, position, row.due, row.date_text, row.text, row.done)
            existing.append(added)
            state.new_milestones.append(added)
            changes.append(FieldChange(f"milestone:{position}", None, _describe(row)))
        elif row.done and not found.done:
            found.done = True
            found.dirty = True
            changes.append(FieldChange(f"milestone:{found.position}", "open", "done"))
    return changes


def _match_milestones(
    existing: list[MilestoneRec], rows: list[MilestoneRow]
) -> list[MilestoneRec | None]:
    """Each row's milestone, each existing one claimed once: exact matches first, so a text
    match can't take a milestone another row names exactly; then the same text alone."""
    exact: dict[tuple[date | None, str], list[MilestoneRec]] = {}
    by_text: dict[str, list[MilestoneRec]] = {}
    for record in existing:
        exact.setdefault((record.due, record.text), []).append(record)
        if record.text:
            by_text.setdefault(_text_key(record.text), []).append(record)
    claimed: set[int] = set()
    matched: list[MilestoneRec | None] = [
        _claim(exact.get((row.due, row.text), []), claimed) for row in rows
    ]
    for index, row in enumerate(rows):
        if matched[index] is None and row.text:
            matched[index] = _claim(by_text.get(_text_key(row.text), []), claimed)
    return matched


def _claim(candidates: list[MilestoneRec], claimed: set[int]) -> MilestoneRec | None:
    for record in candidates:
        if id(record) not in claimed:
            claimed.add(id(record))
            return record
    return None


def _text_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _describe(row: MilestoneRow) -> str:
    when = row.due.isoformat() if row.due else row.date_text or "no date"
    return f"{when} - {row.text}"
