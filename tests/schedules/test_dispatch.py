"""Reminders and digests go out once: not twice across sweeps or restarts, and not never."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlmodel import select

from bot.domain.digest import Digest
from bot.domain.reminders import DueReminder, ReminderMessage
from bot.ports import Sent
from handlers.wiring import Services
from schedules.dispatch import Dispatcher
from storage import notifications
from storage.boards import list_boards
from storage.models import Notification
from storage.notifications import Claim, delivery_key
from tests.handlers.support import say
from tests.schedules.support import RecordingNotifier


class FlakyNotifier(RecordingNotifier):
    """Dies after `fail_after` sends, like a process killed mid-batch."""

    def __init__(self, fail_after: int) -> None:
        super().__init__()
        self.fail_after = fail_after

    def send_direct(self, person, content, *, key=None):  # type: ignore[no-untyped-def]
        with self.lock:  # sends run in parallel: count and send as one step, or a 4th slips in
            if len(self.sent) >= self.fail_after:
                raise ConnectionError("network went away")
            return super().send_direct(person, content, key=key)


def _reminders(notifier: RecordingNotifier) -> list[tuple[str, ReminderMessage]]:
    return [(who, c) for who, c, _ in notifier.sent if isinstance(c, ReminderMessage)]


def _identity(who: str, message: ReminderMessage) -> tuple[str, str, str, int | None]:
    position = message.milestone.position if message.milestone else None
    return (who, message.kind.value, message.action.ref, position)


def test_due_reminders_go_to_every_owner_once_across_sweeps_and_restarts(
    services: Services,
) -> None:
    notifier = RecordingNotifier()
    first = services.dispatcher(notifier).send_due_reminders()
    assert first.sent > 0
    again = services.dispatcher(notifier).send_due_reminders()
    restarted = Dispatcher(db=services.db, clock=services.clock, notifier=notifier)
    after_restart = restarted.send_due_reminders()
    assert again.sent == after_restart.sent == 0
    keys = [_identity(who, c) for who, c in _reminders(notifier)]
    assert len(keys) == len(set(keys)) == first.sent


def test_a_send_that_died_midway_is_retried_once_its_claim_is_stale(services: Services) -> None:
    flaky = FlakyNotifier(fail_after=3)
    result = services.dispatcher(flaky).send_due_reminders()
    assert result.sent == 3
    assert result.failed > 0
    total = result.sent + result.failed

    healthy = RecordingNotifier()
    soon = services.dispatcher(healthy).send_due_reminders()
    assert soon.sent == 0  # the unfinished claims are not stale yet

    services.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    later = services.dispatcher(healthy).send_due_reminders()
    assert later.sent == total - 3
    everyone = {_identity(w, c) for w, c in _reminders(flaky) + _reminders(healthy)}
    assert len(everyone) == total


def test_the_weekly_digest_is_posted_once_and_lists_the_real_red_items(
    services: Services,
) -> None:
    notifier = RecordingNotifier()
    result = services.dispatcher(notifier).send_due_digests()
    assert result.sent == 1
    assert services.dispatcher(notifier).send_due_digests().sent == 0
    [(_, digest, _)] = notifier.sent
    assert isinstance(digest, Digest)
    with services.db.session(commit=False) as session:
        rows = session.exec(select(Notification).where(Notification.kind == "digest")).all()
    assert [r.status for r in rows] == ["sent"]
    red_refs = {a.ref for a in digest.red}
    assert red_refs == _red_refs_in_seed()


def test_a_digest_more_than_a_day_late_is_logged_as_skipped(services: Services) -> None:
    services.clock.advance(timedelta(days=2))  # Wednesday: Monday's digest is stale
    notifier = RecordingNotifier()
    result = services.dispatcher(notifier).send_due_digests()
    assert (result.sent, result.skipped) == (0, 1)
    assert notifier.sent == []


def test_newly_red_and_recovered_are_measured_from_the_last_digest(services: Services) -> None:
    notifier = RecordingNotifier()
    services.dispatcher(notifier).send_due_digests()
    services.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    red_now = sorted(_red_refs_in_seed())[0]
    say(services, "Nigel Richardson", f"{red_now} green - scope agreed at the board")
    say(services, "Nigel Richardson", "1.1 red - strategy stalled")
    with services.db.session(commit=False) as session:
        board = list_boards(session)[0]
    digest = services.dispatcher(notifier).digest_for(board)
    assert [a.ref for a in digest.newly_red] == ["1.1"]
    assert [a.ref for a in digest.recovered] == [red_now]


def _red_refs_in_seed() -> set[str]:
    import csv

    from handlers.application.sample import sample_file

    # The board under test is loaded from the bundled copy, so the answer comes from it too.
    with sample_file("worcestershire_sip.csv").open(newline="", encoding="utf-8") as handle:
        return {row["ref"] for row in csv.DictReader(handle) if row["rag"] == "R"}


class KeyedNotifier(RecordingNotifier):
    """A platform that tags messages with their claim key and can look them up (like Slack)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_key: dict[str, Sent] = {}
        self.keys: list[str | None] = []

    def send_direct(self, person, content, *, key=None):  # type: ignore[no-untyped-def]
        with self.lock:
            sent = super().send_direct(person, content, key=key)
            self.keys.append(key)
            if key:
                self.by_key[key] = sent
            return sent

    def find_sent(self, key, *, person=None, channel=None):  # type: ignore[no-untyped-def]
        with self.lock:
            return self.by_key.get(key)


