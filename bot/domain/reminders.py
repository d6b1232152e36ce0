"""When owners are reminded: before the review (working days), on milestones, and after it.

Everything here is a pure function of the plan and `now`: the dispatcher asks what is due
on every sweep, so a restart or a second process needs no schedule of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.plan import ActionView, BoardView, MilestoneView, PersonRef
from bot.domain.workdays import WorkingCalendar

REMINDER_HOUR = time(9, 0)
MILESTONE_LEAD_DAYS = 1
# Spare calendar days beyond a lead's weekends, for bank holidays (Christmas has three).
_HOLIDAY_MARGIN_DAYS = 10
# How far back a sweep looks for sends that are now too late to help (they are logged).
STALE_LOOKBACK = timedelta(days=14)


class SendKind(StrEnum):
    REMINDER = "reminder"
    MILESTONE = "milestone"
    NUDGE = "nudge"
    SNOOZE = "snooze"


@dataclass(frozen=True)
class DueReminder:
    key: str
    action: ActionView
    owner: PersonRef
    review_date: date
    lead_days: int
    send_at: datetime
    kind: SendKind = SendKind.REMINDER
    milestone: MilestoneView | None = None
    skip_reason: str | None = None

    @property
    def should_send(self) -> bool:
        return self.skip_reason is None


@dataclass(frozen=True)
class ReminderMessage:
    """What the owner reads."""

    board_name: str
    action: ActionView
    review_date: date
    lead_days: int
    today: date
    kind: SendKind = SendKind.REMINDER
    milestone: MilestoneView | None = None


@dataclass(frozen=True)
class Escalation:
    """A silent action the chairs should hear about, once per review date."""

    key: str
    action: ActionView
    chair: PersonRef
    review_date: date
    silent_days: int


@dataclass(frozen=True)
class ChairAlert:
    """One message to a chair naming every action that has gone silent."""

    board_name: str
    chair: PersonRef
    silent: tuple[tuple[ActionView, int], ...]  # (action, working days since its review)
    today: date


def reminder_key(action: ActionView, owner: PersonRef, review_date: date, lead_days: int) -> str:
    """The claim key: one reminder per action, owner, review date and lead, ever."""
    return f"reminder:{action.id}:{owner.id}:{review_date.isoformat()}:{lead_days}"


def reminder_send_at(
    review_date: date, lead_days: int, *, calendar: WorkingCalendar, tz: ZoneInfo
) -> datetime:
    """09:00 local on the working day `lead_days` before the review, as aware UTC."""
    day = calendar.add_working_days(review_date, -lead_days)
    return at_nine(day, tz)


def at_nine(day: date, tz: ZoneInfo) -> datetime:
    """Reminders arrive at the start of someone's working day, never at night."""
    return datetime.combine(day, REMINDER_HOUR, tzinfo=tz).astimezone(UTC)


def owner_tz(board: BoardView, owner: PersonRef) -> ZoneInfo:
    """The owner's own time zone when the chat platform told us it, else the board's."""
    try:
        return ZoneInfo(owner.timezone or board.timezone)
    except (ValueError, KeyError):
        return ZoneInfo(board.timezone)


def due_reminders(
    board: BoardView,
    actions: Iterable[ActionView],
    *,
    now: datetime,
    calendar: WorkingCalendar,
) -> list[DueReminder]:
    """Review reminders to send now; after downtime only the one nearest the review."""
    return [
        r
        for r in plan_sends(board, actions, now=now, calendar=calendar)
        if r.kind is SendKind.REMINDER and r.should_send
    ]


def plan_sends(
    board: BoardView,
    actions: Iterable[ActionView],
    *,
    now: datetime,
    calendar: WorkingCalendar,
) -> list[DueReminder]:
    """Every direct message whose time has come, and those to log as skipped instead."""
    _require_aware(now)
    found: list[DueReminder] = []
    for action in actions:
        if not action.is_open:
            continue
        for owner in _distinct(action.owners):
            found.extend(_for_owner(board, action, owner, now=now, calendar=calendar))
    return found


@dataclass(frozen=True)
class _Owner:
    """One owner of one action, at one moment: what every reminder rule looks at."""

    board: BoardView
    action: ActionView
    owner: PersonRef
    now: datetime
    calendar: WorkingCalendar
    tz: ZoneInfo
    today: date
    snoozed: date | None

    def held(self, send_at: datetime) -> bool:
        """Within a snooze: the owner asked not to hear before that day."""
        return self.snoozed is not None and send_at.astimezone(self.tz).date() < self.snoozed

    def reminder(
        self, key: str, review: date, lead: int, send_at: datetime, **more: object
    ) -> DueReminder:
        return DueReminder(key, self.action, self.owner, review, lead, send_at, **more)  # type: ignore[arg-type]


def _for_owner(
    board: BoardView,
    action: ActionView,
    owner: PersonRef,
    *,
    now: datetime,
    calendar: WorkingCalendar,
) -> Iterator[DueReminder]:
    tz = owner_tz(board, owner)
    today = now.astimezone(tz).date()
    snoozed = action.snoozed_until.get(owner.id)
    if snoozed is not None and today < snoozed:
        return
    one = _Owner(board, action, owner, now, calendar, tz, today, snoozed)
    if snoozed is not None:
        yield _snooze_reminder(action, owner, snoozed, tz)
    if action.review_date is not None:
        yield from _review_reminders(one, action.review_date)
        yield from _nudges(one, action.review_date)
    yield from _milestone_reminders(one)


