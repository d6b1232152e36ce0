"""Every date a person writes is read here, so imports and chat agree on what '14 April' means."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

from bot.domain.workdays import WorkingCalendar

_date = date  # DateReading has a field called `date`; annotations inside it need another name
YearRule = Literal["future", "base"]

# Only the start of a text is read: a date sits near the start of a cell or reply.
MAX_DATE_TEXT = 500
EARLIEST_YEAR = 1990
LATEST_YEAR = 2100

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_BY_PREFIX = {name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, 1)}
_WEEKDAY_BY_PREFIX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WEEKDAY_NAMES = dict(
    zip(
        _WEEKDAY_BY_PREFIX,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)

NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
}
# A count written in digits or words: "3", "three", "a", "a couple of".
NUMBER_PATTERN = (
    r"(?:\d{1,3}|(?:a\s+)?couple(?:\s+of)?|an?|one|two|three|four|five|six|seven|eight"
    r"|nine|ten|eleven|twelve)"
)


def number_value(text: str) -> int:
    """Turn a NUMBER_PATTERN match into an int ('a couple of' -> 2)."""
    word = text.lower().split()
    if word[0].isdigit():
        return int(word[0])
    return NUMBER_WORDS["couple" if "couple" in word else word[0]]


# --- the phrase scanner ---------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
# On its own a month word must look like a month: 'may' and 'Jan' are also ordinary words.
_BARE_MONTH = (
    r"(?:january|february|march|april|june|july|august|september|october|november|december"
    r"|(?-i:May|MAY|Jan|JAN|Feb|FEB|Mar|MAR|Apr|APR|Jun|JUN|Jul|JUL|Aug|AUG|Sept?|SEPT?|Oct"
    r"|OCT|Nov|NOV|Dec|DEC))\b\.?"
)
_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|(?-i:Mon|Tues?|Wed|Thur?s?|Fri|Sat|Sun|MON|TUES?|WED|THURS?|FRI|SAT|SUN))\b\.?"
)
_DAY = r"(?:[0-3]?\d|[Oo]\d)(?:st|nd|rd|th)?\b"
_YEAR_AFTER = r"(?:[\s,\-/]+(?:\d{4}(?!\d)|'\d{2}\b|\d{2}(?![\w:%/]|\.\d|\s+\w)))"
_NUM = NUMBER_PATTERN
_UNIT = r"(?:days?|weeks?|wks?|months?|fortnights?)"

_PHRASE = rf"""
    (?P<weekend>(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|(?P<wknext>next)\s+)week\b)
  | (?P<fuzzy>(?:the\s+)?(?P<fz>end|mid|middle|early|beginning|start|late)
        (?:\s*-\s*|\s+of\s+|\s+)(?:the\s+)?
        (?:(?P<fzrel>this|next)\s+month\b|month\b
          |(?P<fzm>{_MONTH})(?:[\s,]*(?P<fzy>\d{{4}})(?!\d))?))
  | (?P<daymonth>(?:(?:(?:this|next|on)\s+)?(?P<dmw>{_WEEKDAY}),?\s+)?(?:the\s+)?
        (?<![\w./:£$])(?P<dmd>{_DAY})(?:\s*of\s+|[\s\-/]*)(?P<dmm>{_MONTH})
        (?P<dmy>{_YEAR_AFTER})?)
  | (?P<monthyear>(?P<mym>{_MONTH})
        (?:[\s,]*(?P<myy>\d{{4}}(?!\d)|'\d{{2}}\b)|-(?P<myy2>\d{{2}})\b(?!-)))
  | (?P<monthday>(?:(?P<mdw>{_WEEKDAY}),?\s+)?(?P<mdm>{_MONTH})\s*(?:the\s+)?
        (?P<mdd>{_DAY})(?![.,]\d)
        (?:,?\s*(?P<mdy>\d{{4}})(?!\d))?)
  | (?P<numeric>(?<![\w./:\-£$])
        (?:(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})
          |(?P<nd>[0-3]?\d|[Oo]\d)(?P<ns>[/.\-])(?P<nm>[01]?\d)(?:(?P=ns)(?P<ny>\d{{4}}|\d{{2}}))?)
        (?![\w/:%]|[.\-/]\d))
  | (?P<relative>\b(?:today|tomorrow|(?:the\s+)?day\s+after\s+tomorrow|next\s+week
        |(?P<nextmonth>next\s+month)
        |a\s+week\s+(?P<weekfrom>today|tomorrow)
        |in\s+(?P<rn1>{_NUM})\s+(?P<ru1>{_UNIT})(?:\s*(?:'|’)?s?\s+time)?
        |in\s+a\s+(?P<ru2>fortnight)(?:(?:'|’)s\s+time)?
        |(?P<rn3>{_NUM})\s+(?P<ru3>{_UNIT})(?:\s*(?:'|’)s?\s+time|\s+from\s+(?:now|today)))\b)
  | (?P<weekday>(?:(?P<wq>next|this(?:\s+coming)?|coming)\s+|(?P<wkon>a\s+week\s+on)\s+)?
        (?P<wd>{_WEEKDAY})(?P<wkafter>\s+week\b|\s+after\s+next\b)?)
  | (?P<month>(?<![\w'])(?P<bm>{_BARE_MONTH})(?!['\w]))
    """
# A phrase starts at a word's start: 'Omar 12' is not 'mar 12', 'amid May' not 'mid May',
# 'upon Friday' not 'on Friday', 'legend of next week' not 'end of next week'.
_BOUNDARY = r"(?<![0-9A-Za-z_\u00c0-\u024f])"
# The regex engine tries all nine branches above at every position of a reply, and that scan was
# most of the parser's time. This zero-width guard fails fast on a character no branch begins
# with. It changes no match: tests/domain/test_scan_shortcuts.py.
_PHRASE_START = r"(?=[0-9abcdefijlmnostw])"
_PHRASE_FLAGS = re.IGNORECASE | re.ASCII | re.VERBOSE
_PHRASE_BARE = f"{_BOUNDARY}(?:{_PHRASE})"  # what the guarded scan must find, for the tests
_PHRASE_RE = re.compile(f"{_BOUNDARY}{_PHRASE_START}(?:{_PHRASE})", _PHRASE_FLAGS)
_KINDS = (
    "weekend",
    "fuzzy",
    "daymonth",
    "monthyear",
    "monthday",
    "numeric",
    "relative",
    "weekday",
    "month",
)
_PAST_BEFORE_RE = re.compile(r"\b(?:last|past|previous)\s+$", re.IGNORECASE | re.ASCII)
_PARENS_RE = re.compile(r"\([^()]*\)")
_NOT_DIGIT_RE = re.compile(r"\D")
# Unicode spaces become plain spaces one for one, so positions in the text stay valid.
_SPACES = str.maketrans(
    dict.fromkeys(
        "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
        "\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
        " ",
    )
)


@dataclass(frozen=True)
class DatePhrase:
    """Where a date-like phrase sits in a longer text; read it with read_date(phrase.text)."""

    start: int
    end: int
    text: str
    # Our grammar sees a date here but can't build it ('Tuesday the 16th', '2nd of next month'):
    # read with dateparser (fallback_date), then doubted like any other date.
    fallback: bool = False


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


# Every phrase the scanner finds has a digit or one of these words in it, so most replies with
# none ('amber, on track') skip the scan altogether.
_HINT_WORDS = (
    *_MONTH_BY_PREFIX,
    *_WEEKDAY_BY_PREFIX,
    "day",
    "week",
    "wk",
    "fortnight",
    "tomorrow",
)
_DIGIT_RE = re.compile(r"[0-9]")


def _may_have_date(text: str) -> bool:
    """A cheap look for a digit or _HINT_WORDS before the full scan (see there)."""
    if _DIGIT_RE.search(text) is not None:
        return True
    low = text.lower()
    return any(word in low for word in _HINT_WORDS)


def _matches(text: str) -> Iterator[re.Match[str]]:
    """Candidate date phrases, skipping past references like 'last Friday'."""
    if not _may_have_date(text):
        return
    for match in _PHRASE_RE.finditer(text.translate(_SPACES)):
        if match.group("numeric") and match.group(0) == "24/7":
            continue
        if match.group("weekday") and _PAST_BEFORE_RE.search(
            text, max(0, match.start() - 12), match.start()
        ):
            continue
        yield match


def find_date_phrases(text: str) -> tuple[DatePhrase, ...]:
    """Locate date phrases in a message quickly (regex only) so callers can judge their context."""
    return tuple(DatePhrase(m.start(), m.end(), m.group(0)) for m in _matches(text))


def read_date(
    text: str, *, today: date, calendar: WorkingCalendar, year_rule: YearRule = "future"
) -> DateReading | None:
    """Read the first date in `text`; None when there is none (bare numbers are not dates)."""
    sample = _PARENS_RE.sub(lambda m: " " * len(m.group(0)), text[:MAX_DATE_TEXT])
    context = _Context(today, calendar, year_rule)
    for match in _matches(sample):
        reading = context.read(match)
        if reading is not None and _in_range(reading):
            return reading
    return None


def read_phrase(
    text: str, *, today: date, calendar: WorkingCalendar, year_rule: YearRule = "future"
) -> DateReading | None:
    """Read one phrase from find_date_phrases, keeping impossible dates with the reason why."""
    context = _Context(today, calendar, year_rule)
    for match in _matches(text[:MAX_DATE_TEXT]):
        reading = context.read(match)
        if reading is not None and (reading.doubt or _in_range(reading)):
            return reading
        return None
    return None


class _ImpossibleDateError(ValueError):
    """A day the calendar does not have; the message says why."""


def impossible_reason(day: int, month: int, year: int | None) -> str | None:
    """'April has only 30 days', '2027 is not a leap year'; None when the day exists."""
    if not 1 <= month <= 12 or day < 1:
        return "that is not a day of the year"
    name = MONTH_NAMES[month - 1]
    if month == 2 and day == 29 and year is not None and not _calendar_isleap(year):
        return f"{year} is not a leap year, so February has only 28 days"
    longest = 29 if month == 2 else (30 if month in (4, 6, 9, 11) else 31)
    if day > longest:
        return f"{name} has only {longest} days"
    return None


def _calendar_isleap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


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
        kind = next(name for name in _KINDS if match.group(name) is not None)
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
        target = _WEEKDAY_BY_PREFIX[match.group("wd")[:3].lower()]
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
        if weekday is not None and _WEEKDAY_BY_PREFIX[weekday[:3].lower()] != built.weekday():
            doubt = (
                f"{built:%-d %B %Y} is a {built:%A}, not a {_WEEKDAY_NAMES[weekday[:3].lower()]}"
            )
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
    return _MONTH_BY_PREFIX[text[:3].lower()]


def _full_year(text: str) -> int:
    """Two-digit years are this century: plans are never about the 1900s."""
    digits = text.strip("' ")
    year = 2000 + int(digits) if len(digits) <= 2 else int(digits)
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"year {year} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    return year


# --- the fallback: dateparser --------------------------------------------------------------

_FOUR_DIGIT_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def fallback_date(text: str, *, today: date) -> date | None:
    """The one call into dateparser, for a phrase our grammar sees as a date but can't build.

    It never overrides the grammar: callers use it only where the grammar found date-like words
    it could not read ('Tuesday the 16th', '2nd of next month'), and its answer goes through the
    same doubts as any other date (weekday, weekend, bank holiday, past, far ahead). dateparser is
    slow to import and to warm up, so it loads here, on this rare path, and nowhere else.
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
