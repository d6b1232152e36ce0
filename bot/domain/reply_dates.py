"""Dates in a chat reply, read only when they are sure; otherwise a question and why.

dates.read_date is shared with spreadsheet imports and reads what it can. A reply changes a
live plan, so here a date is asked about, with candidates where there are some, when:
the weekday and the date disagree; the day does not exist (31 April, 29/02/2027); no year was
given and the date is more than nine months away; the words are vague ('mid-May', 'after
Easter', 'a few weeks', 'end of term'); it falls on a weekend or bank holiday; 'next Friday';
a quarter that could be the UK financial (Q1 = April-June) or the calendar one; a US-style
04/30/2027.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter

from bot.domain import dates
from bot.domain.dates import (
    MONTH_NAMES,
    DatePhrase,
    DateReading,
    find_date_phrases,
    impossible_reason,
    read_phrase,
)
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


_EXTRA = r"""
    (?P<fye>(?:the\s+)?end\s+of\s+(?:the\s+)?(?:financial|fiscal)\s+year
        |(?:the\s+)?(?:financial|fiscal)[\s-]+year[\s-]+end|(?:the\s+)?end\s+of\s+(?:the\s+)?FY\b
        |\bFY[\s-]*end\b)
  | (?P<cye>(?:the\s+)?end\s+of\s+(?:the\s+)?calendar\s+year)
  | (?P<ye>(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?year\b|\byear[\s-]+end\b)
  | (?P<qrel>(?:(?:the\s+)?(?:start|beginning|middle|mid|end)\s+of\s+)?
        (?:the\s+)?(?:next|this|coming|following|current)\s+quarter\b
      |(?:the\s+)?(?:start|beginning|middle|mid|end)\s+of\s+(?:the\s+)?quarter\b)
  | (?P<quarter>(?:(?P<qcal>calendar)\s+|(?P<qfin>financial|fiscal|FY)\s*)?
        (?:(?:the\s+)?(?:end|(?P<qpart>start|beginning|middle|mid))\s+of\s+)?
        (?:\bQ(?P<q>[1-4])|(?P<qw>first|second|third|fourth|last)\s+quarter)\b
        (?:\s*(?P<qy>20\d\d(?:\s*/\s*(?:20)?\d\d)?|\d\d/\d\d\b)|\s+(?P<qnext>next\s+year))?)
  | (?P<hols>(?:after\s+)?(?:the\s+)?
        (?:(?:october|february|feb|may|summer|spring|autumn|easter|christmas|xmas|school)\s+
            (?:half[\s-]*term|holidays?|hols|break|recess)
          |half[\s-]*term(?:\s+(?:holidays?|hols|break))?)\b)
  | (?P<xmas>(?P<xafter>after\s+(?:the\s+)?)?(?:christmas|xmas)\b)
  | (?P<easter>(?P<eafter>after\s+(?:the\s+)?)?easter\b)
  | (?P<us>(?<![\w./:\-£$])(?P<usm>0?[1-9]|1[0-2])(?P<uss>[/.\-])(?P<usd>1[3-9]|2\d|3[01])
        (?:(?P=uss)(?P<usy>\d{4}|\d\d))?(?![\w/:%]|[.\-/]\d))
  | (?P<few>\b(?:in\s+)?(?:a\s+few|few|several|some|a\s+number\s+of|a\s+couple\s+more
          |another\s+few|a\s+further\s+few|a\s+couple\s+of\s+more)
        \s+(?:more\s+|extra\s+|further\s+)?(?P<fewunit>days|weeks|months)\b
        (?:(?:'|’)?\s*(?:time|delay|slippage|slip|extension|longer|late))?)
  | (?P<vague>\b(?:slightly|a\s+bit|a\s+little|a\s+little\s+while|a\s+while)\b(?!\s+(?:of|more))
        |\b(?:the\s+)?end\s+of\s+(?:the\s+)?(?:school\s+|summer\s+|spring\s+|autumn\s+)?term\b
        |\b(?:the\s+)?(?:next|following)\s+(?:board|cib|panel|committee|cabinet|scrutiny|partnership)
            (?:\s+meeting)?\b
        |\b(?:the\s+)?new\s+year\b|\b(?:the\s+)?(?:summer|autumn|spring|winter)\b(?!\s+term)
        |\b(?:asap|soon|shortly|later|tbc|tba|tbd)\b)
    """
# Like dates._PHRASE_RE: a phrase starts at a word's start ('xafter christmas', 'offend of the
# financial year' are not phrases), and a zero-width guard fails fast on a character no branch
# begins with. It changes no match: tests/domain/test_scan_shortcuts.py.
_EXTRA_BOUNDARY = r"(?<![^\W_])"
_EXTRA_START = r"(?=[0-9abcefhilmnoqstwxy])"
_EXTRA_FLAGS = _FLAGS | re.VERBOSE
_EXTRA_BARE = f"{_EXTRA_BOUNDARY}(?:{_EXTRA})"  # what the guarded scan must find, for the tests
_EXTRA_RE = re.compile(f"{_EXTRA_BOUNDARY}{_EXTRA_START}(?:{_EXTRA})", _EXTRA_FLAGS)
_WEEK_COMMENCING_RE = re.compile(
    r"(?:\bw/?c|\bweek\s+(?:commencing|beginning|starting|of))\.?\s*(?:the\s+)?$", _FLAGS
)
_FUZZY_RE = re.compile(r"^(?:the\s+)?(?:mid|middle|early|beginning|start|late)\b", _FLAGS)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4}


_EXTRA_KEYS = (
    "year", "fy", "q1", "q2", "q3", "q4", "quarter", "christmas", "xmas", "easter", "few",
    "several", "some", "number of", "couple", "slightly", "bit", "little", "while", "term",
    "next", "following", "summer", "autumn", "spring", "winter", "asap", "soon", "shortly",
    "later", "tbc", "tba", "tbd", "term", "holiday", "hols", "break", "recess",
)  # fmt: skip
_US_HINT_RE = re.compile(r"\d[/.\-][123]\d")


def _may_have_extra(text: str) -> bool:
    """A cheap look for the words the chat-only scanner needs, before running it."""
    low = text.lower()
    return any(key in low for key in _EXTRA_KEYS) or _US_HINT_RE.search(text) is not None


def is_chat_only(phrase: DatePhrase) -> bool:
    """Quarters, 'by Christmas', 'a few weeks' ...: phrases only chat replies read."""
    return _may_have_extra(phrase.text) and _EXTRA_RE.fullmatch(phrase.text) is not None


def find_reply_phrases(text: str) -> list[DatePhrase]:
    """Every date phrase in a reply, chat-only kinds first; overlapping ones are dropped.

    A day our grammar can't build ('Tuesday the 16th', '2nd of next month', 'the 16th') comes
    back as one phrase marked `fallback`, so that neither 'Tuesday' nor 'next month' alone is
    read as if it were the whole date.
    """
    phrases = (
        [DatePhrase(m.start(), m.end(), m.group(0)) for m in _EXTRA_RE.finditer(text)]
        if _may_have_extra(text)
        else []
    )
    for phrase in find_date_phrases(text):
        if not any(p.start < phrase.end and phrase.start < p.end for p in phrases):
            phrases.append(phrase)
    if _ORDINAL_HINT_RE.search(text):
        phrases = _with_ordinal_days(text, phrases)
    return sorted(phrases, key=lambda p: p.start)


_ORDINAL_WORDS = (
    r"(?:(?:twenty|thirty)[\s-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|(?:thir|four|fif|six|seven|eigh|nine)teenth|twentieth|thirtieth)"
)
_ORDINAL_HINT_RE = re.compile(r"\d(?:st|nd|rd|th)\b|\w(?:st|nd|rd|th)\s+of\b", _FLAGS)
# A day of the month the grammar doesn't place: '16th', 'the twenty-second of'.
_ORDINAL_DAY_RE = re.compile(
    rf"(?<![\w./])(?:the\s+)?(?:(?P<digits>[0-3]?\d(?:st|nd|rd|th))\b|{_ORDINAL_WORDS}(?=\s+of\b))",
    _FLAGS,
)
_OF_GAP_RE = re.compile(r"\s+of\s+(?:the\s+)?", _FLAGS)
_THE_GAP_RE = re.compile(r",?\s+(?:the\s+)?", _FLAGS)
_RANGE_GAP_RE = re.compile(r"\s*(?:-|–|\bto\b|\band\b|&)\s*(?:the\s+)?\d", _FLAGS)
# '... on the 16th.' ends there; 'the 2nd review', '1st cohort' are not dates.
_DAY_ALONE_END_RE = re.compile(
    r"\s*(?:$|[.,;:!?)\-–—]|\s(?:please|pls|for|if|and|as|then|instead|at|with|so|but|when)\b)",
    _FLAGS,
)


def _with_ordinal_days(text: str, phrases: list[DatePhrase]) -> list[DatePhrase]:
    """Join an ordinal day to the phrase it completes, or keep it alone; mark it `fallback`."""
    for match in _ORDINAL_DAY_RE.finditer(text):
        start, end = match.span()
        if any(p.start < end and start < p.end for p in phrases):
            continue  # the grammar read it already ('14th April')
        after = next((p for p in phrases if _gap(text, end, p.start, _OF_GAP_RE)), None)
        before = next((p for p in phrases if _gap(text, p.end, start, _THE_GAP_RE)), None)
        if after is not None:  # '2nd of next month', 'the twenty-second of March'
            joined = [p for p in phrases if p is not after]
            joined.append(DatePhrase(start, after.end, text[start : after.end], fallback=True))
            phrases = joined
        elif before is not None and _ends_in_day_name(before.text):  # 'Tuesday the 16th'
            joined = [p for p in phrases if p is not before]
            joined.append(DatePhrase(before.start, end, text[before.start : end], fallback=True))
            phrases = joined
        elif match.group("digits") and (
            _RANGE_GAP_RE.match(text, end) or _DAY_ALONE_END_RE.match(text, end)
        ):
            stop = end
            if _RANGE_GAP_RE.match(text, end):  # '16th-20th March': one phrase, asked about
                stop = next((p.end for p in phrases if p.start >= end), end)
                stop = max(stop, _RANGE_GAP_RE.match(text, end).end())  # type: ignore[union-attr]
                phrases = [p for p in phrases if not (end <= p.start < stop)]
            phrases.append(DatePhrase(start, stop, text[start:stop], fallback=True))
    return phrases


def _gap(text: str, left: int, right: int, gap: re.Pattern[str]) -> bool:
    return left <= right and gap.fullmatch(text, left, right) is not None


_DAY_NAME_END_RE = re.compile(
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?$", _FLAGS
)


def _ends_in_day_name(text: str) -> bool:
    return _DAY_NAME_END_RE.search(text) is not None


def read_reply_date(
    phrase: DatePhrase, body: str, *, today: date, calendar: WorkingCalendar
) -> ReplyDate | None:
    """What one phrase means for a review date; None when it is not a date at all."""
    if phrase.fallback:
        return _Reader(today, calendar).fallback(phrase)
    extra = _EXTRA_RE.fullmatch(phrase.text) if _may_have_extra(phrase.text) else None
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

    # --- what our grammar saw but could not build: dateparser reads it ------------------------

    def fallback(self, phrase: DatePhrase) -> ReplyDate:
        """'Tuesday the 16th', '2nd of next month': dateparser's reading, doubted like ours."""
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
