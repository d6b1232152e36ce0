"""When owners are reminded before a review date: working days, 09:00 board time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.plan import ActionView, BoardView, PersonRef
from bot.domain.workdays import WorkingCalendar

REMINDER_HOUR = time(9, 0)
# Spare calendar days beyond a lead's weekends, for bank holidays (Christmas has three).
_HOLIDAY_SLACK_DAYS = 10


@dataclass(frozen=True)
class DueReminder:
    key: str
    action: ActionView
    owner: PersonRef
    review_date: date
    lead_days: int
    send_at: datetime


@dataclass(frozen=True)
class ReminderMessage:
    """What the owner reads."""

    board_name: str
    action: ActionView
    review_date: date
    lead_days: int
    today: date


def reminder_key(action: ActionView, owner: PersonRef, review_date: date, lead_days: int) -> str:
    """The claim key: one reminder per action, owner, review date and lead, ever."""
    return f"reminder:{action.id}:{owner.id}:{review_date.isoformat()}:{lead_days}"


def reminder_send_at(
    review_date: date, lead_days: int, *, calendar: WorkingCalendar, tz: ZoneInfo
) -> datetime:
    """09:00 local on the working day `lead_days` before the review, as aware UTC."""
    day = calendar.add_working_days(review_date, -lead_days)
    return datetime.combine(day, REMINDER_HOUR, tzinfo=tz).astimezone(UTC)


def due_reminders(
    board: BoardView,
    actions: Iterable[ActionView],
    *,
    now: datetime,
    calendar: WorkingCalendar,
) -> list[DueReminder]:
    """Reminders whose time has come; after downtime only the one nearest the review."""
    _require_aware(now)
    tz = ZoneInfo(board.timezone)
    today = now.astimezone(tz).date()
    due: list[DueReminder] = []
    for action in actions:
        due.extend(_due_for_action(board, action, now=now, today=today, calendar=calendar))
    return due


def _due_for_action(
    board: BoardView,
    action: ActionView,
    *,
    now: datetime,
    today: date,
    calendar: WorkingCalendar,
) -> list[DueReminder]:
    """Every owner gets the latest due lead; stale and complete actions get nothing."""
    review = action.review_date
    if not action.is_open or review is None or review < today:
        return []
    tz = ZoneInfo(board.timezone)
    for lead in sorted(set(board.reminder_lead_days)):
        send_at = reminder_send_at(review, lead, calendar=calendar, tz=tz)
        if send_at <= now:
            return [
                DueReminder(
                    reminder_key(action, owner, review, lead), action, owner, review, lead, send_at
                )
                for owner in _distinct(action.owners)
            ]
    return []


def _distinct(owners: Iterable[PersonRef]) -> list[PersonRef]:
    """A person listed twice as owner still gets one message."""
    return list({owner.id: owner for owner in owners}.values())


def reminder_window(board: BoardView, *, today: date) -> tuple[date, date]:
    """Review dates worth loading for a sweep: today up to the furthest lead, holidays included."""
    lead = max(board.reminder_lead_days, default=0)
    return (today, today + timedelta(days=lead * 7 // 5 + _HOLIDAY_SLACK_DAYS))


def reminder_message(board: BoardView, reminder: DueReminder, *, today: date) -> ReminderMessage:
    """The content for one due reminder, ready for any platform to draw."""
    return ReminderMessage(
        board_name=board.name,
        action=reminder.action,
        review_date=reminder.review_date,
        lead_days=reminder.lead_days,
        today=today,
    )


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
