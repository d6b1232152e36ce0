"""Dates in a chat reply, read only when they are sure; otherwise a question and why.

dates.read_date is shared with spreadsheet imports and reads what it can. A reply changes a
live plan, so here a date is asked about, with candidates where there are some, when:
the weekday and the date disagree; the day does not exist (31 April, 29/02/2027); no year was
given and the date is more than nine months away; the words are vague ('mid-May', 'after
Easter', 'a few weeks', 'end of term'); it falls on a weekend or bank holiday; 'next Friday';
a quarter that could be the UK financial (Q1 = April-June) or the calendar one; a US-style
04/30/2027.

Where the phrases are is reply_phrases.py's work; this module reads one phrase at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter

from bot.domain import dates
from bot.domain.date_phrases import DatePhrase
from bot.domain.date_words import MONTH_NAMES, impossible_reason
from bot.domain.dates import DateReading, read_phrase
from bot.domain.reply_phrases import chat_only_match
from bot.domain.workdays import WorkingCalendar

_FLAGS = re.IGNORECASE
_date = date  # ReplyDate has a field called `date`
FAR_AWAY = timedelta(days=274)  # about nine months: a yearless date further off is asked about


@dataclass(frozen=True)
class ReplyDate:
    """One date phrase in a reply: a date, or candidates and the reason it must be asked."""

    phrase: DatePhrase
    date: _date | None = None
    options: tuple[_date, ...] = ()
    doubt: str | None = None

    @property
    def asks(self) -> bool:
        return self.date is None


_WEEK_COMMENCING_RE = re.compile(
    r"(?:\bw/?c|\bweek\s+(?:commencing|beginning|starting|of))\.?\s*(?:the\s+)?$", _FLAGS
)
_FUZZY_RE = re.compile(r"^(?:the\s+)?(?:mid|middle|early|beginning|start|late)\b", _FLAGS)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4}


def read_reply_date(
    phrase: DatePhrase, body: str, *, today: date, calendar: WorkingCalendar
) -> ReplyDate | None:
    """What one phrase means for a review date; None when it is not a date at all."""
    if phrase.fallback:
        return _Reader(today, calendar).fallback(phrase)
    extra = chat_only_match(phrase.text)
    if extra is not None:
        return _Reader(today, calendar).chat_only(phrase, extra)
    reading = read_phrase(phrase.text, today=today, calendar=calendar, year_rule="future")
    if reading is None:
        return None
    reader = _Reader(today, calendar)
    commencing = _WEEK_COMMENCING_RE.search(body, max(0, phrase.start - 25), phrase.start)
    return reader.checked(phrase, reading, week_commencing=commencing is not None)


@dataclass(frozen=True)
class _Reader:
    today: date
    calendar: WorkingCalendar

    # --- phrases dates.py reads --------------------------------------------------------------

    def checked(
        self, phrase: DatePhrase, reading: DateReading, *, week_commencing: bool
    ) -> ReplyDate:
        text = phrase.text
        if reading.date is None and reading.doubt:  # 31 April: say why, offer either side
            return ReplyDate(
                phrase,
                None,
                self._around_impossible(text),
                f"“{text}” can't be right: {reading.doubt}",
            )
        if reading.date is None:
            return ReplyDate(
                phrase, None, reading.options, f"“{text}” could be either of these dates"
            )
        day = reading.date
        if reading.doubt:
            other = day - timedelta(days=day.weekday()) + timedelta(days=self._weekday_in(text))
            options = tuple(dict.fromkeys((day, other)))
            return ReplyDate(phrase, None, self._working(options), reading.doubt)
        if _FUZZY_RE.match(text):
            return ReplyDate(phrase, None, (day,), f"“{text}” isn't a single day")
        if week_commencing and day.weekday() != 0:
            monday = day - timedelta(days=day.weekday())
            options = self._working((monday, day))
            return ReplyDate(phrase, None, options, f"{day:%-d %B} is a {day:%A}, not a Monday")
        if reading.yearless and day - self.today > FAR_AWAY:
            return ReplyDate(
                phrase,
                None,
                (self.calendar.next_working_day(day),),
                f"no year was given and {day:%-d %B %Y} is {_months(self.today, day)} months away",
            )
        return self.working_day(phrase, day)

    def working_day(self, phrase: DatePhrase, day: date) -> ReplyDate:
        """A review date must be a working day (a weekend or bank holiday offers either side)
        and not in the past ('review 27/11/2026' on 1 Dec 2026 is a slip of the year, or not a
        review date at all: ask)."""
        if day < self.today:
            return ReplyDate(phrase, None, (), f"{day:%A %-d %B %Y} is in the past")
        if self.calendar.is_working_day(day):
            return ReplyDate(phrase, day)
        before = day - timedelta(days=1)
        while not self.calendar.is_working_day(before):
            before -= timedelta(days=1)
        after = self.calendar.next_working_day(day)
        why = "a weekend" if day.weekday() >= 5 else "a bank holiday"
        options = tuple(d for d in (before, after) if d >= self.today) or (after,)
        return ReplyDate(phrase, None, options, f"{day:%A %-d %B %Y} is {why}")

    def _working(self, days: tuple[date, ...]) -> tuple[date, ...]:
        moved = (self.calendar.next_working_day(d) for d in days)
        return tuple(dict.fromkeys(d for d in moved if d >= self.today))

    def _weekday_in(self, text: str) -> int:
        for prefix, number in (("mon", 0), ("tue", 1), ("wed", 2), ("thu", 3), ("fri", 4)):
            if prefix in text.lower():
                return number
        return 5 if "sat" in text.lower() else 6

    def _around_impossible(self, text: str) -> tuple[date, ...]:
        """'31 April' offers 30 April and 1 May (as working days)."""
        numbers = re.findall(r"\d+", text)
        month = next(
            (n for n, name in enumerate(MONTH_NAMES, 1) if name[:3].lower() in text.lower()), 0
        )
        if not numbers:
            return ()
        if month == 0:
            month = int(numbers[1]) if len(numbers) >= 2 else 0
            year_text = numbers[2] if len(numbers) >= 3 else None
        else:
            year_text = numbers[1] if len(numbers) >= 2 else None
        year = int(year_text) if year_text else self.today.year
        year = year + 2000 if year < 100 else year
        if not 1 <= month <= 12 or not 1990 <= year <= 2100:
            return ()
        if not year_text and date(year, month, 1) < self.today.replace(day=1):
            year += 1
        last = 28
        while last < 31 and impossible_reason(last + 1, month, year) is None:
            last += 1
        end = date(year, month, last)
        start_next = end + timedelta(days=1)
        before = end
        while not self.calendar.is_working_day(before):
            before -= timedelta(days=1)
        return tuple(
            d
            for d in dict.fromkeys((before, self.calendar.next_working_day(start_next)))
            if d >= self.today
        )

    # --- what our grammar saw but could not build: the fallback reads it ----------------------

    def fallback(self, phrase: DatePhrase) -> ReplyDate:
        """'Tuesday the 16th', '2nd of next month': the fallback's reading, doubted like ours."""
        text = phrase.text
        if _RANGE_RE.search(text):
            return ReplyDate(phrase, None, (), f"“{text}” is a range, not one day")
        day = dates.fallback_date(text, today=self.today)
        if day is None:
            return ReplyDate(phrase, None, (), f"I couldn't read “{text}” as a date")
        named = _WEEKDAY_NAMED_RE.search(text)
        if named is not None and self._weekday_in(named.group(0)) != day.weekday():
            return ReplyDate(
                phrase,
                None,
                self._working((day,)),
                f"{day:%-d %B %Y} is a {day:%A}, not a {named.group(0).capitalize()}",
            )
        if not _YEAR_WRITTEN_RE.search(text) and day - self.today > FAR_AWAY:
            return ReplyDate(
                phrase,
                None,
                self._working((day,)),
                f"no year was given and {day:%-d %B %Y} is {_months(self.today, day)} months away",
            )
        return self.working_day(phrase, day)

    # --- chat-only phrases -------------------------------------------------------------------

    def chat_only(self, phrase: DatePhrase, match: re.Match[str]) -> ReplyDate | None:
        text = phrase.text
        if match.group("fye"):
            return self.working_day(phrase, self._last_working(self._march_ahead(), 3))
        if match.group("cye"):
            return self.working_day(phrase, self._last_working(self.today.year, 12))
        options: tuple[date, ...]
        if match.group("ye"):
            options = (
                self._last_working(self.today.year, 12),
                self._last_working(self._march_ahead(), 3),
            )
            return ReplyDate(
                phrase,
                None,
                options,
                f"“{text}” could be 31 December or the financial year end, 31 March",
            )
        if match.group("qrel"):
            return ReplyDate(phrase, None, (), f"“{text}” doesn't say which day")
        if match.group("quarter"):
            return self._quarter(phrase, match)
        if match.group("hols"):
            return ReplyDate(phrase, None, (), f"“{text}” doesn't give a date")
        if match.group("xmas"):
            christmas = date(self.today.year, 12, 25)
            if christmas < self.today:
                christmas = date(self.today.year + 1, 12, 25)
            if match.group("xafter"):
                options = self._working(
                    (christmas + timedelta(days=4), date(christmas.year + 1, 1, 4))
                )
                return ReplyDate(phrase, None, options, f"“{text}” isn't a single day")
            before = christmas - timedelta(days=1)
            while not self.calendar.is_working_day(before):
                before -= timedelta(days=1)
            return ReplyDate(phrase, before)
        if match.group("easter"):
            sunday = easter(self.today.year)
            if sunday < self.today:
                sunday = easter(self.today.year + 1)
            if match.group("eafter"):
                tuesday = sunday + timedelta(days=2)
                options = self._working((tuesday, tuesday + timedelta(days=7)))
                return ReplyDate(phrase, None, options, f"“{text}” isn't a single day")
            thursday = sunday - timedelta(days=3)
            return ReplyDate(
                phrase, None, self._working((thursday,)), f"“{text}” isn't a single day"
            )
        if match.group("us"):
            return self._us(phrase, match)
        if match.group("few"):
            unit = match.group("fewunit").lower()
            step = {"days": 1, "weeks": 7, "months": 30}[unit]
            counts = (3, 5) if unit == "days" else (2, 3, 4)
            options = self._working(tuple(self.today + timedelta(days=step * n) for n in counts))
            return ReplyDate(phrase, None, options, f"“{text}” doesn't say how long")
        return ReplyDate(phrase, None, (), f"“{text}” doesn't give a date")

    def _march_ahead(self) -> int:
        """The year of the next 31 March (the UK financial year end)."""
        return (
            self.today.year if self.today <= date(self.today.year, 3, 31) else self.today.year + 1
        )

    def _last_working(self, year: int, month: int) -> date:
        return self.calendar.last_working_day_of_month(year, month)

    def _quarter(self, phrase: DatePhrase, match: re.Match[str]) -> ReplyDate | None:
        """Q1 is April-June in a UK council's financial year, January-March in the calendar."""
        quarter = (
            int(match.group("q")) if match.group("q") else _QUARTER_WORDS[match.group("qw").lower()]
        )
        year_text = match.group("qy") or ""
        split_year = "/" in year_text
        years = [int(y) for y in re.findall(r"\d+", year_text)]
        start = years[0] if years else None
        if start is not None and start < 100:
            start += 2000
        if match.group("qnext"):
            start = self.today.year + 1
        if match.group("qpart"):  # 'the start of Q1': which day of it?
            return ReplyDate(phrase, None, (), f"“{phrase.text}” doesn't say which day")
        financial = self._financial_end(quarter, start)
        calendar_end = self._calendar_end(quarter, start)
        if match.group("qfin") or split_year:
            return self.working_day(phrase, financial)
        if match.group("qcal"):
            return self.working_day(phrase, calendar_end)
        options = tuple(sorted({financial, calendar_end}))
        return ReplyDate(
            phrase,
            None,
            options,
            f"“{phrase.text}” could be the financial quarter (Q1 = April to June)"
            " or the calendar one",
        )

    def _financial_end(self, quarter: int, start: int | None) -> date:
        month = (3 + 3 * quarter - 1) % 12 + 1  # Q1 ends June, Q4 ends March
        if start is not None:
            return self._last_working(start + (1 if quarter == 4 else 0), month)
        year = self.today.year
        end = self._last_working(year, month)
        return end if end >= self.today else self._last_working(year + 1, month)

    def _calendar_end(self, quarter: int, start: int | None) -> date:
        year = start if start is not None else self.today.year
        end = self._last_working(year, 3 * quarter)
        if start is None and end < self.today:
            end = self._last_working(year + 1, 3 * quarter)
        return end

    def _us(self, phrase: DatePhrase, match: re.Match[str]) -> ReplyDate | None:
        """04/30/2027 can't be day-first: ask, offering 30 April 2027."""
        month, day = int(match.group("usm")), int(match.group("usd"))
        year_text = match.group("usy")
        year = int(year_text) if year_text else self.today.year
        year = year + 2000 if year < 100 else year
        if impossible_reason(day, month, year) is not None or not 1990 <= year <= 2100:
            return None
        built = date(year, month, day)
        if not year_text and built < self.today:
            built = date(year + 1, month, day)
        options = self._working((built,))
        return ReplyDate(
            phrase,
            None,
            options,
            f"“{phrase.text}” reads month-first (US style); UK dates are day-first",
        )


_RANGE_RE = re.compile(r"\d(?:st|nd|rd|th)?\s*(?:-|–|\bto\b|\band\b|&)\s*\d", _FLAGS)
_WEEKDAY_NAMED_RE = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b", _FLAGS
)
_YEAR_WRITTEN_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|'\d\d\b")


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month
