"""Every date a person writes is read here, so imports and chat agree on what '14 April' means.

The words are in date_words.py and the phrase scanner in date_phrases.py; this module turns a
phrase the scanner found into a date, by our own grammar or, rarely, the fallback (fallback_date:
the day and month in the words where it can, dateparser where it can't).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

from bot.domain.date_phrases import PHRASE_KINDS, scan_phrases
from bot.domain.date_words import (
    MONTH_BY_PREFIX,
    WEEKDAY_BY_PREFIX,
    WEEKDAY_NAMES,
    impossible_reason,
    number_value,
)
from bot.domain.workdays import WorkingCalendar

_date = date  # DateReading has a field called `date`; annotations inside it need another name
YearRule = Literal["future", "base"]

# Only the start of a text is read: a date sits near the start of a cell or reply.
MAX_DATE_TEXT = 500
EARLIEST_YEAR = 1990
LATEST_YEAR = 2100

_PARENS_RE = re.compile(r"\([^()]*\)")
_NOT_DIGIT_RE = re.compile(r"\D")


@dataclass(frozen=True)
class DateReading:
    """What a date phrase means: one date, or several candidates to ask about."""

    text: str
    date: _date | None
    options: tuple[_date, ...] = ()
    month_only: bool = False
    # Why the words may not mean `date` (a weekday that disagrees, an impossible day): chat asks.
    doubt: str | None = None
    yearless: bool = False  # no year was written, so one was chosen

    @property
    def is_ambiguous(self) -> bool:
        return self.date is None and len(self.options) > 1


def read_date(
    text: str, *, today: date, calendar: WorkingCalendar, year_rule: YearRule = "future"
) -> DateReading | None:
    """Read the first date in `text`; None when there is none (bare numbers are not dates)."""
    sample = _PARENS_RE.sub(lambda m: " " * len(m.group(0)), text[:MAX_DATE_TEXT])
    context = _Context(today, calendar, year_rule)
    for match in scan_phrases(sample):
        reading = context.read(match)
        if reading is not None and _in_range(reading):
            return reading
    return None


def read_phrase(
    text: str, *, today: date, calendar: WorkingCalendar, year_rule: YearRule = "future"
) -> DateReading | None:
    """Read one phrase from find_date_phrases, keeping impossible dates with the reason why."""
    context = _Context(today, calendar, year_rule)
    for match in scan_phrases(text[:MAX_DATE_TEXT]):
        reading = context.read(match)
        if reading is not None and (reading.doubt or _in_range(reading)):
            return reading
        return None
    return None


class _ImpossibleDateError(ValueError):
    """A day the calendar does not have; the message says why."""


def _in_range(reading: DateReading) -> bool:
    """Years outside 1990-2100 are typos or serial numbers, not plan dates."""
    days = (reading.date,) if reading.date else reading.options
    return bool(days) and all(EARLIEST_YEAR <= d.year <= LATEST_YEAR for d in days)


# --- turning one matched phrase into a date -------------------------------------------------


@dataclass(frozen=True)
class _Context:
    today: date
    calendar: WorkingCalendar
    year_rule: YearRule

    def read(self, match: re.Match[str]) -> DateReading | None:
        """Dispatch on the kind of phrase the scanner found."""
        kind = next(name for name in PHRASE_KINDS if match.group(name) is not None)
        text = match.group(0)
        try:
            reader = getattr(self, f"_{kind}")
            result: DateReading | None = reader(match, text)
        except _ImpossibleDateError as impossible:  # 31 April, 29/02/2027: no date, but a reason
            return DateReading(text, None, doubt=str(impossible))
        except (ValueError, OverflowError):  # a year beyond date.max
            return None
        return result

    # Month-level phrases: a month on its own means its last working day.

    def _month_reading(self, text: str, month: int, year: str | None) -> DateReading:
        """A month on its own means its last working day."""
        if year is not None:
            last = self.calendar.last_working_day_of_month(_full_year(year), month)
        else:
            last = self._yearless(lambda y: self.calendar.last_working_day_of_month(y, month))
        return DateReading(text, last, month_only=True, yearless=year is None)

    def _yearless(self, build: Callable[[int], date]) -> date:
        """'base' keeps today's year (imports); 'future' takes the next one on or after today."""
        if self.year_rule == "base":
            return build(self.today.year)
        candidate = build(self.today.year)
        return candidate if candidate >= self.today else build(self.today.year + 1)

    def _month(self, match: re.Match[str], text: str) -> DateReading:
        return self._month_reading(text, _month_number(match.group("bm")), None)

    def _monthyear(self, match: re.Match[str], text: str) -> DateReading:
        year = match.group("myy") or match.group("myy2")
        return self._month_reading(text, _month_number(match.group("mym")), year)

    def _fuzzy(self, match: re.Match[str], text: str) -> DateReading:
        """'end of March', 'mid April', 'early May', 'end of next month'."""
        where = match.group("fz").lower()
        if match.group("fzm"):
            month = _month_number(match.group("fzm"))
            year = match.group("fzy")
        else:
            shift = 1 if (match.group("fzrel") or "").lower() == "next" else 0
            month = (self.today.month + shift - 1) % 12 + 1
            year = str(self.today.year + (self.today.month + shift - 1) // 12)
        if where in ("end", "late"):
            return self._month_reading(text, month, year)

        def build(y: int) -> date:
            if where in ("mid", "middle"):
                return self.calendar.next_working_day(date(y, month, 15))
            return self.calendar.first_working_day_of_month(y, month)

        day = build(_full_year(year)) if year else self._yearless(build)
        return DateReading(text, day)

    def _weekend(self, match: re.Match[str], text: str) -> DateReading:
        """'end of the week' is this week's Friday (next week's at the weekend)."""
        monday = self.today - timedelta(days=self.today.weekday())
        if self.today.weekday() >= 5:
            monday += timedelta(days=7)
        friday = monday + timedelta(days=4 + (7 if match.group("wknext") else 0))
        while not self.calendar.is_working_day(friday) and friday > self.today:
            friday -= timedelta(days=1)
        return DateReading(text, friday)

    def _weekday(self, match: re.Match[str], text: str) -> DateReading:
        """'Friday' is the coming one; 'next Friday' is either that or the one after, so ask."""
        target = WEEKDAY_BY_PREFIX[match.group("wd")[:3].lower()]
        coming = self.today + timedelta(days=(target - self.today.weekday() - 1) % 7 + 1)
        if match.group("wkon") or match.group("wkafter"):
            return DateReading(text, coming + timedelta(days=7))
        qualifier = (match.group("wq") or "").lower()
        if qualifier == "next" and self.today.weekday() != target:
            return DateReading(text, None, options=(coming, coming + timedelta(days=7)))
        return DateReading(text, coming)

    # Day-level phrases: day, month and year are read from the match and checked here.

    def _daymonth(self, match: re.Match[str], text: str) -> DateReading | None:
        year = (match.group("dmy") or "").strip(" ,-/")
        return self._day(
            text, match.group("dmd"), _month_number(match.group("dmm")), year, match.group("dmw")
        )

    def _monthday(self, match: re.Match[str], text: str) -> DateReading | None:
        return self._day(
            text,
            match.group("mdd"),
            _month_number(match.group("mdm")),
            match.group("mdy"),
            match.group("mdw"),
        )

    def _numeric(self, match: re.Match[str], text: str) -> DateReading | None:
        if match.group("iy"):
            return self._day(text, match.group("id"), int(match.group("im")), match.group("iy"))
        if match.group("ns") != "/" and not match.group("ny"):
            return None  # '2.3' is an action ref and '3-4' a range; only d/m may drop the year
        return self._day(text, match.group("nd"), int(match.group("nm")), match.group("ny"))

    def _day(
        self, text: str, day_text: str, month: int, year: str | None, weekday: str | None = None
    ) -> DateReading | None:
        """Fix the year by our own rule and build the date (day, month and year are all known)."""
        day = int(_NOT_DIGIT_RE.sub("", day_text.replace("O", "0").replace("o", "0")))
        if not 1 <= day <= 31 or not 1 <= month <= 12:
            return None
        full_year = _full_year(year) if year else self._yearless_day(day, month)
        if full_year is None:
            raise _ImpossibleDateError(impossible_reason(day, month, None) or "no such day")
        reason = impossible_reason(day, month, full_year)
        if reason is not None:
            raise _ImpossibleDateError(reason)
        built = date(full_year, month, day)
        doubt = None
        if weekday is not None and WEEKDAY_BY_PREFIX[weekday[:3].lower()] != built.weekday():
            doubt = f"{built:%-d %B %Y} is a {built:%A}, not a {WEEKDAY_NAMES[weekday[:3].lower()]}"
        return DateReading(text, built, doubt=doubt, yearless=not year)

    def _yearless_day(self, day: int, month: int) -> int | None:
        """'14 April' on 23 Nov 2026: 2027 in chat, 2026 in an import; 29 Feb finds a leap year."""
        if self.year_rule == "base":
            return self.today.year
        for year in range(self.today.year, self.today.year + 9):
            try:
                if date(year, month, day) >= self.today:
                    return year
            except ValueError:
                continue
        return None

    def _relative(self, match: re.Match[str], text: str) -> DateReading | None:
        """'tomorrow', 'next week', 'in two weeks', '3 weeks' time'; 'next month' is month-level."""
        if match.group("nextmonth"):
            month = self.today.month % 12 + 1
            year = self.today.year + (1 if month == 1 else 0)
            return self._month_reading(text, month, str(year))
        return DateReading(text, self.today + _relative_offset(match))


def _relative_offset(match: re.Match[str]) -> relativedelta:
    """How far ahead a relative phrase points, computed from the words matched."""
    words = " ".join(match.group(0).lower().split())
    if match.group("weekfrom"):
        return relativedelta(days=7 if match.group("weekfrom") == "today" else 8)
    for number_group, unit_group in (("rn1", "ru1"), ("rn3", "ru3"), (None, "ru2")):
        unit = match.group(unit_group)
        if unit:
            count = number_value(match.group(number_group)) if number_group else 1
            unit = unit.lower()
            if unit.startswith("fortnight"):
                return relativedelta(days=14 * count)
            if unit.startswith("w"):  # weeks, wks
                return relativedelta(days=7 * count)
            if unit.startswith("month"):
                return relativedelta(months=count)
            return relativedelta(days=count)
    if words.endswith("day after tomorrow"):
        return relativedelta(days=2)
    if words == "tomorrow":
        return relativedelta(days=1)
    if words == "next week":
        return relativedelta(days=7)
    return relativedelta()


def _month_number(text: str) -> int:
    return MONTH_BY_PREFIX[text[:3].lower()]


def _full_year(text: str) -> int:
    """Two-digit years are this century: plans are never about the 1900s."""
    digits = text.strip("' ")
    year = 2000 + int(digits) if len(digits) <= 2 else int(digits)
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"year {year} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    return year


# --- the fallback: the day and month in the words first, then dateparser ------------------

_DIRECT_FLAGS = re.IGNORECASE | re.ASCII
_D_WEEKDAY = (
    r"(?:(?:next|this)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?,?\s+"
)
_D_DAY = r"(?P<d>[0-3]?\d)"
_D_ORDINAL = rf"{_D_DAY}(?:st|nd|rd|th)"
_D_MONTH = (
    r"(?P<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_D_YEAR = r"(?:,?\s+(?P<y>\d{4}))?"
# Each shape with where its month comes from; dateparser reads each the same way (see
# direct_date), and tests/domain/test_date_direct.py holds the two to it.
_DIRECT_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, _DIRECT_FLAGS), month)
    for pattern, month in (
        (rf"(?:{_D_WEEKDAY})?(?:the\s+)?{_D_ORDINAL}", "this"),  # 'Tuesday the 16th'
        (rf"(?:the\s+)?{_D_ORDINAL}\s+of\s+next\s+month", "next"),  # 'the 4th of next month'
        (
            rf"(?:{_D_WEEKDAY})?(?:the\s+)?{_D_DAY}(?:st|nd|rd|th)?(?:\s+of)?\s+{_D_MONTH}{_D_YEAR}",
            "named",
        ),
        (rf"(?:{_D_WEEKDAY})?{_D_MONTH}\s+(?:the\s+)?{_D_DAY}(?:st|nd|rd|th)?{_D_YEAR}", "named"),
        (r"(?P<d>[0-3]?\d)(?P<s>[/.\-])(?P<n>[01]?\d)(?P=s)(?P<y>\d{4})", "number"),
        (r"(?P<y>\d{4})-(?P<n>[01]?\d)-(?P<d>[0-3]?\d)", "number"),
    )
)


