"""CSV and XLSX files as a header plus rows numbered the way the user sees them."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any

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
    """A header row found by content, not position, and the rows below it.

    `notes` say how the file was read where that is not what its name suggests (a semicolon
    CSV, a CSV named .xlsx), each going on from the file's name: "is named .xlsx but …".
    """

    file: str
    header: tuple[str, ...]
    header_row: int
    rows: tuple[TableRow, ...]
    notes: tuple[str, ...] = ()


class TableError(Exception):
    """The file as a whole cannot be read as a table.

    `bad_file`: its type, layout or encoding is wrong (the user must fix or re-save the file);
    otherwise the path is not something to read at all, or there is nothing in it.
    """

    def __init__(self, message: str, *, bad_file: bool = True) -> None:
        super().__init__(message)
        self.bad_file = bad_file


class TooLargeError(TableError):
    """Beyond the bounds: said at once, not taken for "no header here"."""

    def __init__(self, message: str) -> None:
        super().__init__(message, bad_file=False)


class NoHeaderError(TableError):
    """No row near the top names the columns a plan needs.

    Carries what was there instead (the top rows, as header text), how the file was split into
    columns and which worksheet, so the reader can say which column is missing and what the
    file's headings are.
    """

    def __init__(
        self,
        candidates: Sequence[tuple[str, ...]],
        *,
        delimiter: str | None = None,
        sheet: str | None = None,
    ) -> None:
        super().__init__(
            f"no header row in the first {HEADER_SEARCH_ROWS} rows: expected a column such as "
            "'Action', 'Project' or 'Title' (or 'Ref', 'Date' and 'Description' for milestones)"
        )
        self.candidates = tuple(candidates)
        self.delimiter = delimiter
        self.sheet = sheet


# Text files a plan is saved as; each is sniffed for its delimiter.
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars ('|')"}
_ZIP_MAGIC = b"PK\x03\x04"
_TEXT_SAMPLE = 65536
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SNIFF_CHARS = 1024 * 1024  # the header is in the first 20 rows: no need to parse more
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other OLE files


def read_table(path: Path, score: HeaderScore) -> Table:
    """By extension, then by content: a CSV named .xlsx (or a workbook named .csv) is read as
    what it is, and said so, rather than failing with the other format's error."""
    suffix = path.suffix.lower()
    if suffix not in (*TEXT_SUFFIXES, *WORKBOOK_SUFFIXES):
        raise TableError(
            f"cannot read '{suffix or path.name}' files: save the plan as .csv or .xlsx "
            "(or import an actionbot .json export)"
        )
    return read_table_data(path.name, suffix, read_plan_bytes(path), score)


def read_table_data(name: str, suffix: str, data: bytes, score: HeaderScore) -> Table:
    """A file's bytes as a table, by what they hold: a workbook (a zip) or text, whatever the
    name says; when the name says otherwise, a note says what it was read as."""
    is_workbook = data.startswith(_ZIP_MAGIC)
    if suffix in WORKBOOK_SUFFIXES:
        if data.startswith(_OLE_MAGIC):
            raise TableError(
                f"this is an old Excel 97-2003 workbook (.xls) named {suffix}, which cannot be "
                "read: open it in Excel and save it as .xlsx (Excel Workbook) or .csv"
            )
        if is_workbook or not data or not looks_like_text(data):
            return _xlsx_table(data, score, name)
    elif is_workbook:
        note = f"is named {suffix} but is an Excel workbook: it was read as one (rename it .xlsx)"
        return _xlsx_table(data, score, name, (note,))
    if suffix in TEXT_SUFFIXES:
        return _csv_table(name, data, score, ())
    note = f"is named {suffix} but is a CSV (text) file: it was read as CSV (rename it to .csv)"
    return _csv_table(name, data, score, (note,))


def looks_like_text(data: bytes) -> bool:
    """No NUL bytes, and text in UTF-8 or cp1252 (or UTF-16 with its byte-order mark, as
    Excel's "Unicode Text" saves): what a CSV under another name looks like."""
    if data.startswith(_UTF16_BOMS):
        return True
    sample = data[:_TEXT_SAMPLE]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        cut_short = len(data) > _TEXT_SAMPLE and error.start >= _TEXT_SAMPLE - 3
        if not cut_short:  # (a character cut in two at the sample's end is still text)
            try:
                sample.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


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
        raise TableError("this is a folder, not a plan file", bad_file=False)
    if not stat.S_ISREG(mode):
        kind = "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise TableError(
            f"this is {kind}, not a plan file: save the plan as a .csv or .xlsx file",
            bad_file=False,
        )
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


def _table(
    name: str,
    rows: Iterable[tuple[Cell, ...]],
    score: HeaderScore,
    notes: tuple[str, ...] = (),
) -> Table:
    """The header is found by content among the top rows, below any title rows."""
    all_rows = iter(rows)
    top = list(islice(all_rows, HEADER_SEARCH_ROWS))
    headers = [tuple(_header_text(cell) for cell in cells) for cells in top]
    at = _header_index([score(header) for header in headers])
    if at is None:
        raise NoHeaderError(headers)
    body = [*top[at + 1 :], *all_rows]
    numbered = (TableRow(number, cells) for number, cells in enumerate(body, start=at + 2))
    return Table(name, headers[at], at + 1, tuple(numbered), notes)


