"""Export the plan in one canonical layout that the reader reads back unchanged."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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
    rows: Sequence[ActionRow], out: TextIO, *, calendar: WorkingCalendar | None = None
) -> None:
    """CSV for anyone's spreadsheet; `out` should be opened with newline=''.

    A cell a spreadsheet would run as a formula gets a leading apostrophe; the reader takes it
    off again, so an export read back changes nothing.
    """
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    calendar = calendar or WorkingCalendar()
    for row in rows:
        writer.writerow([guard_formula(cell) for cell in export_cells(row, calendar=calendar)])


def guard_formula(text: str) -> str:
    """'=SUM(A1)' → "'=SUM(A1)"; text the reader would unguard is guarded too, so it survives."""
    return FORMULA_GUARD + text if would_run(text) else text


def write_xlsx(
    rows: Sequence[ActionRow], path: Path | BinaryIO, *, calendar: WorkingCalendar | None = None
) -> None:
    """Every cell is written as text, so refs like 2.10 and '=' in an update survive."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Plan"
    sheet.append(EXPORT_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    calendar = calendar or WorkingCalendar()
    for row in rows:
        sheet.append([_xlsx_text(value) for value in export_cells(row, calendar=calendar)])
    _format_sheet(sheet)
    workbook.save(path)


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
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cleaned


def _format_sheet(sheet: Any) -> None:
    """Readable when opened: wrapped text, sensible widths, text type so '=' is not a formula."""
    for column, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
