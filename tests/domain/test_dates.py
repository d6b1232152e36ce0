"""Dates as people write them in plans and replies, read day-first as in the UK."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.date_phrases import find_date_phrases
from bot.domain.date_words import MONTH_NAMES
from bot.domain.dates import DateReading, YearRule, read_date
from bot.domain.workdays import WorkingCalendar

ENG = WorkingCalendar()
MONDAY = date(2026, 11, 23)  # chat replies are read as if sent on Mon 23 Nov 2026
PLAN_DATE = date(2023, 2, 20)  # Worcestershire's March/April milestone sheet
ST_HELENS = date(2022, 10, 31)  # St Helens' plan, as of October 2022


def read(text: str, today: date = MONDAY, rule: YearRule = "future") -> DateReading | None:
    return read_date(text, today=today, calendar=ENG, year_rule=rule)


def read_day(text: str, today: date = MONDAY, rule: YearRule = "future") -> date | None:
    reading = read(text, today, rule)
    return reading.date if reading else None


# Cells lifted from the seed spreadsheets, imported with year_rule="base".
@pytest.mark.parametrize(
    ("text", "today", "expected", "month_only"),
    [
        ("November 2022", ST_HELENS, date(2022, 11, 30), True),
        ("November 2022 (Thereafter bi-monthly review)", ST_HELENS, date(2022, 11, 30), True),
        ("December 2022", ST_HELENS, date(2022, 12, 30), True),  # 26-27 Dec bank holidays
        ("January 2023", ST_HELENS, date(2023, 1, 31), True),
        ("February 2023", ST_HELENS, date(2023, 2, 28), True),
        ("April 2023", ST_HELENS, date(2023, 4, 28), True),  # 29-30 April are a weekend
        ("30/04/2023", ST_HELENS, date(2023, 4, 30), False),
        ("09 Mar", PLAN_DATE, date(2023, 3, 9), False),
        ("O1 Mar", PLAN_DATE, date(2023, 3, 1), False),  # OCR read the zero as a letter O
        ("14 March", PLAN_DATE, date(2023, 3, 14), False),
        ("11 April", PLAN_DATE, date(2023, 4, 11), False),
        ("20 April", PLAN_DATE, date(2023, 4, 20), False),
        ("28 Feb", PLAN_DATE, date(2023, 2, 28), False),
        ("7 Apr", PLAN_DATE, date(2023, 4, 7), False),
        ("Apr", PLAN_DATE, date(2023, 4, 28), True),
    ],
)
def test_seed_spreadsheet_cells(text: str, today: date, expected: date, month_only: bool) -> None:
    reading = read(text, today, "base")
    assert reading is not None
    assert reading.date == expected
    assert reading.month_only is month_only


def test_base_rule_keeps_the_plan_year_even_when_the_date_has_passed() -> None:
    assert read_day("14 March", date(2023, 11, 1), "base") == date(2023, 3, 14)
    assert read_day("Apr", date(2023, 11, 1), "base") == date(2023, 4, 28)


@pytest.mark.parametrize("text", ["TBC", "", "   ", "n/a", "Ongoing", "quarterly", "-"])
def test_cells_without_a_date(text: str) -> None:
    assert read(text, PLAN_DATE, "base") is None


# Chat replies, year_rule="future", sent on Monday 23 November 2026.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14 April", date(2027, 4, 14)),  # yearless: the next 14 April
        ("14th April", date(2027, 4, 14)),
        ("the 14th of April", date(2027, 4, 14)),
        ("April 14th", date(2027, 4, 14)),
        ("14 april 2027", date(2027, 4, 14)),
        ("Fri 31 Mar", date(2027, 3, 31)),
        ("23 November", date(2026, 11, 23)),  # today counts as on/after today
        ("22 November", date(2027, 11, 22)),
        ("1 December", date(2026, 12, 1)),
        ("29 February", date(2028, 2, 29)),  # next year that has one
        ("30/04/2027", date(2027, 4, 30)),
        ("30/04/2023", date(2023, 4, 30)),  # an explicit year is kept, even in the past
        ("03/04", date(2027, 4, 3)),  # day first
        ("3/4", date(2027, 4, 3)),
        ("1/4/23", date(2023, 4, 1)),  # two-digit year
        ("14.04.2027", date(2027, 4, 14)),
        ("14-04-2027", date(2027, 4, 14)),
        ("2027-04-14", date(2027, 4, 14)),
        ("14 Apr 27", date(2027, 4, 14)),
        ("14-Apr-27", date(2027, 4, 14)),
        ("today", date(2026, 11, 23)),
        ("tomorrow", date(2026, 11, 24)),
        ("next week", date(2026, 11, 30)),
        ("in two weeks", date(2026, 12, 7)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("in a fortnight", date(2026, 12, 7)),
        ("3 weeks' time", date(2026, 12, 14)),
        ("in 10 days", date(2026, 12, 3)),
        ("in 3 months", date(2027, 2, 23)),
        ("a week today", date(2026, 11, 30)),
        ("Friday", date(2026, 11, 27)),
        ("this Friday", date(2026, 11, 27)),
        ("Fri", date(2026, 11, 27)),
        ("monday", date(2026, 11, 30)),  # today is Monday: 'Monday' is next week's
        ("Friday week", date(2026, 12, 4)),
        ("a week on Friday", date(2026, 12, 4)),
        ("end of the week", date(2026, 11, 27)),
        ("end of next week", date(2026, 12, 4)),
    ],
)
def test_chat_dates(text: str, expected: date) -> None:
    reading = read(text)
    assert reading is not None
    assert reading.date == expected
    assert reading.month_only is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("end of March", date(2027, 3, 31)),  # dateparser returns None for this
        ("the end of March", date(2027, 3, 31)),
        ("end March 2027", date(2027, 3, 31)),
        ("end of the month", date(2026, 11, 30)),
        ("end of this month", date(2026, 11, 30)),
        ("end of next month", date(2026, 12, 31)),
        ("next month", date(2026, 12, 31)),
        ("late April", date(2027, 4, 30)),
        ("Apr", date(2027, 4, 30)),  # future rule: next April
        ("May", date(2027, 5, 28)),  # Mon 31 May 2027 is a bank holiday
        ("November", date(2026, 11, 30)),  # this month is still ahead
        ("April 2023", date(2023, 4, 28)),
        ("Apr-23", date(2023, 4, 28)),  # Excel's mmm-yy
        ("April '27", date(2027, 4, 30)),
    ],
)
def test_month_only_means_last_working_day(text: str, expected: date) -> None:
    reading = read(text)
    assert reading is not None
    assert reading.date == expected
    assert reading.month_only is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mid March", date(2027, 3, 15)),
        ("mid-March", date(2027, 3, 15)),
        ("middle of August 2027", date(2027, 8, 16)),  # 15th is a Sunday
        ("early April", date(2027, 4, 1)),
        ("beginning of April", date(2027, 4, 1)),
        ("start of May 2027", date(2027, 5, 4)),  # 1-2 May weekend, 3 May bank holiday
        ("early January", date(2027, 1, 4)),  # New Year's Day, then a weekend
    ],
)
def test_fuzzy_month_phrases_land_on_working_days(text: str, expected: date) -> None:
    reading = read(text)
    assert reading is not None
    assert reading.date == expected
    assert reading.month_only is False


def test_next_weekday_is_ambiguous() -> None:
    reading = read("next Friday")
    assert reading is not None
    assert reading.date is None
    assert reading.is_ambiguous
    assert reading.options == (date(2026, 11, 27), date(2026, 12, 4))


def test_next_weekday_said_on_that_weekday_is_a_week_away() -> None:
    friday = date(2026, 11, 27)
    assert read_day("next Friday", friday) == date(2026, 12, 4)
    assert read_day("Friday", friday) == date(2026, 12, 4)


def test_next_tuesday_on_a_monday_offers_tomorrow_or_the_week_after() -> None:
    reading = read("next Tuesday")
    assert reading is not None
    assert reading.options == (date(2026, 11, 24), date(2026, 12, 1))


@pytest.mark.parametrize(
    "text",
    [
        "42",
        "3rd",
        "the 14th",
        "2023",
        "7",
        "2.3",  # an action ref, not 2 March
        "3-4 weeks",
        "24/7",
        "two weeks",  # a duration, not a date
        "last Friday",
        "we may slip",
        "Jan 1850",
        "1 January 1850",
        "31 Dec 1989",
        "1 Jan 2101",
        "31 April",
        "31/02/2027",
        "13/13/2027",
        "in 999 months",
        "O2 contract signed",
    ],
)
def test_not_dates(text: str) -> None:
    assert read(text) is None


def test_parentheses_are_ignored() -> None:
    assert read("TBC (was April 2023)") is None
    assert read_day("30 April (provisional)") == date(2027, 4, 30)


def test_the_first_date_in_a_longer_text_is_read() -> None:
    reading = read("Delivery slipped to 14 April after the 3 March meeting")
    assert reading is not None
    assert reading.text == "14 April"
    assert reading.date == date(2027, 4, 14)


def test_only_the_first_500_characters_are_read() -> None:
    assert read("x" * 490 + " 14 April") is not None
    assert read("x" * 500 + " 14 April") is None


def test_find_date_phrases_gives_positions_in_the_text() -> None:
    text = "amber - slipped to 14 April, meeting held on 3 March; next Friday?"
    phrases = find_date_phrases(text)
    assert [p.text for p in phrases] == ["14 April", "3 March", "next Friday"]
    assert all(text[p.start : p.end] == p.text for p in phrases)


def test_find_date_phrases_survives_unicode_spaces() -> None:
    text = "slipped to 14\u00a0April"
    (phrase,) = find_date_phrases(text)
    assert text[phrase.start : phrase.end] == "14\u00a0April"
    assert read_day(phrase.text) == date(2027, 4, 14)


@given(st.text())
def test_never_raises(text: str) -> None:
    read(text)
    read(text, PLAN_DATE, "base")


@given(st.text(alphabet=string.printable, max_size=200))
def test_never_raises_on_printable_text(text: str) -> None:
    read(text)


@given(st.text(min_size=1, max_size=100).map(lambda s: s * (10_000 // len(s))))
def test_never_raises_on_10_kb_text(text: str) -> None:
    read(text)


@given(st.text(alphabet=string.digits + " ", min_size=1, max_size=30))
def test_digits_alone_are_never_dates(text: str) -> None:
    assert read(text) is None
    assert read(text, PLAN_DATE, "base") is None


@given(st.integers(min_value=0, max_value=10**30))
def test_numbers_and_ordinals_are_never_dates(number: int) -> None:
    assert read(str(number)) is None
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    assert read(f"{number}{suffix}") is None


year_1995_2090 = st.dates(min_value=date(1995, 1, 1), max_value=date(2090, 12, 31))


@given(year_1995_2090)
def test_day_month_name_year_reads_back(day: date) -> None:
    name = MONTH_NAMES[day.month - 1]
    assert read_day(f"{day.day} {name} {day.year}") == day
    assert read_day(f"{day.day} {name[:3]} {day.year}", PLAN_DATE, "base") == day


@given(year_1995_2090)
def test_numeric_day_first_reads_back(day: date) -> None:
    assert read_day(day.strftime("%d/%m/%Y")) == day
    assert read_day(day.strftime("%d/%m/%Y"), PLAN_DATE, "base") == day


@given(year_1995_2090, st.sampled_from(["future", "base"]))
def test_month_and_year_is_the_last_working_day(day: date, rule: YearRule) -> None:
    reading = read(f"{MONTH_NAMES[day.month - 1]} {day.year}", MONDAY, rule)
    assert reading is not None
    assert reading.month_only
    assert reading.date == ENG.last_working_day_of_month(day.year, day.month)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)), year_1995_2090)
def test_future_rule_never_reads_a_yearless_date_into_the_past(today: date, day: date) -> None:
    reading = read(f"{day.day} {MONTH_NAMES[day.month - 1]}", today)
    assert reading is not None
    assert reading.date is not None
    assert today <= reading.date < date(today.year + 9, 1, 1)
    assert (reading.date.month, reading.date.day) == (day.month, day.day)
