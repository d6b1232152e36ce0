"""Read plan spreadsheets in their own columns; all or nothing, every problem reported.

A file explains itself: a missing column is named, with the headings the file does have; how
it was read, where that is a guess (its delimiter, its real type under another name, an Excel
day number, a date with no year), comes back as a ReadNote for the import's report; and each
row carries its file's headings, so changes are reported in the user's words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from bot.domain.plan_rows import (
    FIELDS,
    ActionRow,
    CellError,
    MilestoneRow,
    OwnerName,
    PlanFileError,
    ReadNote,
    SourceRef,
    Track,
    tracking,
)
from bot.domain.rag import Rag, rag_from_cell
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.columns import (
    MILESTONE_DATE,
    Columns,
    header_score,
    map_columns,
    missing_column,
    quoted_headings,
)
from bot.plan_io.dates import read_plan_date, serial_date
from bot.plan_io.exported import read_export
from bot.plan_io.milestones import (
    UNDATED,
    dedupe_milestones,
    is_unreadable,
    is_yearless,
    milestone,
    parse_milestones,
)
from bot.plan_io.owners import parse_owners
from bot.plan_io.tabular import (
    DELIMITER_NAMES,
    Cell,
    NoHeaderError,
    Table,
    TableError,
    TableRow,
    looks_like_text,
    read_plan_bytes,
    read_table,
    read_table_data,
)

NO_DATE = frozenset({"-", "n/a", "na", "tbc", "tba", "tbd", "none", "ongoing"})
MILESTONE_FIELDS = frozenset({"ref", "milestones"})


@dataclass(frozen=True)
class PlanRead:
    """The rows of every file, and how any file was read where that is worth saying."""

    rows: list[ActionRow]
    notes: list[ReadNote]


def read_plans(
    paths: Sequence[Path], *, as_of: date, calendar: WorkingCalendar, track: Track | None = None
) -> PlanRead:
    """Every file is read in full; any problem in any file raises PlanFileError with all of them.

    `as_of` is the plan's date: a date written without a year is the nearest such date to it.
    `track(description, total)` is told how far each file's reading has got (a progress bar).
    """
    rows: list[ActionRow] = []
    errors: list[CellError] = []
    notes: list[ReadNote] = []
    for path in paths:
        found = _read_file(path, as_of=as_of, calendar=calendar, track=track)
        rows.extend(found.rows)
        errors.extend(found.errors)
        notes.extend(found.notes)
    if errors:
        raise PlanFileError(errors)
    return PlanRead(rows, notes)


def read_plan_files(
    paths: Sequence[Path], *, as_of: date, calendar: WorkingCalendar
) -> list[ActionRow]:
    """Every file is read in full; any problem in any file raises PlanFileError with all of them."""
    return read_plans(paths, as_of=as_of, calendar=calendar).rows


def read_plan_file(
    path: Path, *, as_of: date, calendar: WorkingCalendar
) -> tuple[list[ActionRow], list[CellError]]:
    """One file's rows and problems; the caller decides whether anything may be kept."""
    found = _read_file(path, as_of=as_of, calendar=calendar, track=None)
    return found.rows, found.errors