def fallback_date(text: str, *, today: date) -> date | None:
    """A phrase our grammar sees as a date but can't build ('Tuesday the 16th', '2nd of next
    month'): built from its own day and month when they are there, else read by dateparser.

    It never overrides the grammar: callers use it only where the grammar found date-like words
    it could not read, and its answer goes through the same doubts as any other date (weekday,
    weekend, bank holiday, past, far ahead). Building directly gives what dateparser would, at a
    fraction of the cost (dateparser re-parses every phrase from scratch).
    """
    return direct_date(text, today=today) or dateparser_date(text, today=today)


def direct_date(text: str, *, today: date) -> date | None:
    """dateparser's reading of `text`, built without it; None when not sure (then ask it).

    dateparser's rules, which this follows: a day alone ('the 16th') is in today's month even if
    past; a yearless day and month is the next one strictly after today; a weekday written with
    the date is ignored (reply_dates doubts it). Anything else it is not sure of, it declines:
    days the month lacks, 29 February without a year, two-digit years, years out of range.
    """
    for pattern, month_from in _DIRECT_SHAPES:
        match = pattern.fullmatch(text)
        if match is not None:
            return _direct_build(match, month_from, today)
    return None


def _direct_build(match: re.Match[str], month_from: str, today: date) -> date | None:
    """The date one _DIRECT_SHAPES match names, or None where dateparser's reading is unsure."""
    day = int(match.group("d"))
    if month_from in ("this", "next"):
        month, year = today.month, today.year
        if month_from == "next":
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
        return _direct_day(year, month, day)
    month = _month_number(match.group("m")) if month_from == "named" else int(match.group("n"))
    year_text = match.group("y")
    if year_text is not None:
        return _direct_day(int(year_text), month, day)
    if month == 2 and day == 29:
        return None  # dateparser hunts for a leap year its own way
    this_year = _direct_day(today.year, month, day)
    if this_year is None or this_year > today:
        return this_year
    return _direct_day(today.year + 1, month, day)


