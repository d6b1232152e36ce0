"""Working days against the real 2022-2027 UK bank holiday calendars."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.workdays import WorkingCalendar

ENG = WorkingCalendar()
SCT = WorkingCalendar("SCT")
NIR = WorkingCalendar("NIR")


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 25),  # Christmas Day, Friday
        date(2026, 12, 28),  # Boxing Day falls on Saturday: substitute Monday
        date(2027, 1, 1),  # New Year's Day
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 3),  # Early May bank holiday
        date(2027, 5, 31),  # Spring bank holiday
        date(2027, 8, 30),  # Summer bank holiday
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
    ],
)
def test_england_and_wales_bank_holidays_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert not ENG.is_working_day(day)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), True),  # Monday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 12, 24), True),  # Christmas Eve is a normal working day
        (date(2026, 12, 29), True),
        (date(2027, 3, 25), True),  # Maundy Thursday
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert ENG.is_working_day(day) is expected


def test_scotland_differs_from_england() -> None:
    assert not SCT.is_working_day(date(2026, 1, 2))  # 2 January is a Scottish bank holiday
    assert ENG.is_working_day(date(2026, 1, 2))
    assert SCT.is_working_day(date(2027, 3, 29))  # no Easter Monday holiday in Scotland
    assert not SCT.is_working_day(date(2026, 8, 3))  # Scottish summer holiday is in early August
    assert ENG.is_working_day(date(2026, 8, 3))
    assert not ENG.is_working_day(date(2026, 8, 31))
    assert SCT.is_working_day(date(2026, 8, 31))


def test_northern_ireland_has_st_patricks_day() -> None:
    assert not NIR.is_working_day(date(2027, 3, 17))
    assert ENG.is_working_day(date(2027, 3, 17))


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown UK region"):
        WorkingCalendar("FRA")


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
        (date(2026, 11, 28), 0, date(2026, 11, 28)),  # zero steps: unchanged, even on a Saturday
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday + 1 -> Monday
        (date(2026, 11, 30), -1, date(2026, 11, 27)),  # Monday - 1 -> Friday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # from a Saturday
        (date(2026, 11, 23), 5, date(2026, 11, 30)),
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # over Christmas and the substitute day
        (date(2026, 12, 23), 3, date(2026, 12, 30)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # over New Year's Day and a weekend
        (date(2027, 3, 25), 1, date(2027, 3, 30)),  # over the Easter weekend
        (date(2027, 3, 30), -1, date(2027, 3, 25)),
        (date(2027, 4, 30), 1, date(2027, 5, 4)),  # early May bank holiday
        (date(2026, 12, 18), 8, date(2027, 1, 4)),  # a week and a day across the holidays
        (date(2027, 1, 4), -8, date(2026, 12, 18)),
    ],
)
def test_add_working_days(start: date, count: int, expected: date) -> None:
    assert ENG.add_working_days(start, count) == expected


def test_add_working_days_in_scotland_skips_2_january() -> None:
    assert ENG.add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)
    assert SCT.add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 6)


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2022, 11, date(2022, 11, 30)),  # Wednesday
        (2026, 5, date(2026, 5, 29)),  # 30-31 May are a weekend
        (2026, 8, date(2026, 8, 28)),  # Mon 31 Aug is the summer bank holiday
        (2027, 5, date(2027, 5, 28)),  # Mon 31 May is the spring bank holiday
        (2026, 12, date(2026, 12, 31)),
        (2027, 12, date(2027, 12, 31)),  # 27 and 28 Dec are substitute days, 31st a Friday
        (2023, 4, date(2023, 4, 28)),  # 29-30 April 2023 are a weekend
        (2024, 2, date(2024, 2, 29)),  # leap year
        (2023, 1, date(2023, 1, 31)),
    ],
)
def test_last_working_day_of_month(year: int, month: int, expected: date) -> None:
    assert ENG.last_working_day_of_month(year, month) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 11, 23), date(2026, 11, 24), 1),
        (date(2026, 11, 27), date(2026, 11, 30), 1),  # over a weekend
        (date(2026, 11, 30), date(2026, 11, 27), -1),
        (date(2026, 12, 24), date(2027, 1, 4), 4),  # 29, 30, 31 Dec and 4 Jan
        (date(2027, 1, 4), date(2026, 12, 24), -4),
        (date(2026, 1, 1), date(2026, 12, 31), 253),  # 261 weekdays less 8 bank holidays
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert ENG.working_days_between(start, end) == expected


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(start=days, count=st.integers(min_value=-40, max_value=40))
def test_stepping_and_counting_agree(start: date, count: int) -> None:
    end = ENG.add_working_days(start, count)
    if count and ENG.is_working_day(start):
        assert ENG.working_days_between(start, end) == count
    if count:
        assert ENG.is_working_day(end)


@given(start=days, span=st.integers(min_value=-120, max_value=120))
def test_working_days_between_matches_counting_day_by_day(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    low, high = sorted((start, end))
    counted = sum(
        ENG.is_working_day(low + timedelta(days=offset))
        for offset in range(1, (high - low).days + 1)
    )
    assert ENG.working_days_between(start, end) == (counted if end >= start else -counted)