@dataclass
class _FileRead:
    rows: list[ActionRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    notes: list[ReadNote] = field(default_factory=list)


def _read_file(
    path: Path, *, as_of: date, calendar: WorkingCalendar, track: Track | None
) -> _FileRead:
    try:
        if path.suffix.lower() == ".json":
            data = read_plan_bytes(path)
            table = _json_or_table(path.name, data)
            if table is None:
                exported = read_export(path.name, data)
                return _FileRead(exported.rows, exported.errors, exported.notes)
        else:
            table = read_table(path, header_score)
    except NoHeaderError as error:
        return _FileRead(errors=[_no_header(path.name, error)])
    except TableError as error:
        return _FileRead(errors=[CellError(path.name, 0, "", str(error), bad_file=error.bad_file)])
    except FileNotFoundError:
        message = "there is no such file: check the file's name and folder"
        return _FileRead(errors=[CellError(path.name, 0, "", message, bad_file=True)])
    except OSError as error:
        message = f"cannot open the file ({error.strerror})"
        return _FileRead(errors=[CellError(path.name, 0, "", message)])
    context = _Context(table.file, map_columns(table.header), as_of, calendar)
    notes = [ReadNote(table.file, note) for note in table.notes]
    read_row = _milestone_row if context.columns.kind == "milestones" else _plan_row
    rows, errors, used = _collect(context, table, read_row, track)
    if not used:
        message = "has column headings but no rows: nothing to import"
        return _FileRead(errors=[CellError(table.file, 0, "", message, names_file=True)])
    if read_row is _plan_row:
        rows = _number_workstreams(context, rows)
        errors += _duplicate_refs(context, rows)
    return _FileRead(rows, errors, notes + context.seen.notes(context))


def _json_or_table(name: str, data: bytes) -> Table | None:
    """None for an export (or what is meant as one): a CSV or workbook named .json is read as
    what it is, and said so; anything else is read as JSON, to say why it isn't."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"[") or not (data.startswith(b"PK") or looks_like_text(data)):
        return None
    try:
        return read_table_data(name, ".json", data, header_score)
    except TableError as error:
        if not error.bad_file:  # empty, or too large: said as such
            raise
        return None


def _no_header(name: str, error: NoHeaderError) -> CellError:
    """Which column is missing, and the headings the file does have, in its own words."""
    if not any(any(cell.strip() for cell in row) for row in error.candidates):
        message = "has nothing in its first rows: the plan's column headings should be at the top"
        return CellError(name, 0, "", message, bad_file=True, names_file=True)
    found = missing_column(error.candidates)
    where = f" on worksheet '{error.sheet}'" if error.sheet else ""
    split = ""
    if error.delimiter and error.delimiter != ",":
        split = f", split at the {DELIMITER_NAMES[error.delimiter]},"
    message = (
        f"has no {found.missing}{where}: its headings{split} are "
        f"{quoted_headings(found.headings)}. To import it, {found.advice}"
    )
    return CellError(name, 0, "", message, bad_file=True, names_file=True)


@dataclass
class _Seen:
    """Dates read in a way the user should hear about, by column: (as written, as read)."""

    serials: dict[str, list[tuple[str, date]]] = field(default_factory=dict)
    yearless: dict[str, list[tuple[str, date]]] = field(default_factory=dict)

    def serial(self, column: str, text: str, day: date) -> None:
        self.serials.setdefault(column, []).append((text, day))

    def without_year(self, column: str, text: str, day: date) -> None:
        self.yearless.setdefault(column, []).append((text, day))

    def notes(self, context: _Context) -> list[ReadNote]:
        found: list[ReadNote] = []
        for column, seen in self.serials.items():
            text, day = seen[0]
            one = len(seen) == 1
            message = (
                f"{_count(len(seen), 'cell')} held "
                f"{'an Excel date number, not a date' if one else 'Excel date numbers, not dates'}"
                f": {'it was' if one else 'they were'} read as the "
                f"{'date it stands' if one else 'dates they stand'} for ('{text}' as {_text(day)})"
            )
            found.append(ReadNote(context.file, message, column))
        for column, seen in self.yearless.items():
            text, day = seen[0]
            message = (
                f"{_count(len(seen), 'date')} had no year: "
                f"{'it was' if len(seen) == 1 else 'each was'} read as the nearest such date "
                f"to {_text(context.as_of)}, the plan's date (--as-of, else today): "
                f"'{text}' as {_text(day)}"
            )
            found.append(ReadNote(context.file, message, column))
        return found


def _count(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class _Context:
    file: str
    columns: Columns
    as_of: date
    calendar: WorkingCalendar
    seen: _Seen = field(default_factory=_Seen)
    owners_read: dict[str, tuple[OwnerName, ...]] = field(default_factory=dict)

    @cached_property
    def labels(self) -> Mapping[str, str]:
        """Each field's heading as the file writes it, for reports in the user's words."""
        columns = self.columns
        labels = {name: columns.name(name) for name in FIELDS if columns.has(name)}
        if columns.milestone_cells:
            labels["milestones"] = " / ".join(columns.names[i] for i in columns.milestone_cells)
        if columns.kind == "milestones" and columns.milestone_text is not None:
            labels["milestones"] = columns.names[columns.milestone_text]
        return labels

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
        """Read once for each way the file writes them: the same few thousand owners' cells
        recur across a big plan, and the parsed names are immutable, so rows share them."""
        text = self.text("owners")
        if not text:
            return ()
        known = self.context.owners_read
        if text not in known:
            known[text] = parse_owners(text)
        return known[text]

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
        serial = serial_date(text)
        if serial is not None:
            self.context.seen.serial(columns.name("review_date"), text, serial)
            return serial, _text(serial)
        return self._read_review_date(text), text

    def _read_review_date(self, text: str) -> date | None:
        context = self.context
        reading = read_plan_date(text, as_of=context.as_of, calendar=context.calendar)
        if reading is not None and reading.date is not None:
            if reading.yearless:
                column = context.columns.name("review_date")
                context.seen.without_year(column, text, reading.date)
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
        column = context.columns.names[index]
        for row in rows:
            if is_unreadable(row):
                self.error(column, f"'{row.date_text}' is not a date")
            elif row.due and is_yearless(row, today=context.as_of, calendar=context.calendar):
                context.seen.without_year(column, row.date_text, row.due)
        return rows


_RowReader = Callable[[_Cells], ActionRow | None]
_PROGRESS_STEP = 100  # rows between progress updates: a bar need not move for every row


def _collect(
    context: _Context, table: Table, read_row: _RowReader, track: Track | None
) -> tuple[list[ActionRow], list[CellError], int]:
    """The rows, their problems, and how many rows had anything in the columns we read."""
    rows: list[ActionRow] = []
    errors: list[CellError] = []
    used = 0
    with tracking(track, f"Reading {context.file}", len(table.rows)) as advance:
        for number, table_row in enumerate(table.rows, start=1):
            if number % _PROGRESS_STEP == 0:
                advance(_PROGRESS_STEP)
            cells = _Cells(context, table_row)
            if cells.is_blank():
                continue
            used += 1
            action = read_row(cells)
            errors.extend(cells.errors)
            if action is not None:
                rows.append(action)
        advance(len(table.rows) % _PROGRESS_STEP)
    return rows, errors, used


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
        columns=cells.context.labels,
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
    labels = cells.context.labels
    return ActionRow(
        source=source, present=MILESTONE_FIELDS, ref=ref, milestones=(row,), columns=labels
    )


def _milestone_from(cells: _Cells, date_cell: Cell, text: str) -> MilestoneRow:
    if isinstance(date_cell, date):
        return MilestoneRow(date_cell, _text(date_cell), text)
    context = cells.context
    column = context.columns.name(MILESTONE_DATE)
    serial = serial_date(date_cell)
    if serial is not None:
        context.seen.serial(column, date_cell.strip(), serial)
        return MilestoneRow(serial, _text(serial), " ".join(text.split()))
    row = milestone(date_cell, text, today=context.as_of, calendar=context.calendar)
    if is_unreadable(row):
        cells.field_error(MILESTONE_DATE, f"'{row.date_text}' is not a date")
    elif row.due and is_yearless(row, today=context.as_of, calendar=context.calendar):
        context.seen.without_year(column, row.date_text, row.due)
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
    spaced = " ".join(cell.split())
    return cell if spaced == cell else spaced  # the table's own (shared) string where it can