def _review_reminders(one: _Owner, review: date) -> Iterator[DueReminder]:
    """The nearest due lead is sent; earlier ones missed while down, and stale ones, are logged."""
    leads = sorted(set(one.board.reminder_lead_days))
    due = [
        (lead, send_at)
        for lead in leads
        if (send_at := reminder_send_at(review, lead, calendar=one.calendar, tz=one.tz)) <= one.now
        and one.now - send_at <= STALE_LOOKBACK
        and not one.held(send_at)
    ]
    for index, (lead, send_at) in enumerate(due):
        reason = None
        if review < one.today:
            reason = "the review date had passed when the bot could send it"
        elif index > 0:
            reason = "a nearer reminder for the same review went instead"
        key = reminder_key(one.action, one.owner, review, lead)
        yield one.reminder(key, review, lead, send_at, skip_reason=reason)


def _nudges(one: _Owner, review: date) -> Iterator[DueReminder]:
    """Past the review and silent: a nudge every N working days, only the latest if several."""
    every = max(1, one.board.nudge_every_days)
    if review >= one.today or not is_silent(one.board, one.action, calendar=one.calendar):
        return
    number = one.calendar.working_days_between(review, one.today) // every
    if number < 1:
        return
    send_at = at_nine(one.calendar.add_working_days(review, number * every), one.tz)
    if send_at > one.now or one.held(send_at):
        return
    key = f"nudge:{one.action.id}:{one.owner.id}:{review.isoformat()}:{number}"
    yield one.reminder(key, review, number, send_at, kind=SendKind.NUDGE)


def _milestone_reminders(one: _Owner) -> Iterator[DueReminder]:
    """A working day before each open milestone; a missed one whose day has passed is logged."""
    for milestone in one.action.milestones:
        if milestone.done or milestone.due is None:
            continue
        day = one.calendar.add_working_days(milestone.due, -MILESTONE_LEAD_DAYS)
        send_at = at_nine(day, one.tz)
        if send_at > one.now or one.now - send_at > STALE_LOOKBACK or one.held(send_at):
            continue
        reason = "the milestone date had passed" if milestone.due < one.today else None
        key = f"milestone:{one.action.id}:{milestone.position}:{one.owner.id}:{milestone.due}"
        review = one.action.review_date or milestone.due
        yield one.reminder(
            key,
            review,
            MILESTONE_LEAD_DAYS,
            send_at,
            kind=SendKind.MILESTONE,
            milestone=milestone,
            skip_reason=reason,
        )


def _snooze_reminder(
    action: ActionView, owner: PersonRef, until: date, tz: ZoneInfo
) -> DueReminder:
    """The reminder a snooze postponed, sent on the day asked for."""
    review = action.review_date or until
    key = f"snooze:{action.id}:{owner.id}:{until.isoformat()}"
    return DueReminder(key, action, owner, review, 0, at_nine(until, tz), kind=SendKind.SNOOZE)


def is_silent(board: BoardView, action: ActionView, *, calendar: WorkingCalendar) -> bool:
    """No update since the first reminder for this review date was due."""
    if action.review_date is None:
        return False
    lead = max(board.reminder_lead_days, default=0)
    tz = ZoneInfo(board.timezone)
    asked_at = reminder_send_at(action.review_date, lead, calendar=calendar, tz=tz)
    return action.latest_update_at is None or action.latest_update_at < asked_at


def due_escalations(
    board: BoardView,
    actions: Iterable[ActionView],
    *,
    now: datetime,
    calendar: WorkingCalendar,
) -> list[Escalation]:
    """Silent for M working days past the review: each chair hears once per review date."""
    tz = ZoneInfo(board.timezone)
    today = now.astimezone(tz).date()
    found: list[Escalation] = []
    for action in actions:
        review = action.review_date
        if not action.is_open or review is None or review >= today:
            continue
        silent_days = calendar.working_days_between(review, today)
        if silent_days < board.escalate_after_days or not is_silent(
            board, action, calendar=calendar
        ):
            continue
        send_at = at_nine(calendar.add_working_days(review, board.escalate_after_days), tz)
        if send_at > now:
            continue
        for chair in _distinct(board.chairs):
            key = f"escalation:{action.id}:{chair.id}:{review.isoformat()}"
            found.append(Escalation(key, action, chair, review, silent_days))
    return found


def _distinct(owners: Iterable[PersonRef]) -> list[PersonRef]:
    """A person listed twice as owner still gets one message."""
    return list({owner.id: owner for owner in owners}.values())


def reminder_window(board: BoardView, *, today: date) -> tuple[date, date]:
    """Review dates worth loading for a sweep: today up to the furthest lead, holidays included."""
    lead = max(board.reminder_lead_days, default=0)
    return (today, today + timedelta(days=lead * 7 // 5 + _HOLIDAY_MARGIN_DAYS))


def sweep_windows(board: BoardView, *, today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """(review dates, milestone dates) a sweep must read, including recent past ones."""
    start = today - STALE_LOOKBACK
    end = reminder_window(board, today=today)[1]
    milestone_end = today + timedelta(days=MILESTONE_LEAD_DAYS * 7 // 5 + _HOLIDAY_MARGIN_DAYS)
    return (start, end), (start, milestone_end)


def reminder_message(board: BoardView, reminder: DueReminder, *, today: date) -> ReminderMessage:
    """The content for one due reminder, ready for any platform to draw."""
    return ReminderMessage(
        board_name=board.name,
        action=reminder.action,
        review_date=reminder.review_date,
        lead_days=reminder.lead_days,
        today=today,
        kind=reminder.kind,
        milestone=reminder.milestone,
    )


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
