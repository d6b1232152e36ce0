"""CSV and XLSX files as a header plus rows numbered the way the user sees them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any

import openpyxl

Cell = str | date
HeaderScore = Callable[[Sequence[str]], int]

HEADER_SEARCH_ROWS = 20
_NUMBER_TYPES = (int, float)


@dataclass(frozen=True)
class TableRow:
    """Cells of one row; `number` is the spreadsheet row number (header row counts)."""

    number: int
    cells: tuple[Cell, ...]

    def cell(self, index: int) -> Cell:
        """Short rows are common in CSVs: a missing trailing cell reads as empty."""
        return self.cells[index] if index < len(self.cells) else ""


@dataclass(frozen=True)
class Table:
    """A header row found by content, not position, and the rows below it."""

    file: str
    header: tuple[str, ...]
    header_row: int
    rows: tuple[TableRow, ...]


class TableError(Exception):
    """The file as a whole cannot be read as a table."""


def read_table(path: Path, score: HeaderScore) -> Table:
    """Dispatch on extension so a mislabelled file gets a clear message, not a crash."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _table(path.name, _csv_rows(path), score)
    if suffix == ".xlsx":
        return _xlsx_table(path, score)
    raise TableError(f"cannot read '{suffix or path.name}' files: save the plan as .csv or .xlsx")


def cell_value(value: object) -> Cell:
    """Spreadsheet values as text, except real dates; 1.1 becomes "1.1", 2.0 becomes "2"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _NUMBER_TYPES):
        return repr(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def _table(name: str, rows: Iterable[tuple[Cell, ...]], score: HeaderScore) -> Table:
    """The header is found by content among the top rows, below any title rows."""
    all_rows = iter(rows)
    top = list(islice(all_rows, HEADER_SEARCH_ROWS))
    at = _header_index([score(tuple(_header_text(cell) for cell in cells)) for cells in top])
    header = tuple(_header_text(cell) for cell in top[at])
    body = [*top[at + 1 :], *all_rows]
    numbered = (TableRow(number, cells) for number, cells in enumerate(body, start=at + 2))
    return Table(name, header, at + 1, tuple(numbered))


def _header_index(scores: list[int]) -> int:
    """The first row naming two or more columns wins over a title like "Actions" above it,
    which names only one; a one-column plan still has a header."""
    for least in (2, 1):
        for index, found in enumerate(scores):
            if found >= least:
                return index
    raise TableError(
        f"no header row in the first {HEADER_SEARCH_ROWS} rows: expected a column such as "
        "'Action', 'Project' or 'Title' (or 'Ref', 'Date' and 'Description' for milestones)"
    )


def _header_text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell.isoformat()


def _csv_rows(path: Path) -> list[tuple[Cell, ...]]:
    """Whole file first, so a broken CSV fails before any row is used."""
    text = _decode(path.read_bytes())
    try:
        return [tuple(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise TableError(f"not a readable CSV file ({error})") from error


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) as written by most tools; cp1252 as saved by older Excel."""
    if not data.strip():
        raise TableError("the file is empty")
    if b"\x00" in data:
        raise TableError("this is not a text CSV file (it contains binary data)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("cannot decode the file as text: save it as CSV UTF-8")


def _xlsx_table(path: Path, score: HeaderScore) -> Table:
    """First worksheet whose top rows hold a header; the rest are notes, charts or lookups."""
    if path.stat().st_size == 0:
        raise TableError("the file is empty")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged file
        raise TableError(f"not a readable .xlsx workbook ({type(error).__name__})") from error
    try:
        return _first_table(path.name, workbook.worksheets, score)
    except TableError:
        raise
    except Exception as error:  # read-only sheets parse lazily, so damage shows up here too
        raise TableError(f"not a readable .xlsx workbook ({type(error).__name__})") from error
    finally:
        workbook.close()


def _first_table(name: str, sheets: Sequence[Any], score: HeaderScore) -> Table:
    for sheet in sheets:
        try:
            return _table(name, _sheet_rows(sheet), score)
        except TableError:
            continue
    raise TableError(
        f"no worksheet has a header row in its first {HEADER_SEARCH_ROWS} rows: expected a "
        "column such as 'Action', 'Project' or 'Title'"
    )


def _sheet_rows(sheet: Any) -> Iterator[tuple[Cell, ...]]:
    for values in sheet.iter_rows(min_row=1, values_only=True):
        yield tuple(cell_value(value) for value in values)