def _header_index(scores: list[int]) -> int | None:
    """The first row naming two or more columns wins over a title like "Actions" above it,
    which names only one; a one-column plan still has a header."""
    for least in (2, 1):
        for index, found in enumerate(scores):
            if found >= least:
                return index
    return None


def _header_text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell.isoformat()


def _csv_table(name: str, data: bytes, score: HeaderScore, notes: tuple[str, ...]) -> Table:
    text = _decode(data)
    delimiter = pick_delimiter(text, score)
    if delimiter != "," and not (delimiter == "\t" and name.lower().endswith(".tsv")):
        notes = (
            *notes,
            f"separates its columns with {DELIMITER_NAMES[delimiter]}, not commas: "
            "it was read that way",
        )
    try:
        return _table(name, _csv_rows(text, delimiter), score, notes)
    except NoHeaderError as error:
        raise NoHeaderError(error.candidates, delimiter=delimiter) from None


def pick_delimiter(text: str, score: HeaderScore) -> str:
    """The delimiter under which the top rows hold the best header (commas when tied); with no
    header under any, the one the first line uses most, so the error can show its headings."""
    best, best_score = ",", _header_score(text, ",", score)
    for delimiter in DELIMITERS[1:]:
        found = _header_score(text, delimiter, score)
        if found > best_score:
            best, best_score = delimiter, found
    return best if best_score else _most_used(text)


def _header_score(text: str, delimiter: str, score: HeaderScore) -> int:
    reader = csv.reader(io.StringIO(text[:_SNIFF_CHARS], newline=""), delimiter=delimiter)
    try:
        top = list(islice(reader, HEADER_SEARCH_ROWS))
    except csv.Error:
        return 0
    return max((score(tuple(_trimmed(row))) for row in top), default=0)


def _most_used(text: str) -> str:
    """Counted outside quotes on the first line that has anything on it."""
    lines = io.StringIO(text[:_SNIFF_CHARS])
    line = next((line for line in lines if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(text: str, delimiter: str = ",") -> list[tuple[Cell, ...]]:
    """Whole file first, so a broken CSV fails before any row is used."""
    rows: list[tuple[Cell, ...]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    shared = SharedText()
    try:
        for number, row in enumerate(reader, start=1):
            cells = _trimmed(row)
            if cells and number > MAX_ROWS:
                raise TooLargeError(_too_many_rows())
            if len(cells) > MAX_COLUMNS:
                raise TooLargeError(_too_many_columns(number))
            rows.append(tuple(shared(_cell_text(cell)) for cell in cells))
    except csv.Error as error:
        raise TableError(f"not a readable CSV file ({error}): save it again as CSV") from error
    return rows


class SharedText:
    """One string object for each short text a file repeats (RAGs, dates, owners, workstream
    names, refs' prefixes): a 100,000-row plan says "Green" 40,000 times, and each copy costs
    ~50 bytes. Long texts (titles, updates) are left alone: they rarely repeat, and keeping a
    table of them would cost more than it saves."""

    LONGEST = 80

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if len(text) > self.LONGEST:
            return text
        return self._seen.setdefault(text, text)


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
    """UTF-8 (with or without BOM) as written by most tools; cp1252 as saved by older Excel;
    UTF-16 with its byte-order mark, as Excel's "Unicode Text" (tab-separated) saves."""
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise TableError("cannot decode the file as text: save it as CSV UTF-8") from error
        if not text.strip():
            raise TableError("the file is empty: nothing to import", bad_file=False)
        return text
    if not data.strip():
        raise TableError("the file is empty: nothing to import", bad_file=False)
    if b"\x00" in data:
        raise TableError(
            "this is not a text CSV file (it contains binary data): save the plan as .csv or .xlsx"
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("cannot decode the file as text: save it as CSV UTF-8")


def _xlsx_table(data: bytes, score: HeaderScore, name: str, notes: tuple[str, ...] = ()) -> Table:
    """First worksheet whose top rows hold a header; the rest are notes, charts or lookups."""
    if not data:
        raise TableError("the file is empty: nothing to import", bad_file=False)
    import openpyxl  # only for spreadsheets: a CSV import, `rag` and `serve` never load it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged file
        raise TableError(_unreadable_workbook(error)) from error
    try:
        return _first_table(name, workbook.worksheets, score, notes)
    except TableError:
        raise
    except Exception as error:  # read-only sheets parse lazily, so damage shows up here too
        raise TableError(_unreadable_workbook(error)) from error
    finally:
        workbook.close()


def _unreadable_workbook(error: Exception) -> str:
    return (
        f"not a readable .xlsx workbook ({type(error).__name__}): open it in Excel and save it "
        "again as .xlsx, or save the plan as .csv"
    )


def _first_table(
    name: str, sheets: Sequence[Any], score: HeaderScore, notes: tuple[str, ...]
) -> Table:
    first_missing: NoHeaderError | None = None
    for sheet in sheets:
        try:
            return _table(name, _sheet_rows(sheet), score, notes)
        except TooLargeError as error:
            raise TooLargeError(f"worksheet '{sheet.title}': {error}") from error
        except NoHeaderError as error:
            if first_missing is None and any(any(cells) for cells in error.candidates):
                sheet_name = sheet.title if len(sheets) > 1 else None
                first_missing = NoHeaderError(error.candidates, sheet=sheet_name)
    if first_missing is not None:
        raise first_missing
    raise TableError("no worksheet has anything in it: nothing to import", bad_file=False)


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
    from openpyxl.worksheet._reader import WorkSheetParser

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
