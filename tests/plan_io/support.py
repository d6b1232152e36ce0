"""Shared helpers for the plan_io tests: where the seed data is, and how to compare rows."""

from __future__ import annotations

import csv
import dataclasses
import re
import shutil
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from bot.domain.plan_rows import ActionRow, MilestoneRow, SourceRef
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.milestones import dedupe_milestones

DATA = Path(__file__).resolve().parents[2] / "bot" / "sample"  # the seeds, as shipped
ST_HELENS = "st_helens_plan.csv"
WORCS_SIP = "worcestershire_sip.csv"
WORCS_MILESTONES = "worcestershire_milestones.csv"
WORCS_OWNERS = "worcestershire_owners.csv"
WORCS_FILES = (WORCS_SIP, WORCS_MILESTONES, WORCS_OWNERS)

CALENDAR = WorkingCalendar("ENG")
ST_HELENS_AS_OF = date(2022, 10, 31)  # the October update of the plan
WORCS_AS_OF = date(2017, 2, 24)  # "Accurate when produced on 24/02/2017"

_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def seed(name: str) -> Path:
    """A seed CSV as the council published it (the repo ships byte-identical copies)."""
    path = DATA / name
    assert path.is_file(), f"seed data {path} is missing from the repo"
    return path


def copy_seed(name: str, folder: Path) -> Path:
    """A writable copy under the same file name, so error messages name it as users would."""
    target = folder / name
    shutil.copyfile(seed(name), target)
    return target


def read_csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def write_csv_rows(path: Path, rows: Iterable[Sequence[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def edit_seed(name: str, folder: Path, row: int, column: str, value: str) -> Path:
    """Copy a seed CSV with one cell changed; `row` is the spreadsheet row (header = 1)."""
    rows = read_csv_rows(seed(name))
    rows[row - 1][rows[0].index(column)] = value
    return write_csv_rows(folder / name, rows)


def csv_to_xlsx(source: Path, target: Path, *, title: str = "Improvement Plan") -> Path:
    """A workbook like a real one: a title row and a blank row above the header, numbers as
    numbers (so refs like 1.1 arrive as floats)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([title])
    sheet.append([])
    for row in read_csv_rows(source):
        sheet.append([_as_number(cell) for cell in row])
    workbook.save(target)
    return target


def _as_number(cell: str) -> Any:
    if not _PLAIN_NUMBER.fullmatch(cell):
        return cell
    return int(cell) if "." not in cell else float(cell)


def merge_by_ref(rows: Iterable[ActionRow]) -> list[ActionRow]:
    """What an import does with several files: each file sets only the fields it has."""
    merged: dict[str, ActionRow] = {}
    for row in rows:
        assert row.ref is not None
        base = merged.get(row.ref)
        merged[row.ref] = row if base is None else _overlay(base, row)
    return list(merged.values())


def _overlay(base: ActionRow, row: ActionRow) -> ActionRow:
    changes: dict[str, Any] = {name: getattr(row, name) for name in row.present}
    if "review_date" in row.present:
        changes["review_date_text"] = row.review_date_text
    changes["milestones"] = dedupe_milestones(base.milestones + row.milestones)
    changes["present"] = base.present | row.present
    return dataclasses.replace(base, **changes)


def comparable(row: ActionRow) -> ActionRow:
    """Drop what legitimately changes on a round trip: where it came from, and how a
    milestone date was written ("13 Mar" is exported as "13 Mar 2017")."""
    milestones = tuple(MilestoneRow(m.due, "", m.text, m.done) for m in row.milestones)
    return dataclasses.replace(
        row, source=SourceRef("", 0), present=frozenset(), milestones=milestones
    )
