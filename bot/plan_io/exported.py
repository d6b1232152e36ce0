"""`actionbot export --format json` read back as plan rows, like a CSV or XLSX export.

The export is a record: the board's settings, its actions, their milestones and full history.
An import takes the plan from it (each action's fields, owners and milestones) and leaves the
history and the board's settings: the import records its own history, and the board is the one
named on the command line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.plan_rows import (
    FIELDS,
    ActionRow,
    CellError,
    MilestoneRow,
    OwnerName,
    ReadNote,
    SourceRef,
)
from bot.domain.rag import Rag, rag_from_cell
from bot.domain.safety import clean_text

_AGAIN = "export it again with `actionbot export --format json`"
# The export's own keys are the names its fields go by in reports.
_COLUMNS: Mapping[str, str] = {name: name for name in FIELDS}
READ_NOTE = (
    "is an actionbot export (JSON): its actions, owners and milestones were read; its history "
    "and board settings are not imported"
)


@dataclass
class ExportRead:
    rows: list[ActionRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    notes: list[ReadNote] = field(default_factory=list)


def read_export(name: str, data: bytes) -> ExportRead:
    """Every action of the export, or every problem with it; never raises."""
    found = ExportRead()
    actions = _actions(name, data, found)
    if actions is None:
        return found
    if not actions:
        found.errors.append(_file_error(name, "has no actions in it: nothing to import", False))
        return found
    for number, item in enumerate(actions, start=1):
        action = _Action(name, number, item, found.errors)
        row = action.row()
        if row is not None:
            found.rows.append(row)
    found.errors.extend(_duplicate_refs(name, found.rows))
    if not found.errors:
        found.notes.append(ReadNote(name, READ_NOTE))
    return found


def _actions(name: str, data: bytes, found: ExportRead) -> list[Any] | None:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        found.errors.append(_file_error(name, f"is not UTF-8 text, so not an export: {_AGAIN}"))
        return None
    except json.JSONDecodeError as error:
        message = f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        found.errors.append(_file_error(name, f"{message}: {_AGAIN}"))
        return None
    except RecursionError:
        found.errors.append(_file_error(name, f"is JSON nested too deeply to read: {_AGAIN}"))
        return None
    actions = document.get("actions") if isinstance(document, dict) else None
    if not isinstance(actions, list):
        found.errors.append(
            _file_error(
                name,
                'is JSON but not an actionbot export (it has no "actions" list): import the '
                "plan's .csv or .xlsx, or the file `actionbot export --format json` writes",
            )
        )
        return None
    return actions


def _file_error(name: str, message: str, bad_file: bool = True) -> CellError:
    return CellError(name, 0, "", message, bad_file=bad_file, names_file=True)


@dataclass
class _Action:
    """One action of the export, every problem in it collected."""

    file: str
    number: int
    item: Any
    errors: list[CellError]

    def error(self, message: str) -> None:
        ref = self.item.get("ref") if isinstance(self.item, dict) else None
        which = f"action {self.number}" + (f" (ref {ref})" if isinstance(ref, str) else "")
        self.errors.append(CellError(self.file, 0, "", f"{which}: {message}"))

    def row(self) -> ActionRow | None:
        if not isinstance(self.item, dict):
            self.error("is not an object with the action's fields")
            return None
        title = self.text("title")
        if title is None:
            self.error('has no "title"')
        review_date = self.day("review_date")
        return ActionRow(
            source=SourceRef(self.file, self.number),
            present=frozenset(FIELDS),
            ref=self.text("ref"),
            title=title,
            workstream_ref=self.text("workstream_ref"),
            workstream=self.text("workstream"),
            workstream_lead=self.text("workstream_lead"),
            outcomes=self.text("outcomes"),
            measures=self.text("measures"),
            owners=self.owners(),
            review_date=review_date,
            review_date_text=self.text("review_date_text"),
            rag=self.rag(),
            latest_update=self.text("latest_update"),
            milestones=self.milestones(),
            columns=_COLUMNS,
        )

    def text(self, key: str) -> str | None:
        return self.text_of(self.item.get(key), key)

    def text_of(self, value: object, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(f'"{where}" should be text, not {_kind(value)}')
            return None
        return clean_text(value) or None

    def day(self, key: str) -> date | None:
        return self.day_of(self.item.get(key), key)

    def day_of(self, value: object, where: str) -> date | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.error(f'"{where}" should be a date like "2023-04-28", not {_shown(value)}')
        return None

    def rag(self) -> Rag | None:
        value = self.item.get("rag")
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return Rag(value)
            except ValueError:
                found = rag_from_cell(value)
                if found is not None:
                    return found
        names = ", ".join(f'"{rag.value}"' for rag in Rag)
        self.error(f'"rag" is {_shown(value)}, not a RAG status ({names} or null)')
        return None

    def owners(self) -> tuple[OwnerName, ...]:
        value = self.item.get("owners")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(f'"owners" should be a list, not {_kind(value)}')
            return ()
        owners: dict[str, OwnerName] = {}
        for index, person in enumerate(value, start=1):
            where = f"owners[{index}]"
            if isinstance(person, str):
                person = {"name": person}
            if not isinstance(person, dict):
                self.error(f'"{where}" should be an object with a "name", not {_kind(person)}')
                continue
            name = self.text_of(person.get("name"), f"{where}.name")
            role = self.text_of(person.get("role"), f"{where}.role") or ""
            if name is None:
                self.error(f'"{where}" has no "name"')
                continue
            owner = OwnerName(name, role)
            owners.setdefault(owner.key, owner)
        return tuple(owners.values())

    def milestones(self) -> tuple[MilestoneRow, ...]:
        value = self.item.get("milestones")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(f'"milestones" should be a list, not {_kind(value)}')
            return ()
        found: list[MilestoneRow] = []
        for index, step in enumerate(value, start=1):
            where = f"milestones[{index}]"
            if not isinstance(step, dict):
                self.error(f'"{where}" should be an object with a "text", not {_kind(step)}')
                continue
            text = self.text_of(step.get("text"), f"{where}.text") or ""
            date_text = self.text_of(step.get("date_text"), f"{where}.date_text") or ""
            due = self.day_of(step.get("due"), f"{where}.due")
            done = step.get("done", False)
            if not isinstance(done, bool):
                self.error(f'"{where}.done" should be true or false, not {_shown(done)}')
                done = False
            if text or due or date_text:
                found.append(MilestoneRow(due, date_text, text, done))
        return tuple(found)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "text"
    return "null"


def _shown(value: object) -> str:
    """The value itself when short, else what kind it is: an error line stays one line."""
    if isinstance(value, str) and len(value) <= 40:
        return json.dumps(clean_text(value), ensure_ascii=False)
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return _kind(value)


def _duplicate_refs(name: str, rows: list[ActionRow]) -> list[CellError]:
    first: dict[str, int] = {}
    errors: list[CellError] = []
    for row in rows:
        if row.ref is None:
            continue
        if row.ref in first:
            message = f"action {row.source.row}: ref {row.ref} is also action {first[row.ref]}'s"
            errors.append(CellError(name, 0, "", message))
        first.setdefault(row.ref, row.source.row)
    return errors
