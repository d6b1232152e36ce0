"""The weekly red-item digest: what the board channel reads on Monday morning."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.plan import ActionView, BoardPlan, BoardView, MilestoneView
from bot.domain.rag import Rag
from bot.domain.reminders import is_silent
from bot.domain.summary import PlanOrder, plan_order_key, rag_counts
from bot.domain.workdays import WorkingCalendar

_HH_MM = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_WEEK = timedelta(days=7)


Places = dict[int, PlanOrder]  # action id → its place in the plan


@dataclass(frozen=True)
class OverdueMilestone:
    action: ActionView
    milestone: MilestoneView


@dataclass(frozen=True)
class Digest:
    board_name: str
    today: date
    red: tuple[ActionView, ...]
    newly_red: tuple[ActionView, ...]
    recovered: tuple[ActionView, ...]
    overdue_milestones: tuple[OverdueMilestone, ...]
    no_update: tuple[ActionView, ...]
    reviews_due_this_week: tuple[ActionView, ...]
    counts: dict[Rag | None, int]
    # Counts as they stood at the last digest, for "Red 8 (+1)".
    previous_counts: dict[Rag | None, int] | None = None
    # Owners the bot can't message on any platform (linked to none): said, never skipped quietly.
    unreachable: tuple[str, ...] = ()

    def weeks_red(self, action: ActionView) -> int | None:
        """Whole weeks since the action last turned red; None if the history doesn't say."""
        if action.red_since is None:
            return None
        return max(0, (self.today - action.red_since.date()).days // 7)

    def change(self, rag: Rag | None) -> int | None:
        if self.previous_counts is None:
            return None
        return self.counts.get(rag, 0) - self.previous_counts.get(rag, 0)

    def change_label(self, rag: Rag | None) -> str:
        """ " (+1)" / " (−2)" after a count; nothing when unchanged or not comparable."""
        change = self.change(rag)
        return f" ({change:+d})".replace("-", "−") if change else ""

    def red_for_label(self, action: ActionView) -> str | None:
        """ "red 3 weeks"; None for an item red less than a week (or of unknown age)."""
        weeks = self.weeks_red(action)
        if weeks is None or weeks < 1:
            return None
        return f"red {weeks} week{'s' if weeks != 1 else ''}"

    @property
    def is_quiet(self) -> bool:
        """Nothing red, overdue or changed: the channel can be told so in one line."""
        return not (
            self.red
            or self.newly_red
            or self.recovered
            or self.overdue_milestones
            or self.no_update
        )


def build_digest(plan: BoardPlan, *, today: date, calendar: WorkingCalendar) -> Digest:
    """Everything the weekly post says, worked out from the plan as it stands today."""
    # Each action's place in the plan worked out once: a big board's lists all sort by it.
    place = {a.id: plan_order_key(a) for a in plan.actions}
    open_actions = [a for a in sorted(plan.actions, key=lambda a: place[a.id]) if a.is_open]
    return Digest(
        board_name=plan.board.name,
        today=today,
        red=tuple(a for a in open_actions if a.rag is Rag.RED),
        newly_red=_newly_red(plan, today),
        recovered=_recovered(plan),
        overdue_milestones=_overdue_milestones(open_actions, today, place),
        no_update=_no_update(plan.board, open_actions, today, calendar, place),
        reviews_due_this_week=_reviews_this_week(open_actions, today, place),
        counts=rag_counts(plan.actions),
        previous_counts=_previous_counts(plan),
    )


def _previous_counts(plan: BoardPlan) -> dict[Rag | None, int] | None:
    """RAG totals at the last digest: today's, with each action's earlier RAG put back."""
    if plan.previous_at is None:
        return None
    earlier = [
        replace(a, rag=plan.previous_rag.get(a.id, a.rag))
        for a in plan.actions
        if a.created_at is None or a.created_at <= plan.previous_at
    ]
    return rag_counts(earlier)


def _was_red(plan: BoardPlan, action: ActionView) -> bool | None:
    """Red at the last digest? None when we have no earlier RAG for this action."""
    if action.id not in plan.previous_rag:
        return None
    if plan.previous_at and action.created_at and action.created_at > plan.previous_at:
        return None  # it wasn't on the board then
    return plan.previous_rag[action.id] is Rag.RED


def _newly_red(plan: BoardPlan, today: date) -> tuple[ActionView, ...]:
    """Red now and not at the last digest; or turned red today, even with no digest before.

    The first digest has nothing to compare with, but an action someone turned red this
    morning is news all the same (as is one turned red before an earlier digest today).
    One red from the moment it entered the plan (the first import) did not turn red.
    """
    turned = (a for a in plan.actions if a.rag is Rag.RED and _newly(plan, a, today))
    return tuple(sorted(turned, key=plan_order_key))


def _newly(plan: BoardPlan, action: ActionView, today: date) -> bool:
    was_red = _was_red(plan, action)
    if was_red is None:  # no digest before, or no RAG change since it
        return _turned_red_on(plan, action, today)
    return not was_red


def _turned_red_on(plan: BoardPlan, action: ActionView, day: date) -> bool:
    """Did the action's last turn to red happen on `day` (the board's date), after it began?"""
    if action.red_since is None:
        return False
    if action.created_at is not None and _utc(action.red_since) <= _utc(action.created_at):
        return False
    return _local_day(action.red_since, plan.board.timezone) == day


def _utc(moment: datetime) -> datetime:
    """Stored moments are UTC; one read back without its zone is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _local_day(moment: datetime, timezone: str) -> date:
    return _utc(moment).astimezone(ZoneInfo(timezone)).date()


def _recovered(plan: BoardPlan) -> tuple[ActionView, ...]:
    better = (a for a in plan.actions if a.rag is not Rag.RED and _was_red(plan, a) is True)
    return tuple(sorted(better, key=plan_order_key))


def _overdue_milestones(
    actions: Iterable[ActionView], today: date, place: Places
) -> tuple[OverdueMilestone, ...]:
    """Missed steps on open actions, the longest-missed first."""
    found = [
        OverdueMilestone(action, milestone)
        for action in actions
        for milestone in action.milestones
        if milestone.is_overdue(today)
    ]
    return tuple(sorted(found, key=lambda m: (m.milestone.due or today, place[m.action.id])))


def _no_update(
    board: BoardView,
    actions: Iterable[ActionView],
    today: date,
    calendar: WorkingCalendar,
    place: Places,
) -> tuple[ActionView, ...]:
    """Past review and silent since the first reminder went out: the chair should know."""
    silent = [
        a
        for a in actions
        if a.review_date is not None
        and a.review_date < today
        and is_silent(board, a, calendar=calendar)
    ]
    return tuple(sorted(silent, key=lambda a: (a.review_date or today, place[a.id])))


def _reviews_this_week(
    actions: Iterable[ActionView], today: date, place: Places
) -> tuple[ActionView, ...]:
    end = today + timedelta(days=6)
    due = (a for a in actions if a.review_date is not None and today <= a.review_date <= end)
    return tuple(sorted(due, key=lambda a: (a.review_date or today, place[a.id])))


def digest_time(board: BoardView) -> time:
    """The board's "HH:MM" digest time; a bad value is a configuration error, said plainly."""
    match = _HH_MM.fullmatch(board.digest_time.strip())
    if match is None:
        raise ValueError(f"digest time {board.digest_time!r} is not HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def digest_due_at(
    board: BoardView, *, now: datetime, calendar: WorkingCalendar | None = None
) -> datetime:
    """The latest scheduled digest instant at or before `now`, as aware UTC, DST-proof.

    A digest day that is a bank holiday moves to the next working day, same time.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not 0 <= board.digest_weekday <= 6:
        raise ValueError(f"digest weekday {board.digest_weekday} is not 0 (Mon) to 6 (Sun)")
    tz = ZoneInfo(board.timezone)
    calendar = calendar or WorkingCalendar(board.bank_holiday_region)
    now_utc = now.astimezone(UTC)
    local_day = now_utc.astimezone(tz).date()
    day = local_day - timedelta(days=(local_day.weekday() - board.digest_weekday) % 7)
    at = _digest_instant(board, day, tz, calendar)
    if at > now_utc:
        at = _digest_instant(board, day - _WEEK, tz, calendar)
    return at


def _digest_instant(
    board: BoardView, day: date, tz: ZoneInfo, calendar: WorkingCalendar
) -> datetime:
    if board.digest_weekday < 5:  # a weekday digest skips bank holidays; a weekend one is kept
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    return datetime.combine(day, digest_time(board), tzinfo=tz).astimezone(UTC)
