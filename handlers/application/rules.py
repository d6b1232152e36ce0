"""The checks every way into the plan shares: the CLI's options, Slack's admin form, and any
later platform's. Each is written once here; the adapters only say what their field is called.

A check returns the value as it is stored, or raises `Invalid` with the sentence to show,
naming the field by `label` (the CLI passes its option, e.g. "--digest-day").
"""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.dates import read_date
from bot.domain.safety import clean_name, clean_text, name_problem
from bot.domain.workdays import WorkingCalendar
from handlers.application.errors import Invalid
from storage.boards import ADMIN, CHAIR, parse_lead_days

__all__ = ["ADMIN", "CHAIR", "ROLES"]

ROLES = (CHAIR, ADMIN)  # who may change a board's plan beyond an owner's own actions
TITLE_CHARS = 500  # an action's title
REF_CHARS = 32  # an action's ref ("2.3", "WS4-12"): what a form lets anyone type
MILESTONE_CHARS = 500  # a milestone's words: likewise
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY_REGIONS = ("ENG", "WLS", "SCT", "NIR")
_HH_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
EMAIL_CHARS = 320  # Person.email
# Someone's work address as people write it: one @, no spaces or brackets, a dotted domain.
_EMAIL = re.compile(
    r"(?P<local>[^@\s<>()\[\],;:\"]+)@(?P<domain>[a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.I
)
EMAIL_EXAMPLE = "paula.swindlehurst@sthelens.gov.uk"


# -- names, titles, refs, words ----------------------------------------------------------------


def name(text: str, label: str) -> str:
    """A board's or person's name: one line, at most 200 characters, nothing invisible."""
    problem = name_problem(text)
    if problem is not None:
        raise Invalid(f"{label}: {problem}")
    return clean_name(text)


def title(text: str) -> str:
    """An action's title as stored: visible characters, single-spaced, at most 500 of them."""
    return " ".join(clean_text(text).split())[:TITLE_CHARS]


def ref(text: str) -> str:
    """An action's ref as typed, without invisible characters or surrounding space."""
    return clean_text(text).strip()


def words(text: str) -> str:
    """A milestone's words as stored, single-spaced."""
    return " ".join(clean_text(text).split())


def email(text: str, label: str = "email") -> str:
    """An address as stored: trimmed, its domain lowercased (the part that ignores case)."""
    address = text.strip().removeprefix("mailto:")
    found = _EMAIL.fullmatch(address)
    labels = found.group("domain").split(".") if found else []
    if (
        found is None
        or len(address) > EMAIL_CHARS
        or ".." in found.group("local")
        or any(not part or part.startswith("-") or part.endswith("-") for part in labels)
        or not labels[-1].isalpha()
    ):
        raise Invalid(f"{label} “{text}” isn't an email address: give one like {EMAIL_EXAMPLE}")
    return f"{found.group('local')}@{found.group('domain').lower()}"


# -- dates -------------------------------------------------------------------------------------


def day(text: str, label: str, *, today: date, calendar: WorkingCalendar) -> date:
    """Dates as people write them, day first: 2022-10-31, 31/10/2022, "November 2022"."""
    reading = read_date(text, today=today, calendar=calendar, year_rule="base")
    if reading is not None and reading.date is not None:
        return reading.date
    if reading is not None and reading.is_ambiguous:
        options = " or ".join(option.isoformat() for option in reading.options)
        raise Invalid(f"{label} “{text}” could mean {options}: write it in full")
    raise Invalid(f"{label} “{text}” is not a date (e.g. 2022-10-31 or “31 October 2022”)")


def review_date_problem(new_date: date, today: date) -> str | None:
    """A review date is moved forward, never into the past."""
    if new_date < today:
        return f"{new_date:%a %d %b %Y} is in the past; nothing changed."
    return None


# -- a board's settings ------------------------------------------------------------------------


def timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown timezone “{text}”: use a name like Europe/London") from None
    return text


def weekday(text: str, label: str) -> int:
    """Monday is 0, as Python counts."""
    key = text.strip().casefold()[:3]
    if key not in WEEKDAYS:
        raise Invalid(f"{label} “{text}” is not a day (mon, tue, … sun)")
    return WEEKDAYS.index(key)


def weekday_name(number: int) -> str:
    return WEEKDAYS[number].capitalize()


def clock_time(text: str, label: str) -> str:
    """HH:MM, zero-padded."""
    match = _HH_MM.fullmatch(text.strip())
    if match is None:
        raise Invalid(f"{label} “{text}” is not a time like 09:00")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def lead_days(text: str, label: str) -> str:
    """Working days before a review to remind, largest first: "7,1"."""
    try:
        days = parse_lead_days(text)
    except ValueError:
        raise Invalid(f"{label} “{text}” should be whole days, e.g. 7,1") from None
    if not days:
        raise Invalid(f"{label} needs at least one day, e.g. 7,1")
    return ",".join(str(number) for number in days)


def holiday_region(text: str, label: str) -> str:
    if text.upper() not in HOLIDAY_REGIONS:
        raise Invalid(f"{label} “{text}” is not one of {', '.join(HOLIDAY_REGIONS)}")
    return text.upper()


def channel_id(text: str, label: str) -> str:
    if text.startswith("#"):
        raise Invalid(f"{label} takes the channel's id (e.g. C0123ABC), not its #name")
    return text
