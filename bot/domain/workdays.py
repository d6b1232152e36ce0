"""Working days: weekends and UK bank holidays don't count."""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

REGIONS = frozenset({"ENG", "WLS", "SCT", "NIR"})

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=512)
def _bank_holidays(region: str, year: int) -> frozenset[date]:
    """Building a holidays table is slow; sweeps ask for the same few years again and again."""
    table = holidays.country_holidays("GB", subdiv=region, years=year)
    return frozenset(table.keys())


def _weekdays_up_to(day: date) -> int:
    """Mon-Fri days from 1 Jan 0001 to `day` inclusive, so ranges count in O(1)."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class WorkingCalendar:
    """Bank holidays for one UK region: 'ENG' (England and Wales), 'SCT' or 'NIR'."""

    region: str = "ENG"

    def __post_init__(self) -> None:
        if self.region not in REGIONS:
            raise ValueError(f"unknown UK region {self.region!r}; use one of {sorted(REGIONS)}")

    def bank_holidays(self, year: int) -> frozenset[date]:
        """The region's bank holidays in `year`, for display and tests."""
        return _bank_holidays(self.region, year)

    def is_working_day(self, day: date) -> bool:
        """Reminders and deadlines only land on days people are at work."""
        return day.weekday() < 5 and day not in _bank_holidays(self.region, day.year)

    def add_working_days(self, day: date, count: int) -> date:
        """Step `count` working days from `day` (negative steps go back)."""
        step = _ONE_DAY if count > 0 else -_ONE_DAY
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """`day` itself if people work that day, else the next day they do."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def last_working_day_of_month(self, year: int, month: int) -> date:
        """A month-only review date ('November 2022') means the month's last working day."""
        day = date(year, month, _calendar.monthrange(year, month)[1])
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def first_working_day_of_month(self, year: int, month: int) -> date:
        """'Early April' means the first day people are back at work in April."""
        return self.next_working_day(date(year, month, 1))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = _weekdays_up_to(end) - _weekdays_up_to(start)
        for year in range(start.year, end.year + 1):
            count -= sum(
                1
                for holiday in _bank_holidays(self.region, year)
                if start < holiday <= end and holiday.weekday() < 5
            )
        return count
