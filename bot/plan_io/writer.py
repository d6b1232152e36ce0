"""Export the plan in one canonical layout that the reader reads back unchanged."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from copy import copy
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from bot.domain.dates import read_date
from bot.domain.plan_rows import ActionRow
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.milestones import format_milestone
from bot.plan_io.owners import format_owner
from bot.plan_io.tabular import FORMULA_GUARD, would_run

EXPORT_COLUMNS: tuple[str, ...] = (
    "Workstream Ref",
    "Workstream",
    "Workstream Lead",
    "Ref",
    "Action",
    "Outcomes Expected",
    "Measure",
    "By Whom",
    "Review Date",
    "RAG",
    "Update",
    "Milestones",
)
_WIDTHS = (10, 30, 30, 8, 50, 50, 40, 35, 18, 12, 60, 60)


def write_csv(
    rows: Iterable[ActionRow], out: TextIO, *, calendar: WorkingCalendar | None = None
) -> int:
    """CSV for anyone's spreadsheet; `out` should be opened with newline=''. Rows are written
    as they come, so a 100,000-action board streams rather than sitting in memory; gives the
    number of rows written.

    A cell a spreadsheet would run as a formula gets a leading apostrophe; the reader takes it
    off again, so an export read back changes nothing.
    """
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    calendar = calendar or WorkingCalendar()
    count = 0
    for row in rows:
        writer.writerow([guard_formula(cell) for cell in export_cells(row, calendar=calendar)])
        count += 1
    return count


def guard_formula(text: str) -> str:
    """'=SUM(A1)' → "'=SUM(A1)"; text the reader would unguard is guarded too, so it survives."""
    return FORMULA_GUARD + text if would_run(text) else text


def write_xlsx(
    rows: Iterable[ActionRow], path: Path | BinaryIO, *, calendar: WorkingCalendar | None = None
) -> int:
    """Every cell is written as text, so refs like 2.10 and '=' in an update survive.

    openpyxl's write-only mode writes each row as it comes (a normal workbook holds every cell
    as an object: gigabytes at 100,000 actions); gives the number of rows written.
    """
    import openpyxl  # only for spreadsheets, like the rest of this module's openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    sheet: Any = workbook.create_sheet("Plan")
    for column, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    heading = _styled(sheet, font=Font(bold=True))
    sheet.append([_text_cell(sheet, name, heading) for name in EXPORT_COLUMNS])
    calendar = calendar or WorkingCalendar()
    wrapped = _styled(sheet, alignment=Alignment(wrap_text=True, vertical="top"))
    count = 0
    for row in rows:
        cells = export_cells(row, calendar=calendar)
        sheet.append([_text_cell(sheet, _xlsx_text(value), wrapped) for value in cells])
        count += 1
    workbook.save(path)
    return count


def _styled(sheet: Any, **style: Any) -> Any:
    """A cell carrying a style once registered with the workbook, for `_text_cell` to copy:
    setting the font or alignment on each cell would hash and look the style up every time
    (two thirds of a large export's time)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet)
    for name, value in style.items():
        setattr(cell, name, value)
    return cell


def _text_cell(sheet: Any, value: str, template: Any) -> Any:
    """A text cell whatever it starts with: '=' would otherwise make openpyxl write a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell._style = copy(template._style)  # the registered style's indices, not a new lookup
    return cell


def export_cells(row: ActionRow, *, calendar: WorkingCalendar) -> list[str]:
    """One action as EXPORT_COLUMNS cells."""
    return [
        row.workstream_ref or "",
        row.workstream or "",
        row.workstream_lead or "",
        row.ref or "",
        row.title or "",
        row.outcomes or "",
        row.measures or "",
        "; ".join(format_owner(owner) for owner in row.owners),
        review_date_cell(row, calendar),
        row.rag.label if row.rag else "",
        row.latest_update or "",
        "\n".join(format_milestone(milestone) for milestone in row.milestones),
    ]


def review_date_cell(row: ActionRow, calendar: WorkingCalendar) -> str:
    """The user's words ("November 2022 (thereafter bi-monthly)") when they still mean the date."""
    text, due = row.review_date_text, row.review_date
    if due is None:
        return text or ""
    if text and _reads_as(text, due, calendar):
        return text
    return due.strftime("%d/%m/%Y")


def _reads_as(text: str, due: date, calendar: WorkingCalendar) -> bool:
    reading = read_date(text, today=due, calendar=calendar, year_rule="base")
    return reading is not None and reading.date == due


def _xlsx_text(value: str) -> str:
    """openpyxl refuses control characters; they carry no meaning in a plan."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cleaned