def _direct_day(year: int, month: int, day: int) -> date | None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR or not 1 <= month <= 12:
        return None
    if not 1 <= day <= 31 or impossible_reason(day, month, year) is not None:
        return None
    return date(year, month, day)


_FOUR_DIGIT_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def dateparser_date(text: str, *, today: date) -> date | None:
    """The one call into dateparser, for what direct_date declines.

    dateparser is slow to import and to warm up, so it loads here, on this rare path, and
    nowhere else.
    """
    import dateparser  # lazy on purpose: see the docstring

    has_year = _FOUR_DIGIT_YEAR_RE.search(text) is not None
    settings: dict[str, object] = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),  # noqa: DTZ001 - naive, as asked
        "RETURN_AS_TIMEZONE_AWARE": False,
        # A written year means a full date was meant: a partial parse would be a misreading.
        # Without one a day must still be found, so 'March' alone stays the grammar's.
        "STRICT_PARSING": has_year,
        "REQUIRE_PARTS": ["day", "month", "year"] if has_year else ["day"],
    }
    try:
        parsed = dateparser.parse(text[:MAX_DATE_TEXT], languages=["en"], settings=settings)
    except Exception:  # a library's odd failure on odd words must not raise from here
        return None
    if not isinstance(parsed, datetime) or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        return None
    return parsed.date()
