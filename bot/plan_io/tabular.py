"""CSV and XLSX files as a header plus rows numbered the way the user sees them."""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet._reader import WorkSheetParser

from bot.domain.safety import clean_text

Cell = str | date
HeaderScore = Callable[[Sequence[str]], int]

HEADER_SEARCH_ROWS = 20
_NUMBER_TYPES = (int, float)

# A plan is a few hundred rows; these bounds are far above any real one and keep a damaged or
# hostile file from costing gigabytes. The sheet's own <dimension> is never trusted.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 200
MAX_ROWS = 200_000

# What our CSV export puts before a cell a spreadsheet would run as a formula (see writer.py).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
_READ_CHUNK = 1024 * 1024


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


class TooLargeError(TableError):
    """Beyond the bounds: said at once, not taken for "no header here"."""


def read_table(path: Path, score: HeaderScore) -> Table:
    """Dispatch on extension so a mislabelled file gets a clear message, not a crash."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise TableError(
            f"cannot read '{suffix or path.name}' files: save the plan as .csv or .xlsx"
        )
    data = read_plan_bytes(path)
    if suffix == ".csv":
        return _table(path.name, _csv_rows(data), score)
    return _xlsx_table(data, score, path.name)


def read_plan_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The whole file, if it is a regular file of at most `limit` bytes.

    Checked with stat before opening, so a FIFO or a device never blocks the import, then again
    on the open file (opened non-blocking, read no further than the limit) in case it changed.
    """
    _check_regular(path.stat(), limit)
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        _check_regular(os.fstat(handle.fileno()), limit)
        chunks: list[bytes] = []
        size = 0
        while chunk := handle.read(_READ_CHUNK):  # not read(limit): that allocates 50 MB at once
            size += len(chunk)
            if size > limit:
                raise TooLargeError(_too_big(limit))
            chunks.append(chunk)
    return b"".join(chunks)


def _check_regular(info: os.stat_result, limit: int) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise TableError("this is a folder, not a plan file")
    if not stat.S_ISREG(mode):
        kind = "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise TableError(f"this is {kind}, not a plan file: save the plan as a .csv or .xlsx file")
    if info.st_size > limit:
        raise TooLargeError(_too_big(limit))


def _too_big(limit: int) -> str:
    return f"the file is larger than {limit // (1024 * 1024)} MB: no plan is that big"


def would_run(text: str) -> bool:
    """A formula to a spreadsheet, or one behind apostrophes (which our guard would add to)."""
    first = text.lstrip(FORMULA_GUARD)[:1]
    return bool(first) and first in FORMULA_STARTS


def unguard(text: str) -> str:
    """Our export's leading apostrophe comes off again, only where it was ours."""
    if text.startswith(FORMULA_GUARD) and would_run(text):
        return text[1:]
    return text


def _cell_text(text: str) -> str:
    """Every cell as stored: invisible characters gone, our formula guard removed."""
    return clean_text(unguard(text))


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
    return _cell_text(str(value))


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


def _csv_rows(data: bytes) -> list[tuple[Cell, ...]]:
    """Whole file first, so a broken CSV fails before any row is used."""
    text = _decode(data)
    rows: list[tuple[Cell, ...]] = []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells = _trimmed(row)
            if cells and number > MAX_ROWS:
                raise TooLargeError(_too_many_rows())
            if len(cells) > MAX_COLUMNS:
                raise TooLargeError(_too_many_columns(number))
            rows.append(tuple(_cell_text(cell) for cell in cells))
    except csv.Error as error:
        raise TableError(f"not a readable CSV file ({error})") from error
    return rows


def _trimmed(row: list[str]) -> list[str]:
    """Trailing empty cells carry nothing (a spreadsheet pads rows with them)."""
    end = len(row)
    while end and not row[end - 1].strip():
        end -= 1
    return row[:end]


def _too_many_rows() -> str:
    return f"the plan has more than {MAX_ROWS:,} rows: no plan is that long"


def _too_many_columns(row: int) -> str:
    return (
        f"row {row} has cells beyond column {MAX_COLUMNS}: delete the stray cells far to the "
        "right, or save only the plan's columns"
    )


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


def _xlsx_table(data: bytes, score: HeaderScore, name: str) -> Table:
    """First worksheet whose top rows hold a header; the rest are notes, charts or lookups."""
    if not data:
        raise TableError("the file is empty")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged file
        raise TableError(f"not a readable .xlsx workbook ({type(error).__name__})") from error
    try:
        return _first_table(name, workbook.worksheets, score)
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
        except TooLargeError as error:
            raise TooLargeError(f"worksheet '{sheet.title}': {error}") from error
        except TableError:
            continue
    raise TableError(
        f"no worksheet has a header row in its first {HEADER_SEARCH_ROWS} rows: expected a "
        "column such as 'Action', 'Project' or 'Title'"
    )


def _sheet_rows(sheet: Any) -> Iterator[tuple[Cell, ...]]:
    """Only the cells the sheet really holds, up to MAX_COLUMNS by MAX_ROWS.

    openpyxl's iter_rows pads every row to the width the sheet's <dimension> claims, and every
    gap to its height: a stray cell (or a crafted dimension) at XFD1048576 means 16,384 cells
    a row for a million rows. The sheet's own parser yields just the cells that are there.
    """
    expected = 1
    for number, cells in _parsed_rows(sheet):
        values = {cell["column"]: cell["value"] for cell in cells if _has_value(cell["value"])}
        if not values:
            continue
        if number > MAX_ROWS:
            raise TooLargeError(_too_many_rows())
        width = max(values)
        if width > MAX_COLUMNS:
            raise TooLargeError(_too_many_columns(number))
        for _ in range(expected, number):  # rows with nothing in them keep the numbering
            yield ()
        expected = number + 1
        yield tuple(cell_value(values.get(column)) for column in range(1, width + 1))


def _parsed_rows(sheet: Any) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(row number, the cells present) as openpyxl's read-only worksheet parses them."""
    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        yield from parser.parse()


def _has_value(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
