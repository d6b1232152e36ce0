"""Read plan spreadsheets in their own columns; all or nothing, every problem reported."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from bot.domain.dates import read_date
from bot.domain.plan_rows import (
    FIELDS,
    ActionRow,
    CellError,
    MilestoneRow,
    OwnerName,
    PlanFileError,
    SourceRef,
)
from bot.domain.rag import Rag, rag_from_cell
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.columns import MILESTONE_DATE, Columns, header_score, map_columns
from bot.plan_io.milestones import (
    UNDATED,
    dedupe_milestones,
    is_unreadable,
    milestone,
    parse_milestones,
)
from bot.plan_io.owners import parse_owners
from bot.plan_io.tabular import Cell, Table, TableError, TableRow, read_table

NO_DATE = frozenset({"-", "n/a", "na", "tbc", "tba", "tbd", "none", "ongoing"})
MILESTONE_FIELDS = frozenset({"ref", "milestones"})


def read_plan_files(
    paths: Sequence[Path], *, as_of: date, calendar: WorkingCalendar
) -> list[ActionRow]:
    """Every file is read in full; any problem in any file raises PlanFileError with all of them."""
    rows: list[ActionRow] = []
    errors: list[CellError] = []
    for path in paths:
        file_rows, file_errors = read_plan_file(path, as_of=as_of, calendar=calendar)
        rows.extend(file_rows)
        errors.extend(file_errors)
    if errors:
        raise PlanFileError(errors)
    return rows


def read_plan_file(
    path: Path, *, as_of: date, calendar: WorkingCalendar
) -> tuple[list[ActionRow], list[CellError]]:
    """One file's rows and problems; the caller decides whether anything may be kept."""
    try:
        table = read_table(path, header_score)
    except TableError as error:
        return [], [CellError(path.name, 0, "", str(error))]
    except OSError as error:
        return [], [CellError(path.name, 0, "", f"cannot open the file ({error.strerror})")]
    context = _Context(table.file, map_columns(table.header), as_of, calendar)
    if context.columns.kind == "milestones":
        return _collect(context, table, _milestone_row)
    rows, errors = _collect(context, table, _plan_row)
    return _number_workstreams(context, rows), errors + _duplicate_refs(context, rows)


@dataclass(frozen=True)
class _Context:
    file: str
    columns: Columns
    as_of: date
    calendar: WorkingCalendar

    @cached_property
    def numbers_workstreams(self) -> bool:
        """St Helens has priorities but no refs: number them in order of appearance."""
        names = self.columns
        return names.has("workstream") and not names.has("workstream_ref") and not names.has("ref")

    @cached_property
    def present(self) -> frozenset[str]:
        """The fields this file speaks for; the same for every row, so worked out once."""
        found = {name for name in FIELDS if self.columns.has(name)}
        if self.columns.milestone_cells:
            found.add("milestones")
        if self.numbers_workstreams:
            found.add("workstream_ref")
        return frozenset(found)


@dataclass
class _Cells:
    """One row's cells by field, collecting every problem rather than stopping at the first."""

    context: _Context
    row: TableRow
    errors: list[CellError] = field(default_factory=list)

    def raw(self, index: int) -> Cell:
        return self.row.cell(index)

    def text(self, name: str) -> str | None:
        columns = self.context.columns
        if not columns.has(name):
            return None
        return _text(self.raw(columns.index[name])) or None

    def error(self, column: str, message: str) -> None:
        self.errors.append(CellError(self.context.file, self.row.number, column, message))

    def field_error(self, name: str, message: str) -> None:
        self.error(self.context.columns.name(name), message)

    def is_blank(self) -> bool:
        """Only the columns we read count: a note in an unused column is not an action."""
        columns = self.context.columns
        used = [*columns.index.values(), *columns.milestone_cells]
        return not any(_text(self.raw(index)) for index in used)

    def ref(self, name: str = "ref") -> str | None:
        """'1.1 ' and '1.1.' are both 1.1; '2.10' stays '2.10'."""
        text = self.text(name)
        return (text.rstrip(".").strip() or None) if text else None

    def rag(self) -> Rag | None:
        text = self.text("rag")
        if text is None:
            return None
        rag = rag_from_cell(text)
        if rag is None:
            self.field_error(
                "rag",
                f"'{text}' is not a RAG status (use Red, Amber, Green, Complete or Not started)",
            )
        return rag

    def owners(self) -> tuple[OwnerName, ...]:
        text = self.text("owners")
        return parse_owners(text) if text else ()

    def review_date(self) -> tuple[date | None, str | None]:
        """The date and the cell as written; placeholders like 'TBC' keep text, no date."""
        columns = self.context.columns
        if not columns.has("review_date"):
            return None, None
        cell = self.raw(columns.index["review_date"])
        if isinstance(cell, date):
            return cell, _text(cell)
        text = _text(cell)
        if not text or text.casefold() in NO_DATE:
            return None, text or None
        return self._read_review_date(text), text

    def _read_review_date(self, text: str) -> date | None:
        context = self.context
        reading = read_date(text, today=context.as_of, calendar=context.calendar, year_rule="base")
        if reading is not None and reading.date is not None:
            return reading.date
        if reading is not None and reading.is_ambiguous:
            options = " or ".join(_text(day) for day in reading.options)
            self.field_error("review_date", f"'{text}' could mean {options}: write it in full")
        else:
            self.field_error(
                "review_date",
                f"'{text}' is not a date (write e.g. '30/04/2023' or 'November 2022')",
            )
        return None

    def milestones(self) -> tuple[MilestoneRow, ...]:
        found: list[MilestoneRow] = []
        for index in self.context.columns.milestone_cells:
            found.extend(self._milestone_cell(index))
        return dedupe_milestones(found)

    def _milestone_cell(self, index: int) -> tuple[MilestoneRow, ...]:
        cell = self.raw(index)
        if isinstance(cell, date):
            return (MilestoneRow(cell, _text(cell), ""),)
        context = self.context
        rows = parse_milestones(cell, today=context.as_of, calendar=context.calendar)
        for row in rows:
            if is_unreadable(row):
                self.error(context.columns.names[index], f"'{row.date_text}' is not a date")
        return rows


