"""The fast path of the date fallback (dates.direct_date) against dateparser, phrase by phrase.

direct_date builds the date from the day and month already in the words; it must give exactly
what dateparser would, or decline (None) so that dateparser is asked. Phrases are generated
from a seeded generator, so a failure names a phrase that can be rerun.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from bot.domain.date_words import MONTH_NAMES, WEEKDAY_NAMES
from bot.domain.dates import dateparser_date, direct_date, fallback_date

PHRASES = 2_400
_WEEKDAYS = tuple(WEEKDAY_NAMES.values())
# Todays at the edges the rules turn on: month ends, leap days, the year's end.
_EDGE_TODAYS = (
    date(2026, 12, 1),
    date(2026, 12, 31),
    date(2027, 1, 31),
    date(2027, 2, 28),
    date(2028, 2, 28),
    date(2028, 2, 29),
    date(2027, 3, 31),
    date(2027, 4, 30),
    date(2027, 4, 14),
    date(2099, 12, 31),
)


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


Template = Callable[[int, int, int, str, str], str]
# (day, month, year, weekday, month word) -> phrase; the month word is full, short or 'Sept'.
_TEMPLATES: tuple[Template, ...] = (
    lambda d, m, y, w, mw: f"the {_ordinal(d)}",
    lambda d, m, y, w, mw: _ordinal(d),
    lambda d, m, y, w, mw: f"{w} the {_ordinal(d)}",
    lambda d, m, y, w, mw: f"{w[:3]}, the {_ordinal(d)}",
    lambda d, m, y, w, mw: f"next {w} the {_ordinal(d)}",
    lambda d, m, y, w, mw: f"the {d}th",  # a wrong suffix now and then
    lambda d, m, y, w, mw: f"the {_ordinal(d)} of next month",
    lambda d, m, y, w, mw: f"{_ordinal(d)} of next month",
    lambda d, m, y, w, mw: f"{d} {mw}",
    lambda d, m, y, w, mw: f"{_ordinal(d)} {mw}",
    lambda d, m, y, w, mw: f"the {_ordinal(d)} of {mw}",
    lambda d, m, y, w, mw: f"{w[:3]} {d} {mw}",
    lambda d, m, y, w, mw: f"{w} {_ordinal(d)} {mw} {y}",
    lambda d, m, y, w, mw: f"{d} {mw} {y}",
    lambda d, m, y, w, mw: f"{d} {mw[:3]} {y % 100:02d}",  # two-digit year: declined
    lambda d, m, y, w, mw: f"{mw} {_ordinal(d)}",
    lambda d, m, y, w, mw: f"{mw} {d}, {y}",
    lambda d, m, y, w, mw: f"{mw} the {_ordinal(d)}",
    lambda d, m, y, w, mw: f"{d}/{m:02d}/{y}",
    lambda d, m, y, w, mw: f"{d:02d}.{m:02d}.{y}",
    lambda d, m, y, w, mw: f"{d}-{m}-{y}",
    lambda d, m, y, w, mw: f"{y}-{m:02d}-{d:02d}",
    lambda d, m, y, w, mw: f"{d}/{m}",  # no year: declined
    lambda d, m, y, w, mw: f"the {_ordinal(d)} of next week",  # declined
    lambda d, m, y, w, mw: f"the {_ordinal(d)}-{_ordinal(min(d + 2, 31))} {mw}",  # declined
)


def _today(rng: random.Random) -> date:
    if rng.random() < 0.3:
        return rng.choice(_EDGE_TODAYS)
    return date(2024, 1, 1) + timedelta(days=rng.randrange(8 * 366))


def _day(rng: random.Random, today: date) -> int:
    """Mostly month ends and days next to today, where the year and month rules turn."""
    pick = rng.random()
    if pick < 0.35:
        return rng.choice((28, 29, 30, 31))
    if pick < 0.6:
        return max(1, min(31, today.day + rng.choice((-1, 0, 1))))
    return rng.randint(1, 31)


def _phrase(rng: random.Random) -> tuple[str, date]:
    today = _today(rng)
    day = _day(rng, today)
    month = today.month if rng.random() < 0.3 else rng.randint(1, 12)
    if rng.random() < 0.15:
        day, month = 29, 2
    year = rng.choice((today.year, today.year, today.year + 1, today.year - 1, 2028))
    name = MONTH_NAMES[month - 1]
    month_word = rng.choice(
        (name, name[:3], name.lower(), name.upper(), "Sept" if month == 9 else name)
    )
    weekday = rng.choice(_WEEKDAYS)
    text = rng.choice(_TEMPLATES)(day, month, year, weekday, month_word)
    return text, today


def _generated() -> list[tuple[str, date]]:
    rng = random.Random(12)
    return [_phrase(rng) for _ in range(PHRASES)]


GENERATED = _generated()


def test_the_fast_path_gives_dateparser_s_date_or_declines() -> None:
    wrong = []
    built = 0
    for text, today in GENERATED:
        fast = direct_date(text, today=today)
        if fast is None:
            continue
        built += 1
        slow = dateparser_date(text, today=today)
        if fast != slow:
            wrong.append(f"{text!r} on {today}: fast {fast}, dateparser {slow}")
    assert not wrong, "\n".join(wrong[:20])
    # Declining everything would pass the loop above: most phrases must be built directly.
    assert built >= PHRASES * 0.6, f"built only {built} of {PHRASES}"


def test_the_generated_phrases_are_varied() -> None:
    assert len(set(GENERATED)) >= PHRASES * 0.95
    assert len({today for _, today in GENERATED}) >= 300


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("the 16th", date(2026, 12, 1), date(2026, 12, 16)),
        ("the 16th", date(2026, 12, 17), date(2026, 12, 16)),  # dateparser: today's month
        ("Tuesday the 16th", date(2026, 12, 1), date(2026, 12, 16)),  # a Wednesday: doubted later
        ("the 4th of next month", date(2026, 12, 1), date(2027, 1, 4)),
        ("the 31st of next month", date(2026, 12, 1), date(2027, 1, 31)),
        ("14 April", date(2027, 4, 13), date(2027, 4, 14)),
        ("14 April", date(2027, 4, 14), date(2028, 4, 14)),  # strictly after today
        ("29 February 2028", date(2026, 12, 1), date(2028, 2, 29)),
        ("14/04/2027", date(2026, 12, 1), date(2027, 4, 14)),
    ],
)
def test_what_the_fast_path_builds(text: str, today: date, expected: date) -> None:
    assert direct_date(text, today=today) == expected
    assert fallback_date(text, today=today) == expected


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("the 30th", date(2027, 2, 28)),  # February has no 30th
        ("the 29th of next month", date(2027, 1, 31)),  # nor, in 2027, a 29th
        ("31 April", date(2026, 12, 1)),
        ("29/02/2027", date(2026, 12, 1)),
        ("29 Feb", date(2026, 12, 1)),  # dateparser hunts for the leap year its own way
        ("14 Apr 27", date(2026, 12, 1)),  # two-digit year
        ("14/04", date(2026, 12, 1)),
        ("the twenty-second of March", date(2026, 12, 1)),
        ("the 16th of next week", date(2026, 12, 1)),
        ("the 16th-20th March", date(2026, 12, 1)),
        ("14 April 2101", date(2026, 12, 1)),
        (" the 16th", date(2026, 12, 1)),
    ],
)
def test_the_fast_path_declines_what_it_is_not_sure_of(text: str, today: date) -> None:
    assert direct_date(text, today=today) is None


def test_reading_a_reply_does_not_load_dateparser_unless_it_must() -> None:
    """Importing the parser and reading the table's fallback days leaves dateparser unloaded."""
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from bot.domain.updates import parse_update\n"
        "from bot.domain.workdays import WorkingCalendar\n"
        "assert 'dateparser' not in sys.modules, 'imported with the parser'\n"
        "for text in ('review on the 16th please', 'review on the 4th of next month',\n"
        "             'new date Tuesday the 16th', 'new date 14 April'):\n"
        "    parse_update(text, today=date(2026, 12, 1), calendar=WorkingCalendar('ENG'))\n"
        "assert 'dateparser' not in sys.modules, 'loaded by a day the fast path builds'\n"
        "parse_update('moved to the twenty-second of March', today=date(2026, 12, 1),\n"
        "             calendar=WorkingCalendar('ENG'))\n"
        "assert 'dateparser' in sys.modules, 'a declined phrase must reach dateparser'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
