"""Dates as plan files write them: Excel's day numbers, and dates written without a year.

A date with no year ("15 Jan", "15/01", "March") is the nearest such date to the plan's date
(`--as-of`, else today): imported on 28 Dec 2026, "15 Jan" is 15 Jan 2027; imported on 5 Jan
2027, "20 Dec" is 20 Dec 2026. Chat reads such dates forwards; a plan looks both ways.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from bot.domain.dates import EARLIEST_YEAR, LATEST_YEAR, DateReading, read_date
from bot.domain.workdays import WorkingCalendar

# Excel counts days from 30 Dec 1899 (its day 60 is a 29 Feb 1900 that never was; every date a
# plan holds is long after it, so the count is simply days since the epoch).
EXCEL_EPOCH = date(1899, 12, 30)
FIRST_SERIAL = (date(EARLIEST_YEAR, 1, 1) - EXCEL_EPOCH).days  # 32874
LAST_SERIAL = (date(LATEST_YEAR, 12, 31) - EXCEL_EPOCH).days  # 73415
_SERIAL = re.compile(r"(?P<days>\d{5})(?:\.\d+)?")


def serial_date(text: str) -> date | None:
    """'42825' (or 42825.5, a date and time) as the day Excel means; None unless a whole cell
    is such a number in the years a plan can hold, so refs and counts are never dates."""
    found = _SERIAL.fullmatch(text.strip())
    if found is None:
        return None
    days = int(found["days"])
    if not FIRST_SERIAL <= days <= LAST_SERIAL:
        return None
    return EXCEL_EPOCH + timedelta(days=days)


def read_plan_date(text: str, *, as_of: date, calendar: WorkingCalendar) -> DateReading | None:
    """The first date in a plan's cell; a date without a year is the nearest one to `as_of`."""
    return _read(text, as_of, calendar)


@lru_cache(maxsize=4096)
def _read(text: str, as_of: date, calendar: WorkingCalendar) -> DateReading | None:
    """Cached: a plan repeats the same few dates ("09 Mar", "November 2022") many times."""
    reading = read_date(text, today=as_of, calendar=calendar, year_rule="base")
    if reading is None or not reading.yearless:
        return reading
    readings = [reading]
    for year in (as_of.year - 1, as_of.year + 1):
        other = read_date(text, today=date(year, 1, 1), calendar=calendar, year_rule="base")
        if other is not None and other.date is not None:
            readings.append(other)
    dated = [r for r in readings if r.date is not None]
    if not dated:
        return reading
    return min(dated, key=lambda r: _distance(r, as_of))


def _distance(reading: DateReading, as_of: date) -> tuple[int, int]:
    """Nearest first; of two equally near, the later (a plan looks ahead)."""
    assert reading.date is not None
    return abs((reading.date - as_of).days), -reading.date.toordinal()
