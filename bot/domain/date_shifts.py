"""Relative moves of the current review date: 'pushed back two weeks', '+3 working days'.

A shift is kept as days, months and working days until it is applied, because the date it
moves from (the action's current review date) is known only to the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from bot.domain.date_words import NUMBER_PATTERN, number_value
from bot.domain.workdays import WorkingCalendar

_FLAGS = re.IGNORECASE | re.ASCII


@dataclass(frozen=True)
class DateShift:
    """A relative move of the CURRENT review date, e.g. 'pushed back two weeks'."""

    days: int = 0
    months: int = 0
    working_days: int = 0


def resolve_shift(
    shift: DateShift, current: date | None, *, today: date, calendar: WorkingCalendar
) -> date:
    """Move the current review date (or today) by the shift; land on a working day."""
    start = current or today
    moved = start + relativedelta(months=shift.months, days=shift.days)
    moved = calendar.add_working_days(moved, shift.working_days)
    return calendar.next_working_day(moved)


_UNIT = r"(?P<unit>(?:working\s+|business\s+)?days?|weeks?|wks?|months?|fortnights?)"
SHIFT_RE = re.compile(
    rf"""\b(?P<verb>pushed|push|pushing|put|moved|move|moving|set|slipped|slip|slipping|slips
          |delayed|delay|deferred|defer|postponed|extended|extend|knocked|bumped|brought|bring
          |pulled)
        (?:\s+(?P<dir>back|out|on|forward|along))?(?:\s+(?:by|of))?
        \s+(?:(?:another|a\s+further|an?\s+(?:extra|additional|further)|further)\s+)?
        (?P<count>{NUMBER_PATTERN})\s+(?:more\s+|further\s+)?{_UNIT}\b
      | \b(?P<acount>{NUMBER_PATTERN})[\s-]+(?P<aunit>days?|weeks?|months?)\s+
        (?:delay|slip|slippage|extension)\b
      | (?<![\w+])\+\s*(?P<pcount>\d{{1,3}})\s*(?P<punit>d|days?|w|wks?|weeks?|m|months?)\b""",
    _FLAGS | re.VERBOSE,
)


def read_date_shift(body: str) -> DateShift | None:
    """'pushed back two weeks', 'slipped by a month', '+2 weeks'; 'brought forward' goes earlier."""
    match = SHIFT_RE.search(body)
    if match is None:
        return None
    if match.group("pcount"):
        count, unit = int(match.group("pcount")), match.group("punit").lower()
    elif match.group("acount"):
        count, unit = number_value(match.group("acount")), match.group("aunit").lower()
    else:
        count, unit = number_value(match.group("count")), match.group("unit").lower()
    if (match.group("dir") or "").lower() == "forward":
        count = -count
    return _shift_for(count, unit)


def _shift_for(count: int, unit: str) -> DateShift | None:
    if count == 0:
        return None
    if unit.startswith(("working", "business")):
        return DateShift(working_days=count)
    if unit.startswith("d"):
        return DateShift(days=count)
    if unit.startswith("f"):
        return DateShift(days=14 * count)
    if unit.startswith("w"):
        return DateShift(days=7 * count)
    return DateShift(months=count)
