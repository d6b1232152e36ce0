"""Merging the rows of several plan files into one description of each action.

Rows are matched by ref, else by title; a row that only adds to an action (no title) must name
one the files or the board already have. Every text reaching the database is cleaned here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.plan_rows import ActionRow, CellError, MilestoneRow, OwnerName, PlanFileError
from bot.domain.safety import clean_text
from storage.plan_state import BoardState, title_key


@dataclass
class Merged:
    """One action as all the files together describe it."""

    first: ActionRow
    values: dict[str, object] = field(default_factory=dict)
    owners: list[OwnerName] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    # Each field's heading in the file that last set it, so the report speaks the user's words.
    columns: Mapping[str, str] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.values


def merge_rows(state: BoardState, rows: Sequence[ActionRow]) -> list[Merged]:
    by_key: dict[str, Merged] = {}
    errors: list[CellError] = []
    plan_rows = [r for r in rows if "title" in r.present]
    extra_rows = [r for r in rows if "title" not in r.present]
    for row in plan_rows:
        key = _key(row)
        item = by_key.setdefault(key, Merged(first=row))
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
        _absorb(by_key.setdefault(key, Merged(first=row)), row)
    if errors:
        raise PlanFileError(errors)
    return list(by_key.values())


def _take_columns(item: Merged, row: ActionRow) -> None:
    """The headings of the fields `row` sets. An action from one file shares that file's
    headings (a dict per action is ~65 MB at 100,000 actions); a second file's row copies."""
    if not item.columns and row.columns.keys() <= row.present:
        item.columns = row.columns  # shared, never written to: the next line copies first
        return
    item.columns = {
        **item.columns,
        **{name: row.columns[name] for name in row.present if name in row.columns},
    }


def _key(row: ActionRow) -> str:
    if row.ref:
        return f"ref:{_clean(row.ref)}"
    return f"title:{title_key(_clean(row.title) or '')}"


def _clean(value: str | None) -> str | None:
    """Whatever reaches the database is clean text, whoever built the rows."""
    return clean_text(value) if value is not None else None


def _absorb(item: Merged, row: ActionRow) -> None:
    _take_columns(item, row)
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
