"""Milestone cells ("13 Mar - Mock up … 21 Mar - World Social Worker Day …") as milestones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from bot.domain.plan_rows import MilestoneRow
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.dates import read_plan_date

UNDATED = frozenset({"tbc", "tba", "tbd", "-", "n/a", "·", "•"})
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY = r"[0-3Oo]?\d(?:st|nd|rd|th)?"
_DATE = rf"(?:(?:{_DAY}\s*)?{_MONTH}\.?(?:\s+\d{{4}})?|TBC|tbc|TBA)"
_DONE = r"(?:\[[xX]\]|✓|✔)"
# A date token starts a milestone: "13 Mar -", "01 Mar- ", "Apr -", "TBC -", "[x] 09 Mar 2017 -".
_TOKEN = re.compile(rf"(?<!\S)(?P<done>{_DONE}\s*)?(?P<date>{_DATE})\s*[-–—](?!\S)\s*")
_LEADING_DONE = re.compile(rf"^{_DONE}\s*")
_OCR_ZERO = re.compile(r"^[Oo](?=\d)")


def parse_milestones(
    cell: str, *, today: date, calendar: WorkingCalendar
) -> tuple[MilestoneRow, ...]:
    """Several milestones per cell, split at each date token; never raises."""
    found: list[MilestoneRow] = []
    for line in cell.splitlines():
        found.extend(_parse_line(line, today=today, calendar=calendar))
    return dedupe_milestones(found)


def milestone(
    date_text: str, text: str, *, today: date, calendar: WorkingCalendar, done: bool = False
) -> MilestoneRow:
    """One milestone from its date as written; TBC (or an unreadable date) has no due date."""
    written = _OCR_ZERO.sub("0", " ".join(date_text.split()))
    return MilestoneRow(_due(written, today, calendar), written, " ".join(text.split()), done)


def is_unreadable(row: MilestoneRow) -> bool:
    """A written date that is not TBC yet gave no due date: the user should fix it."""
    return row.due is None and bool(row.date_text) and row.date_text.casefold() not in UNDATED


def dedupe_milestones(rows: Iterable[MilestoneRow]) -> tuple[MilestoneRow, ...]:
    """The same (due, text) from two cells or files is one milestone; done wins."""
    kept: dict[tuple[date | None, str], MilestoneRow] = {}
    for row in rows:
        key = (row.due, row.text)
        if key not in kept or (row.done and not kept[key].done):
            kept[key] = row
    return tuple(kept.values())


def format_milestone(row: MilestoneRow) -> str:
    """One line per milestone, with the year, so parse_milestones reads it back exactly."""
    mark = "[x] " if row.done else ""
    when = format_due(row.due) if row.due else "TBC"
    return f"{mark}{when} - {row.text}"


def format_due(day: date) -> str:
    """'09 Mar 2017', independent of the process locale."""
    return f"{day.day:02d} {_MONTH_ABBR[day.month - 1]} {day.year}"


def _parse_line(line: str, *, today: date, calendar: WorkingCalendar) -> list[MilestoneRow]:
    tokens = list(_TOKEN.finditer(line))
    head = line[: tokens[0].start()] if tokens else line
    found = [row for row in [_undated(head)] if row is not None]
    for index, token in enumerate(tokens):
        end = tokens[index + 1].start() if index + 1 < len(tokens) else len(line)
        date_text, text = token["date"], line[token.end() : end]
        row = milestone(date_text, text, today=today, calendar=calendar, done=bool(token["done"]))
        if row.text or row.date_text.casefold() not in UNDATED:
            found.append(row)
    return found


def _undated(text: str) -> MilestoneRow | None:
    """Text before the first date token: a milestone with no date, unless a placeholder."""
    done = _LEADING_DONE.match(text.strip()) is not None
    words = " ".join(_LEADING_DONE.sub("", text.strip()).split())
    if not words or words.casefold() in UNDATED:
        return None
    return MilestoneRow(None, "", words, done)


def is_yearless(row: MilestoneRow, *, today: date, calendar: WorkingCalendar) -> bool:
    """A dated milestone written without its year ("09 Mar"), so one was chosen for it."""
    if row.due is None or not row.date_text or row.date_text.casefold() in UNDATED:
        return False
    reading = read_plan_date(row.date_text, as_of=today, calendar=calendar)
    return reading is not None and reading.yearless


def _due(written: str, today: date, calendar: WorkingCalendar) -> date | None:
    """`today` is the plan's date: a date with no year is the nearest such date to it."""
    if not written or written.casefold() in UNDATED:
        return None
    reading = read_plan_date(written, as_of=today, calendar=calendar)
    return reading.date if reading is not None else None
