"""The rest of the policy: owners' own time zones, milestones, nudges, escalation, snooze."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.domain.reminders import SendKind, due_escalations, plan_sends
from bot.domain.workdays import WorkingCalendar
from tests.domain.builders import BEC, PAULA, action, board, milestone

ENG = WorkingCalendar("ENG")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def kinds(now: datetime, **action_fields: object) -> list[tuple[SendKind, str, str | None]]:
    item = action(owners=(BEC,), **action_fields)
    found = plan_sends(board(), [item], now=now, calendar=ENG)
    return [(d.kind, d.owner.name, d.skip_reason) for d in found]


def test_an_owner_in_new_york_hears_at_nine_new_york_time() -> None:
    abroad = replace(PAULA, timezone="America/New_York")
    item = action(owners=(abroad,), review_date=date(2026, 12, 4))
    wed = date(2026, 11, 25)  # 7 working days before Fri 4 Dec
    assert plan_sends(board(), [item], now=at(wed, 13, 59), calendar=ENG) == []
    [due] = plan_sends(board(), [item], now=at(wed, 14, 0), calendar=ENG)  # 09:00 EST
    assert due.send_at == at(wed, 14, 0)


def test_a_milestone_is_reminded_a_working_day_before_and_a_done_one_never() -> None:
    due_monday = milestone(1, date(2026, 11, 30), "Recruitment website live")
    done = milestone(2, date(2026, 11, 30), "Advert signed off", done=True)
    friday = date(2026, 11, 27)
    found = kinds(at(friday, 9), review_date=date(2027, 3, 1), milestones=(due_monday, done))
    assert found == [(SendKind.MILESTONE, BEC.name, None)]
    assert kinds(at(friday, 8, 59), review_date=date(2027, 3, 1), milestones=(due_monday,)) == []


def test_silence_after_the_review_brings_a_nudge_every_n_working_days() -> None:
    review = date(2026, 11, 24)  # Tue
    quiet = {"review_date": review, "latest_update_at": None}
    assert (SendKind.NUDGE, BEC.name, None) in kinds(at(date(2026, 11, 26), 9), **quiet)
    assert not [k for k in kinds(at(date(2026, 11, 25), 12), **quiet) if k[0] is SendKind.NUDGE]
    spoke = {"review_date": review, "latest_update_at": at(date(2026, 11, 20), 12)}
    assert not [k for k in kinds(at(date(2026, 11, 26), 9), **spoke) if k[0] is SendKind.NUDGE]


def test_chairs_hear_after_m_silent_working_days_once_per_review() -> None:
    chair = replace(PAULA, id=99, name="Nigel Richardson")
    quiet = action(owners=(BEC,), review_date=date(2026, 11, 24), latest_update_at=None)
    the_board = board(chairs=(chair,))
    before = due_escalations(the_board, [quiet], now=at(date(2026, 11, 30), 12), calendar=ENG)
    [alert] = due_escalations(the_board, [quiet], now=at(date(2026, 12, 1), 9), calendar=ENG)
    assert before == []
    assert (alert.chair.name, alert.silent_days) == ("Nigel Richardson", 5)
    assert alert.key == f"escalation:{quiet.id}:{chair.id}:2026-11-24"


def test_a_snooze_holds_every_reminder_until_its_day_then_sends_one() -> None:
    item = action(
        owners=(BEC,),
        review_date=date(2026, 12, 4),
        snoozed_until={BEC.id: date(2026, 12, 1)},
    )
    assert plan_sends(board(), [item], now=at(date(2026, 11, 30), 12), calendar=ENG) == []
    found = plan_sends(board(), [item], now=at(date(2026, 12, 1), 9), calendar=ENG)
    assert [d.kind for d in found if d.should_send] == [SendKind.SNOOZE]


def test_reminders_missed_while_down_are_logged_not_sent() -> None:
    # The bot was down from before the 7-day reminder until after the review.
    found = kinds(at(date(2026, 12, 7), 9), review_date=date(2026, 12, 4), latest_update_at=None)
    skipped = [k for k in found if k[0] is SendKind.REMINDER]
    assert skipped
    assert all(reason for _, _, reason in skipped)
