"""The weekly digest: red, changes since last week, silence, and when it is due."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.digest import build_digest, digest_due_at
from bot.domain.plan import ActionView
from bot.domain.rag import Rag
from bot.domain.workdays import WorkingCalendar
from tests.domain.builders import action, board, milestone, plan

ENG = WorkingCalendar("ENG")
TODAY = date(2026, 12, 7)  # Mon
LAST_WEEK = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TODAY_9AM = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def refs(actions: tuple[ActionView, ...]) -> list[str]:
    return [a.ref for a in actions]


def test_newly_red_and_recovered_use_previous_rag() -> None:
    turned = action("1.1", rag=Rag.RED)
    still = action("1.2", rag=Rag.RED)
    better = action("1.3", rag=Rag.GREEN)
    unknown = action("1.4", rag=Rag.RED)
    was_unrated = action("1.5", rag=Rag.RED)
    finished = action("1.6", rag=Rag.COMPLETE)
    previous: dict[int, Rag | None] = {
        turned.id: Rag.GREEN,
        still.id: Rag.RED,
        better.id: Rag.RED,
        was_unrated.id: None,
        finished.id: Rag.RED,
    }
    sip = plan(turned, still, better, unknown, was_unrated, finished, previous_rag=previous)

    digest = build_digest(sip, today=TODAY, calendar=ENG)

    assert refs(digest.red) == ["1.1", "1.2", "1.4", "1.5"]
    assert refs(digest.newly_red) == ["1.1", "1.5"]
    assert refs(digest.recovered) == ["1.3", "1.6"]
    assert digest.counts[Rag.RED] == 4
    assert not digest.is_quiet


def test_no_previous_digest_means_no_changes() -> None:
    digest = build_digest(plan(action("1.1", rag=Rag.RED)), today=TODAY, calendar=ENG)
    assert digest.newly_red == ()
    assert digest.recovered == ()


def test_turned_red_today_is_newly_red_in_the_first_digest_too() -> None:
    created = utc(2026, 11, 2, 9)
    this_morning = action("1.1", rag=Rag.RED, created_at=created, red_since=utc(2026, 12, 7, 8))
    # In December London keeps GMT: 23:00 UTC on Sunday is Sunday there too.
    last_night = action("1.2", rag=Rag.RED, created_at=created, red_since=utc(2026, 12, 6, 23))
    imported_red = action("1.3", rag=Rag.RED, created_at=TODAY_9AM, red_since=TODAY_9AM)
    turned_back = action("1.4", rag=Rag.AMBER, created_at=created, red_since=utc(2026, 12, 7, 8))
    unknown = action("1.5", rag=Rag.RED, created_at=created)

    sip = plan(this_morning, last_night, imported_red, turned_back, unknown)
    digest = build_digest(sip, today=TODAY, calendar=ENG)

    assert refs(digest.newly_red) == ["1.1"]
    assert digest.recovered == ()
    assert digest.previous_counts is None


def test_turned_red_today_counts_in_the_board_time_zone() -> None:
    created = utc(2026, 6, 1, 9)
    summer = date(2026, 7, 6)  # BST: 23:30 UTC on Sunday is 00:30 on Monday in London
    late = action("1.1", rag=Rag.RED, created_at=created, red_since=utc(2026, 7, 5, 23, 30))
    before = action("1.2", rag=Rag.RED, created_at=created, red_since=utc(2026, 7, 5, 22, 59))
    digest = build_digest(plan(late, before), today=summer, calendar=ENG)
    assert refs(digest.newly_red) == ["1.1"]


def test_turned_red_today_before_an_earlier_digest_still_counts() -> None:
    """A digest already sent this morning: an action red since before it, with no RAG change
    since, is still news today; one red at that digest after an earlier change is not."""
    created = utc(2026, 11, 2, 9)
    morning = action("1.1", rag=Rag.RED, created_at=created, red_since=utc(2026, 12, 7, 8))
    again = action("1.2", rag=Rag.RED, created_at=created, red_since=utc(2026, 12, 7, 11))
    sip = plan(morning, again, previous_rag={again.id: Rag.RED}, previous_at=TODAY_9AM)

    digest = build_digest(sip, today=TODAY, calendar=ENG)

    assert refs(digest.newly_red) == ["1.1"]


def test_no_update_since_the_first_reminder() -> None:
    review = date(2026, 12, 4)  # first reminder (7 working days) Wed 25 Nov 09:00 GMT
    silent = action("2.1", review_date=review)
    before_ask = action("2.2", review_date=review, latest_update_at=utc(2026, 11, 25, 8, 59))
    answered = action("2.3", review_date=review, latest_update_at=utc(2026, 11, 25, 9, 0))
    done = action("2.4", review_date=review, rag=Rag.COMPLETE)
    due_today = action("2.5", review_date=TODAY)
    older = action("2.6", review_date=date(2026, 10, 30))
    sip = plan(silent, before_ask, answered, done, due_today, older)

    digest = build_digest(sip, today=TODAY, calendar=ENG)

    assert refs(digest.no_update) == ["2.6", "2.1", "2.2"]
    assert not digest.is_quiet


def test_no_update_follows_the_boards_largest_lead() -> None:
    review = date(2026, 12, 4)  # with a 3-day lead the first ask is Tue 1 Dec 09:00
    item = action("2.1", review_date=review, latest_update_at=utc(2026, 11, 30, 12))
    sip = plan(item, reminder_lead_days=(3, 1))
    assert refs(build_digest(sip, today=TODAY, calendar=ENG).no_update) == ["2.1"]


def test_overdue_milestones_on_open_actions_only() -> None:
    missed = milestone(1, date(2026, 12, 1), "Recruitment website live")
    older = milestone(2, date(2026, 11, 2), "Attend event on Restorative Approach model")
    ticked = milestone(3, date(2026, 11, 1), "Already done", done=True)
    today_one = milestone(4, TODAY, "Due today")
    undated = milestone(5, None, "Someday")
    live = action("3.1", milestones=(missed, older, ticked, today_one, undated))
    closed = action("3.2", rag=Rag.COMPLETE, milestones=(milestone(1, date(2026, 11, 1), "x"),))

    digest = build_digest(plan(live, closed), today=TODAY, calendar=ENG)

    assert [(m.action.ref, m.milestone.text) for m in digest.overdue_milestones] == [
        ("3.1", older.text),
        ("3.1", missed.text),
    ]
    assert not digest.is_quiet


def test_reviews_due_this_week() -> None:
    actions = (
        action("4.1", review_date=date(2026, 12, 13)),
        action("4.2", review_date=TODAY),
        action("4.3", review_date=date(2026, 12, 14)),
        action("4.4", review_date=date(2026, 12, 9), rag=Rag.COMPLETE),
        action("4.5", review_date=date(2026, 12, 9), rag=Rag.GREEN),
    )
    digest = build_digest(plan(*actions), today=TODAY, calendar=ENG)

    assert refs(digest.reviews_due_this_week) == ["4.2", "4.5", "4.1"]
    assert digest.is_quiet  # reviews coming up are news, not trouble


def test_quiet_week() -> None:
    sip = plan(action("1.1", rag=Rag.GREEN), action("1.2", rag=Rag.COMPLETE))
    digest = build_digest(sip, today=TODAY, calendar=ENG)
    assert digest.is_quiet
    assert digest.red == ()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # October, BST: Monday 09:00 London is 08:00 UTC.
        (utc(2026, 10, 19, 8, 0), utc(2026, 10, 19, 8, 0)),
        (utc(2026, 10, 19, 7, 59), utc(2026, 10, 12, 8, 0)),
        # November, GMT: 09:00 UTC.
        (utc(2026, 11, 2, 9, 0), utc(2026, 11, 2, 9, 0)),
        (utc(2026, 11, 2, 8, 30), utc(2026, 10, 26, 9, 0)),
        # A Tuesday gives the Monday before.
        (utc(2026, 11, 3, 15, 0), utc(2026, 11, 2, 9, 0)),
        # The clocks go back on Sun 25 Oct 2026.
        (utc(2026, 10, 25, 12, 0), utc(2026, 10, 19, 8, 0)),
        (utc(2026, 10, 26, 9, 30), utc(2026, 10, 26, 9, 0)),
        (utc(2026, 10, 26, 8, 30), utc(2026, 10, 19, 8, 0)),
        # The clocks go forward on Sun 28 Mar 2027.
        (utc(2027, 3, 27, 12, 0), utc(2027, 3, 22, 9, 0)),
        # ...and Mon 29 Mar 2027 is Easter Monday: that digest is Tuesday 09:00 BST.
        (utc(2027, 3, 29, 8, 0), utc(2027, 3, 22, 9, 0)),
        (utc(2027, 3, 30, 8, 0), utc(2027, 3, 30, 8, 0)),
        (utc(2027, 3, 30, 7, 59), utc(2027, 3, 22, 9, 0)),
        (utc(2027, 4, 5, 8, 0), utc(2027, 4, 5, 8, 0)),
    ],
)
def test_digest_due_at_is_monday_nine_london(now: datetime, expected: datetime) -> None:
    due = digest_due_at(board(), now=now)
    assert due == expected
    assert due.tzinfo is UTC


def test_digest_due_at_other_day_time_and_zone() -> None:
    friday = board(digest_weekday=4, digest_time="16:30")
    assert digest_due_at(friday, now=utc(2026, 12, 7, 12)) == utc(2026, 12, 4, 16, 30)
    new_york = board(timezone="America/New_York")  # 09:00 EST is 14:00 UTC
    assert digest_due_at(new_york, now=utc(2026, 12, 7, 13, 59)) == utc(2026, 11, 30, 14)


def test_digest_due_at_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        digest_due_at(board(digest_time="nine"), now=utc(2026, 12, 7, 12))
    with pytest.raises(ValueError, match="aware"):
        digest_due_at(board(), now=datetime(2026, 12, 7, 12))  # noqa: DTZ001
