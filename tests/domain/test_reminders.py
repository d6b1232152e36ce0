"""Reminder policy: working days before the review, 09:00 board time, once per lead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.plan import ActionView
from bot.domain.rag import Rag
from bot.domain.reminders import (
    DueReminder,
    due_reminders,
    reminder_message,
    reminder_send_at,
    reminder_window,
)
from bot.domain.workdays import WorkingCalendar
from tests.domain.builders import BEC, PAULA, action, board

LONDON = ZoneInfo("Europe/London")
ENG = WorkingCalendar("ENG")
REVIEW = date(2026, 12, 4)  # Fri 4 Dec 2026


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def send_at(review: date, lead: int) -> datetime:
    return reminder_send_at(review, lead, calendar=ENG, tz=LONDON)


def test_week_and_a_day_before_a_friday_review() -> None:
    assert send_at(REVIEW, 7) == utc(2026, 11, 25, 9, 0)  # Wed 25 Nov, GMT
    assert send_at(REVIEW, 1) == utc(2026, 12, 3, 9, 0)  # Thu 3 Dec


def test_christmas_bank_holidays_are_skipped() -> None:
    review = date(2026, 12, 29)  # Tue, after Fri 25 Dec and Mon 28 Dec (Boxing Day substitute)
    assert send_at(review, 1) == utc(2026, 12, 24, 9, 0)
    assert send_at(review, 7) == utc(2026, 12, 16, 9, 0)


def test_send_time_is_nine_local_across_the_clocks_change() -> None:
    review = date(2027, 3, 31)  # BST from Sun 28 Mar 2027; Easter 26 and 29 Mar are holidays
    assert send_at(review, 1) == utc(2027, 3, 30, 8, 0)  # 09:00 BST
    assert send_at(review, 7) == utc(2027, 3, 18, 9, 0)  # 09:00 GMT
    assert send_at(review, 1).astimezone(LONDON).hour == 9


def test_scottish_boards_use_scottish_holidays() -> None:
    review = date(2027, 1, 5)  # Tue; Scotland also has 2 Jan (Mon 4 Jan substitute)
    assert reminder_send_at(review, 1, calendar=WorkingCalendar("SCT"), tz=LONDON) == utc(
        2026, 12, 31, 9, 0
    )
    assert send_at(review, 1) == utc(2027, 1, 4, 9, 0)


def _due(actions: list[ActionView], now: datetime, **board_overrides: Any) -> list[DueReminder]:
    return due_reminders(board(**board_overrides), actions, now=now, calendar=ENG)


def test_not_due_before_send_at_and_due_after() -> None:
    item = action("2.3", review_date=REVIEW)
    first = utc(2026, 11, 25, 9, 0)

    assert _due([item], first - timedelta(seconds=1)) == []
    due = _due([item], first)

    assert len(due) == 1
    assert due[0].lead_days == 7
    assert due[0].send_at == first
    assert due[0].owner == PAULA
    assert due[0].review_date == REVIEW
    assert due[0].key == f"reminder:{item.id}:{PAULA.id}:2026-12-04:7"


def test_one_reminder_per_owner() -> None:
    item = action("2.3", review_date=REVIEW, owners=(PAULA, BEC, PAULA))
    due = _due([item], utc(2026, 11, 26, 12, 0))
    assert [r.owner for r in due] == [PAULA, BEC]
    assert len({r.key for r in due}) == 2


def test_when_both_leads_are_due_only_the_nearest_is_sent() -> None:
    item = action("2.3", review_date=REVIEW)
    due = _due([item], utc(2026, 12, 3, 15, 0))  # the bot was down since before 25 Nov
    assert [r.lead_days for r in due] == [1]


def test_due_on_the_review_day_itself_but_not_after() -> None:
    item = action("2.3", review_date=REVIEW)
    assert [r.lead_days for r in _due([item], utc(2026, 12, 4, 23, 0))] == [1]
    assert _due([item], utc(2026, 12, 5, 0, 1)) == []


def test_review_date_passed_in_board_time_is_stale() -> None:
    item = action("2.3", review_date=date(2027, 6, 30))
    just_after_midnight_bst = utc(2027, 6, 30, 23, 30)  # 00:30 on 1 Jul in London
    assert _due([item], just_after_midnight_bst) == []


def test_complete_and_undated_actions_get_none() -> None:
    done = action("2.3", review_date=REVIEW, rag=Rag.COMPLETE)
    undated = action("2.4", review_date=None)
    assert _due([done, undated], utc(2026, 12, 3, 10, 0)) == []


def test_unrated_actions_are_reminded() -> None:
    item = action("2.3", review_date=REVIEW, rag=None)
    assert len(_due([item], utc(2026, 12, 3, 10, 0))) == 1


def test_board_lead_days_are_honoured() -> None:
    item = action("2.3", review_date=REVIEW)
    due = _due([item], utc(2026, 12, 1, 9, 0), reminder_lead_days=(3,))  # Tue 1 Dec
    assert [r.lead_days for r in due] == [3]


def test_naive_now_is_refused() -> None:
    naive = datetime(2026, 12, 3, 10, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        _due([action("2.3", review_date=REVIEW)], naive)


@pytest.mark.parametrize("today", [date(2026, 12, 14), date(2027, 3, 15), date(2027, 7, 1)])
@pytest.mark.parametrize("leads", [(7, 1), (10, 5, 1), (20,)])
def test_window_covers_every_lead(today: date, leads: tuple[int, ...]) -> None:
    start, end = reminder_window(board(reminder_lead_days=leads), today=today)
    assert start == today
    for offset in range(0, 60):
        review = today + timedelta(days=offset)
        for lead in leads:
            if send_at(review, lead).astimezone(LONDON).date() <= today:
                assert review <= end, (review, lead)


def test_reminder_message_carries_the_facts() -> None:
    item = action("2.3", review_date=REVIEW)
    due = _due([item], utc(2026, 12, 3, 9, 0))[0]
    message = reminder_message(board(), due, today=date(2026, 12, 3))
    assert (message.action, message.review_date, message.lead_days) == (item, REVIEW, 1)
    assert message.board_name == board().name
