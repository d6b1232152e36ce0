"""Weeks of hourly sweeps on a controllable clock: weekends, bank holidays, both DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.domain.digest import Digest
from bot.domain.reminders import ChairAlert, ReminderMessage, SendKind
from bot.domain.replies import UpdateRecorded
from bot.domain.workdays import WorkingCalendar
from handlers.wiring import Services
from storage.models import Action, Notification
from tests.handlers.support import say
from tests.schedules.support import RecordingNotifier

LONDON = ZoneInfo("Europe/London")
CALENDAR = WorkingCalendar()


def _sweep_hourly(
    services: Services, notifier: RecordingNotifier, until: datetime
) -> list[datetime]:
    """Run the dispatcher every hour; return the local time of every message sent."""
    clock = services.clock
    sent_at: list[datetime] = []
    dispatcher = services.dispatcher(notifier)
    while clock.now() < until:
        before = len(notifier.sent)
        dispatcher.run_once()
        sent_at += [clock.now().astimezone(LONDON)] * (len(notifier.sent) - before)
        clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    return sent_at


def _set_reviews(services: Services, review: date) -> None:
    with services.db.session() as session:
        for action in session.exec(select(Action)).all():
            action.review_date = review


def test_a_month_of_sweeps_sends_each_message_once_in_working_hours(services: Services) -> None:
    _set_reviews(services, date(2026, 12, 29))  # the Tuesday after the Christmas bank holidays
    notifier = RecordingNotifier()
    sent_at = _sweep_hourly(services, notifier, datetime(2027, 1, 12, tzinfo=UTC))

    assert sent_at
    for moment in sent_at:
        assert moment.hour in (9, 10), moment  # 09:00 sweep, or the first one after start
        assert CALENDAR.is_working_day(moment.date()), moment
    with services.db.session(commit=False) as session:
        keys = [n.key for n in session.exec(select(Notification)).all()]
    assert len(keys) == len(set(keys))
    digests = [c for _, c, _ in notifier.sent if isinstance(c, Digest)]
    assert len(digests) == len({d.today.isocalendar().week for d in digests}) >= 2  # one a week
    # Monday 28 December is a bank holiday: that week's digest waits for Tuesday.
    assert sorted(d.today for d in digests) == [
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
        date(2026, 12, 14),
        date(2026, 12, 21),
        date(2026, 12, 29),
        date(2027, 1, 4),
        date(2027, 1, 11),
    ]
    reminder_days = {
        m.date()
        for m, (_, c, _) in zip(sent_at, notifier.sent, strict=True)
        if isinstance(c, ReminderMessage) and c.kind is SendKind.REMINDER
    }
    # 7 and 1 working days before Tue 29 Dec, skipping 25 and 28 Dec.
    assert reminder_days == {date(2026, 12, 16), date(2026, 12, 24)}


def test_reminders_arrive_at_nine_local_on_both_sides_of_the_clocks_changing(
    services: Services,
) -> None:
    _set_reviews(services, date(2027, 4, 6))  # BST starts Sun 28 Mar 2027
    services.clock.set(datetime(2027, 3, 22, 0, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    notifier = RecordingNotifier()
    sent_at = _sweep_hourly(services, notifier, datetime(2027, 4, 7, tzinfo=UTC))
    reminders = [
        m
        for m, (_, c, _) in zip(sent_at, notifier.sent, strict=True)
        if isinstance(c, ReminderMessage) and c.kind is SendKind.REMINDER
    ]
    assert {m.hour for m in reminders} == {9}
    assert {m.utcoffset() for m in reminders} == {timedelta(hours=0), timedelta(hours=1)}
    digests = [
        m for m, (_, c, _) in zip(sent_at, notifier.sent, strict=True) if isinstance(c, Digest)
    ]
    # Monday 22 March (GMT); Tuesday 30 March (BST), as Monday 29 March is Easter Monday.
    assert [(m.date(), m.hour) for m in digests] == [
        (date(2027, 3, 22), 9),
        (date(2027, 3, 30), 9),
        (date(2027, 4, 5), 9),
    ]
    assert {m.utcoffset() for m in digests} == {timedelta(hours=0), timedelta(hours=1)}


def test_silence_brings_nudges_then_one_alert_for_the_chair(services: Services) -> None:
    review = date(2026, 11, 24)
    _set_reviews(services, review)
    notifier = RecordingNotifier()
    _sweep_hourly(services, notifier, datetime(2026, 12, 8, tzinfo=UTC))

    nudges = [
        c for _, c, _ in notifier.sent if isinstance(c, ReminderMessage) and c.kind == "nudge"
    ]
    alerts = [(who, c) for who, c, _ in notifier.sent if isinstance(c, ChairAlert)]
    assert nudges
    assert [who for who, _ in alerts] == ["Nigel Richardson"]  # one message, the chair
    [(_, alert)] = alerts
    assert len(alert.silent) == 47
    digest = services.dispatcher(notifier).digest_for(_board(services))
    assert len(digest.no_update) == 47


def test_an_owner_who_answers_is_not_nudged_or_reported(services: Services) -> None:
    _set_reviews(services, date(2026, 11, 24))
    services.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    [reply] = say(services, "Nigel Richardson", "1.1 green - strategy agreed, comms under way")
    assert isinstance(reply, UpdateRecorded)
    notifier = RecordingNotifier()
    _sweep_hourly(services, notifier, datetime(2026, 12, 8, tzinfo=UTC))
    nudged = {
        c.action.ref
        for _, c, _ in notifier.sent
        if isinstance(c, ReminderMessage) and c.kind == "nudge"
    }
    [(_, alert)] = [(w, c) for w, c, _ in notifier.sent if isinstance(c, ChairAlert)]
    assert "1.1" not in nudged
    assert "1.1" not in {a.ref for a, _ in alert.silent}


def test_snooze_holds_reminders_until_the_day_asked_then_sends_one(services: Services) -> None:
    _set_reviews(services, date(2026, 12, 4))
    owner = "Bec Windsor"
    [reply] = say(services, owner, "1.1 snooze until 1 Dec")
    assert isinstance(reply, UpdateRecorded)
    notifier = RecordingNotifier()
    sent_at = _sweep_hourly(services, notifier, datetime(2026, 12, 3, tzinfo=UTC))
    mine = [
        (m, c)
        for m, (who, c, _) in zip(sent_at, notifier.sent, strict=True)
        if who == owner and isinstance(c, ReminderMessage) and c.action.ref == "1.1"
    ]
    assert mine
    assert all(m.date() >= date(2026, 12, 1) for m, _ in mine)
    assert [c.kind for m, c in mine if m.date() == date(2026, 12, 1)] == [SendKind.SNOOZE]
    others = [
        c
        for m, (w, c, _) in zip(sent_at, notifier.sent, strict=True)
        if w == owner and isinstance(c, ReminderMessage) and c.action.ref == "1.2"
    ]
    assert others  # only the snoozed action waits


def _board(services: Services):  # type: ignore[no-untyped-def]
    from storage.boards import list_boards

    with services.db.session(commit=False) as session:
        return list_boards(session)[0]