def test_a_message_that_went_out_before_a_crash_is_not_sent_again(services: Services) -> None:
    """The state a SIGKILL leaves between send and mark: claimed, delivered, not marked."""
    notifier = KeyedNotifier()
    [due] = [d for d in _due(services) if d.owner.name == "Bec Windsor"][:1]
    key = delivery_key(due.key, notifier.platform)  # the claim of this reminder on this platform
    with services.db.session() as session:
        claim = Claim(key, due.kind.value, due.action.board_id, due.send_at)
        assert notifications.try_claim(
            session, claim, now=services.clock.now(), stale_after=timedelta(minutes=10)
        )
    notifier.send_direct(due.owner, "the reminder", key=key)

    services.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    services.dispatcher(notifier).send_due_reminders()

    assert [s for s in notifier.sent if s[0] == "Bec Windsor" and s[1] != "the reminder"] != []
    assert sum(1 for sent in notifier.keys if sent == key) == 1
    with services.db.session(commit=False) as session:
        row = notifications.by_key(session, key)
        assert row is not None
        assert (row.status, row.attempts) == ("sent", 2)


def _due(services: Services) -> list[DueReminder]:
    from bot.domain.reminders import plan_sends
    from bot.domain.workdays import WorkingCalendar
    from storage.boards import board_view
    from storage.plan import action_views, actions_due_for_sweep

    now = services.clock.now()
    with services.db.session(commit=False) as session:
        board = board_view(session, list_boards(session)[0])
        far = (now.date().replace(year=2000), now.date().replace(year=2100))
        views = action_views(session, actions_due_for_sweep(session, reviews=far, milestones=far))
    return [
        d
        for d in plan_sends(board, views, now=now, calendar=WorkingCalendar())
        if d.should_send and d.kind == "reminder"
    ]


def test_an_owner_on_two_boards_gets_one_reminder_per_action_labelled_by_board(
    services: Services,
) -> None:
    from datetime import date

    from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
    from handlers.text import render_text
    from storage.models import Action, ActionOwner, Person

    now = services.clock.now()
    load_sample_board(services.db, SAMPLE_BOARDS[0], now=now, today=now.date())
    review = date(2026, 11, 26)  # 7 working days' reminder is due, the 1-day one isn't
    with services.db.session() as session:
        bec = session.exec(select(Person).where(Person.name == "Bec Windsor")).one()
        st_helens = session.exec(select(Action).where(Action.board_id == 2)).first()
        assert st_helens is not None
        assert st_helens.id is not None
        assert bec.id is not None
        session.add(ActionOwner(action_id=st_helens.id, person_id=bec.id))
        for action in session.exec(select(Action)).all():
            action.review_date = review
    notifier = RecordingNotifier()
    services.dispatcher(notifier).send_due_reminders()

    bec_reminders = [
        c
        for who, c, _ in notifier.sent
        if who == "Bec Windsor" and isinstance(c, ReminderMessage) and c.kind == "reminder"
    ]
    boards = Counter(c.board_name for c in bec_reminders)
    assert set(boards) == {
        "Worcestershire Service Improvement Board",
        "St Helens Children's Improvement Board",
    }
    refs = [(c.board_name, c.action.ref) for c in bec_reminders]
    assert len(refs) == len(set(refs))  # one per action
    assert all(c.board_name in render_text(c) for c in bec_reminders)


def test_after_downtime_only_the_nearest_reminder_goes_and_the_rest_are_logged(
    services: Services,
) -> None:
    from datetime import date

    from storage.models import Action

    with services.db.session() as session:
        actions = session.exec(select(Action)).all()
        for action in actions[:10]:
            action.review_date = date(2026, 11, 24)  # tomorrow: both 7- and 1-day leads passed
        for action in actions[10:]:
            action.review_date = date(2026, 11, 20)  # passed while the bot was down
    notifier = RecordingNotifier()
    services.dispatcher(notifier).send_due_reminders()

    sent = [
        c for _, c, _ in notifier.sent if isinstance(c, ReminderMessage) and c.kind == "reminder"
    ]
    assert {c.lead_days for c in sent} == {1}
    assert {c.action.ref for c in sent} <= {a.ref for a in actions[:10]}
    with services.db.session(commit=False) as session:
        rows = session.exec(select(Notification).where(Notification.kind == "reminder")).all()
    skipped = [r for r in rows if r.status == "skipped"]
    assert {r.key.rsplit(":", 1)[1] for r in skipped} >= {"7"}
    assert all(r.detail for r in skipped)  # each says why it wasn't sent
    stale_ids = {a.id for a in actions[10:]}
    assert not [r for r in rows if r.action_id in stale_ids and r.status == "sent"]
