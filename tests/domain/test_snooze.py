"""Snooze phrasings, read against a real calendar (Mon 23 Nov 2026; Christmas bank holidays)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.snooze import parse_snooze
from bot.domain.workdays import WorkingCalendar

MONDAY = date(2026, 11, 23)
CALENDAR = WorkingCalendar()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("snooze", date(2026, 11, 24)),
        ("remind me later", date(2026, 11, 24)),
        ("snooze 3 days", date(2026, 11, 26)),
        ("snooze for 5 days", date(2026, 11, 30)),  # Sat 28 → Mon 30
        ("snooze 2 working days", date(2026, 11, 25)),
        ("remind me in a week", date(2026, 11, 30)),
        ("Remind me Monday", date(2026, 11, 30)),
        ("remind me on Friday", date(2026, 11, 27)),
        ("snooze until 4 Dec", date(2026, 12, 4)),
        ("remind me next Friday", date(2026, 11, 27)),
        ("2.3 snooze 3 days", date(2026, 11, 26)),
    ],
)
def test_snooze_phrasings(text: str, expected: date) -> None:
    request = parse_snooze(text, today=MONDAY, calendar=CALENDAR)
    assert request is not None
    assert request.until == expected


def test_a_ref_before_snooze_says_which_action() -> None:
    request = parse_snooze("2.3 snooze 3 days", today=MONDAY, calendar=CALENDAR)
    assert request is not None
    assert request.ref == "2.3"


def test_snooze_skips_the_christmas_bank_holidays() -> None:
    request = parse_snooze("snooze", today=date(2026, 12, 24), calendar=CALENDAR)
    assert request is not None
    assert request.until == date(2026, 12, 29)


@pytest.mark.parametrize("text", ["snooze whenever", "snooze 42", "remind me 14 April 2020"])
def test_an_unreadable_or_unreasonable_snooze_is_not_understood(text: str) -> None:
    request = parse_snooze(text, today=MONDAY, calendar=CALENDAR)
    assert request is not None
    assert not request.understood


@pytest.mark.parametrize("text", ["amber - slipped to 14 April", "snoozed the alarm", "remind"])
def test_other_messages_are_not_snoozes(text: str) -> None:
    assert parse_snooze(text, today=MONDAY, calendar=CALENDAR) is None


@given(st.text(max_size=400))
def test_never_raises_and_never_snoozes_into_the_past(text: str) -> None:
    request = parse_snooze(text, today=MONDAY, calendar=CALENDAR)
    if request is not None and request.until is not None:
        assert request.until > MONDAY