_RowReader = Callable[[_Cells], ActionRow | None]


def _collect(
    context: _Context, table: Table, read_row: _RowReader
) -> tuple[list[ActionRow], list[CellError]]:
    rows: list[ActionRow] = []
    errors: list[CellError] = []
    for table_row in table.rows:
        cells = _Cells(context, table_row)
        if cells.is_blank():
            continue
        action = read_row(cells)
        errors.extend(cells.errors)
        if action is not None:
            rows.append(action)
    return rows, errors


def _plan_row(cells: _Cells) -> ActionRow | None:
    """One action; a row with no title is reported, since it cannot be an action."""
    ref, title = cells.ref(), cells.text("title")
    if title is None:
        cells.field_error("title", f"action {ref} has no title" if ref else "the row has no title")
    review_date, review_text = cells.review_date()
    return ActionRow(
        source=SourceRef(cells.context.file, cells.row.number),
        present=cells.context.present,
        ref=ref,
        title=title,
        workstream_ref=cells.ref("workstream_ref"),
        workstream=cells.text("workstream"),
        workstream_lead=cells.text("workstream_lead"),
        outcomes=cells.text("outcomes"),
        measures=cells.text("measures"),
        owners=cells.owners(),
        review_date=review_date,
        review_date_text=review_text,
        rag=cells.rag(),
        latest_update=cells.text("latest_update"),
        milestones=cells.milestones(),
    )


def _milestone_row(cells: _Cells) -> ActionRow | None:
    """One milestone per row; 'TBC' with no description is a placeholder and skipped."""
    columns = cells.context.columns
    text_index = columns.milestone_text
    assert text_index is not None  # guaranteed by Columns.kind == "milestones"
    date_cell, text = cells.raw(columns.index[MILESTONE_DATE]), _text(cells.raw(text_index))
    if not text and isinstance(date_cell, str) and _text(date_cell).casefold() in UNDATED:
        return None
    ref = cells.ref()
    if ref is None:
        cells.field_error("ref", "the milestone has no ref to say which action it belongs to")
    row = _milestone_from(cells, date_cell, text)
    source = SourceRef(cells.context.file, cells.row.number)
    return ActionRow(source=source, present=MILESTONE_FIELDS, ref=ref, milestones=(row,))


def _milestone_from(cells: _Cells, date_cell: Cell, text: str) -> MilestoneRow:
    if isinstance(date_cell, date):
        return MilestoneRow(date_cell, _text(date_cell), text)
    context = cells.context
    row = milestone(date_cell, text, today=context.as_of, calendar=context.calendar)
    if is_unreadable(row):
        cells.field_error(MILESTONE_DATE, f"'{row.date_text}' is not a date")
    return row


def _number_workstreams(context: _Context, rows: list[ActionRow]) -> list[ActionRow]:
    """'1'..'n' by first appearance, so reminders and /rag can say 'workstream 3'."""
    if not context.numbers_workstreams:
        return rows
    numbers: dict[str, str] = {}
    for row in rows:
        if row.workstream is not None:
            numbers.setdefault(row.workstream, str(len(numbers) + 1))
    return [
        dataclasses.replace(row, workstream_ref=numbers.get(row.workstream or "")) for row in rows
    ]


def _duplicate_refs(context: _Context, rows: list[ActionRow]) -> list[CellError]:
    """Two actions with one ref would silently overwrite each other on import."""
    first_row: dict[str, int] = {}
    errors: list[CellError] = []
    column = context.columns.name("ref")
    for row in rows:
        if row.ref is None:
            continue
        if row.ref in first_row:
            message = f"ref '{row.ref}' is also used on row {first_row[row.ref]}"
            errors.append(CellError(context.file, row.source.row, column, message))
        first_row.setdefault(row.ref, row.source.row)
    return errors


def _text(cell: Cell) -> str:
    """Cells as trimmed single-spaced text; dates typed into a text column as dd/mm/yyyy."""
    if isinstance(cell, date):
        return cell.strftime("%d/%m/%Y")
    return " ".join(cell.split())
