"""“Remind me Monday”, “snooze 3 days”: when an owner wants to hear about an action again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.date_words import NUMBER_PATTERN, number_value
from bot.domain.dates import read_date
from bot.domain.workdays import WorkingCalendar

_REQUEST = re.compile(
    r"^\s*(?:(?P<ref>\d+(?:\.\d+)+)[\s:,-]+)?"
    r"(?:snooze|remind\s+me(?:\s+again)?(?:\s+later)?)\b[\s,:-]*(?P<rest>.*?)[\s.!]*$",
    re.IGNORECASE | re.DOTALL,
)
_SPAN = re.compile(
    rf"^(?:for\s+|in\s+)?(?P<n>{NUMBER_PATTERN})\s+(?P<working>working\s+)?(?P<unit>days?|weeks?)$",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:until|till|til|on|at|from)\s+", re.IGNORECASE)
MAX_SNOOZE = timedelta(days=92)


@dataclass(frozen=True)
class SnoozeRequest:
    ref: str | None
    until: date | None  # None: the words after "snooze" weren't a date or a span

    @property
    def understood(self) -> bool:
        return self.until is not None


def parse_snooze(text: str, *, today: date, calendar: WorkingCalendar) -> SnoozeRequest | None:
    """None when the message isn't a snooze at all; `until` None when its date can't be read."""
    match = _REQUEST.match(text[:300])
    if match is None:
        return None
    rest = match.group("rest").strip()
    until = _until(rest, today, calendar)
    if until is not None and not today < until <= today + MAX_SNOOZE:
        until = None
    return SnoozeRequest(match.group("ref"), until)


def _until(rest: str, today: date, calendar: WorkingCalendar) -> date | None:
    if not rest:
        return calendar.add_working_days(today, 1)
    span = _SPAN.match(rest)
    if span is not None:
        count = number_value(span.group("n"))
        if span.group("working"):
            return calendar.add_working_days(today, count)
        days = count * (7 if span.group("unit").lower().startswith("week") else 1)
        return _working_day_on_or_after(today + timedelta(days=days), calendar)
    reading = read_date(_LEADING.sub("", rest), today=today, calendar=calendar)
    if reading is None:
        return None
    if reading.date is not None:
        return reading.date
    # "next Friday": the earlier choice; hearing sooner is harmless.
    return min(reading.options) if reading.options else None


def _working_day_on_or_after(day: date, calendar: WorkingCalendar) -> date:
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day
