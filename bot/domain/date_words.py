"""Month and weekday names, counts in words, and which days exist: the words dates are made of.

Kept apart from the scanner and the reader so that both, and chat's own date and snooze
readers, share one vocabulary without importing each other.
"""

from __future__ import annotations

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
MONTH_BY_PREFIX = {name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, 1)}
WEEKDAY_BY_PREFIX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
WEEKDAY_NAMES = dict(
    zip(
        WEEKDAY_BY_PREFIX,
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
