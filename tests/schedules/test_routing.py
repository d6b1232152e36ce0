"""One scheduler, two platforms at once: Slack (the stand-in, through the real SlackNotifier)
and a recording "teams". Each owner is reminded once on each platform they are linked to,
never on one they aren't; an owner linked to neither is reported, not skipped quietly.

The plan is the real Worcestershire one the fixtures load; the owners are picked from its
owners sheet (the busiest first), so nothing here names a person or an action by hand.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from slack_sdk import WebClient
from sqlalchemy import text
from sqlmodel import select

from bot.domain.digest import Digest
from bot.domain.plan import PersonRef
from bot.ports import Notifier, Sent
from handlers.application.identity import unreachable_people
from handlers.slack.notifier import SlackNotifier
from handlers.wiring import Services
from schedules.dispatch import Dispatcher
from storage import notifications
from storage.channels import board_channels, link_board_channel
from storage.db import Database, alembic_config, make_engine, migrate
from storage.models import Action, Board, Notification, Person
from storage.notifications import delivery_key
from storage.people import find_person, link_chat_id, person_by_chat_id
from storage.plan import actions_owned_by
from tests.console.support import worcs_owners
from tests.slack.fake_slack import FakeSlack

TEAMS = "teams"
SLACK = "slack"
BOARD_SLACK = "C0BOARD"
BOARD_TEAMS = "19:board@thread.tacv2"
REVIEW = date(2026, 11, 26)  # the 7 working days' reminder is due at the fixtures' clock


@dataclass
class TeamsRecorder:
    """A second platform: records what it is asked to send, and finds it again by key."""

    platform: str = TEAMS
    direct: list[tuple[str, object, str | None]] = field(default_factory=list)
    posts: list[tuple[str, object, str | None]] = field(default_factory=list)
    by_key: dict[str, Sent] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        account = person.chat_id(TEAMS)
        assert account, f"asked to message {person.name}, who has no Teams account"
        with self.lock:
            sent = Sent(f"teams-dm:{account}", str(len(self.direct) + len(self.posts) + 1))
            self.direct.append((person.name, content, key))
            if key:
                self.by_key[key] = sent
            return sent

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        with self.lock:
            sent = Sent(channel, str(len(self.direct) + len(self.posts) + 1))
            self.posts.append((channel, content, key))
            if key:
                self.by_key[key] = sent
            return sent

    def find_sent(
        self, key: str, *, person: PersonRef | None = None, channel: str | None = None
    ) -> Sent | None:
        with self.lock:
            return self.by_key.get(key)

    def keys_to(self, name: str) -> list[str]:
        with self.lock:
            return [key or "" for who, _, key in self.direct if who == name]


class DyingTeams(TeamsRecorder):
    """Teams goes away mid-sweep for one person: claimed, never marked (a killed process)."""

    def __init__(self, victim: str) -> None:
        super().__init__()
        self.victim = victim

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        if person.name == self.victim:
            raise ConnectionError("the Teams connector went away")
        return super().send_direct(person, content, key=key)


@dataclass(frozen=True)
class Cast:
    """Real owners from the plan, each linked differently."""

    on_slack: str
    on_teams: str
    on_both: str
    on_neither: str
    slack_ids: dict[str, str]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def cast(services: Services, shared_data: Path) -> Cast:
    """The four busiest owners; every action's review on REVIEW; the board on both."""
    counts = Counter(name for names in worcs_owners(shared_data).values() for name in names)
    busiest = sorted(counts, key=lambda name: (-counts[name], name))
    with services.db.session() as session:
        on_slack, on_teams, on_both, on_neither = (_person(session, n) for n in busiest[:4])
        slack_ids = {}
        for person in (on_slack, on_both):
            slack_ids[person.name] = f"U0{person.id:06d}"
            link_chat_id(session, person, platform=SLACK, external_id=slack_ids[person.name])
        for person in (on_teams, on_both):
            link_chat_id(session, person, platform=TEAMS, external_id=f"29:{person.id}-aad")
        for action in session.exec(select(Action)).all():
            action.review_date = REVIEW
        board = session.exec(select(Board)).one()
        link_board_channel(session, board, platform=SLACK, channel_id=BOARD_SLACK)
        link_board_channel(session, board, platform=TEAMS, channel_id=BOARD_TEAMS)
    names = (p.name for p in (on_slack, on_teams, on_both, on_neither))
    return Cast(*names, slack_ids=slack_ids)


def _person(session: Any, name: str) -> Person:
    found = find_person(session, name)
    assert found is not None, name
    return found


def _slack_notifier(fake: FakeSlack) -> SlackNotifier:
    return SlackNotifier(WebClient(token="xoxb-test", base_url=fake.url + "/api/"))


def _slack_keys(fake: FakeSlack, channel: str) -> list[str]:
    """The claim key of every message Slack holds for a user's DM (or a channel)."""
    keys = []
    for call in fake.answered("chat.postMessage"):
        if call.params.get("channel") != channel:
            continue
        metadata = call.params.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        keys.append(str((metadata.get("event_payload") or {}).get("key")))
    return keys


def _rows(db: Database, name: str) -> list[Notification]:
    with db.session(commit=False) as session:
        person = _person(session, name)
        statement = select(Notification).where(Notification.person_id == person.id)
        return list(session.exec(statement).all())


def _unreachable(db: Database, name: str) -> list[Notification]:
    """Their send log: nothing sent, nothing skipped but for lateness, the rest unreachable."""
    rows = _rows(db, name)
    assert {r.status for r in rows} <= {"unreachable", "skipped"}
    assert not [r for r in rows if r.status == "skipped" and "account" in (r.detail or "")]
    return [r for r in rows if r.status == "unreachable"]


def _message_keys(keys: list[str], platform: str) -> set[str]:
    suffix = f"@{platform}"
    assert all(key.endswith(suffix) for key in keys), keys
    return {key.removesuffix(suffix) for key in keys}


def _owned_action_ids(db: Database, name: str) -> set[int]:
    with db.session(commit=False) as session:
        person = _person(session, name)
        assert person.id is not None
        return {a.id for a in actions_owned_by(session, person.id) if a.id is not None}


def _sent_action_ids(db: Database, name: str, platform: str) -> list[int | None]:
    return [
        r.action_id
        for r in _rows(db, name)
        if r.status == "sent" and r.platform == platform and r.kind == "reminder"
    ]


def _sweep(services: Services, *notifiers: Notifier) -> dict[str, Any]:
    first, *more = notifiers
    return services.dispatcher(first, *more).run_once()


def test_each_owner_is_reminded_once_on_each_platform_they_are_linked_to(
    services: Services, slack: FakeSlack, cast: Cast
) -> None:
    teams = TeamsRecorder()
    _sweep(services, _slack_notifier(slack), teams)

    slack_only = _slack_keys(slack, cast.slack_ids[cast.on_slack])
    both_on_slack = _slack_keys(slack, cast.slack_ids[cast.on_both])
    teams_only = teams.keys_to(cast.on_teams)
    both_on_teams = teams.keys_to(cast.on_both)

    for keys in (slack_only, both_on_slack, teams_only, both_on_teams):
        assert keys, "every linked owner has reminders due"
        assert len(keys) == len(set(keys))  # one message per reminder per platform
    assert teams.keys_to(cast.on_slack) == []  # nothing where they aren't linked
    posted_to = {c.params.get("channel") for c in slack.answered("chat.postMessage")}
    assert posted_to == {*cast.slack_ids.values(), BOARD_SLACK}  # only Slack-linked people
    # Someone on both platforms gets the same reminders on each, once each.
    assert _message_keys(both_on_slack, SLACK) == _message_keys(both_on_teams, TEAMS)
    # Every action each owner owns was reminded, on their own platform, once.
    for name, platform in ((cast.on_slack, SLACK), (cast.on_teams, TEAMS)):
        sent = _sent_action_ids(services.db, name, platform)
        assert len(sent) == len(set(sent))
        assert set(sent) == _owned_action_ids(services.db, name)


def test_an_owner_linked_nowhere_is_reported_not_skipped_and_reached_once_linked(
    services: Services, slack: FakeSlack, cast: Cast
) -> None:
    teams = TeamsRecorder()
    results = _sweep(services, _slack_notifier(slack), teams)

    assert results["reminders"].unreachable > 0
    rows = _unreachable(services.db, cast.on_neither)
    assert rows  # recorded, neither sent nor skipped for want of an account
    assert all("@" not in r.key for r in rows)  # under the message's own key: nothing claimed
    [(_, digest, _)] = teams.posts
    assert isinstance(digest, Digest)
    assert cast.on_neither in digest.unreachable  # the digest's "can't reach" line
    assert not {cast.on_slack, cast.on_teams, cast.on_both} & set(digest.unreachable)
    reported = {u.name for u in unreachable_people(services.db, platforms=(SLACK, TEAMS))}
    assert cast.on_neither in reported
    assert not {cast.on_slack, cast.on_teams, cast.on_both} & reported
    assert set(digest.unreachable) <= reported

    again = _sweep(services, _slack_notifier(slack), teams)
    assert len(_unreachable(services.db, cast.on_neither)) == len(rows)  # recorded once
    assert again["reminders"].sent == 0

    with services.db.session() as session:
        person = _person(session, cast.on_neither)
        link_chat_id(session, person, platform=TEAMS, external_id=f"29:{person.id}-late")
    _sweep(services, _slack_notifier(slack), teams)
    reached = teams.keys_to(cast.on_neither)
    assert reached
    assert len(reached) == len(set(reached))
    assert _message_keys(reached, TEAMS) == {r.key for r in rows}
    assert cast.on_neither not in {
        u.name for u in unreachable_people(services.db, platforms=(SLACK, TEAMS))
    }


def test_running_the_sweep_again_sends_nothing_twice(
    services: Services, slack: FakeSlack, cast: Cast
) -> None:
    teams = TeamsRecorder()
    first = _sweep(services, _slack_notifier(slack), teams)
    slack_posts = len(slack.answered("chat.postMessage"))
    teams_sends = (len(teams.direct), len(teams.posts))

    restarted = Dispatcher(
        db=services.db, clock=services.clock, notifier=[teams, _slack_notifier(slack)]
    )
    second = restarted.run_once()
    services.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    third = _sweep(services, _slack_notifier(slack), teams)

    assert first["reminders"].sent > 0
    assert first["digests"].sent == 2  # the board's Slack channel and its Teams channel
    for later in (second, third):
        assert sum(r.sent for r in later.values()) == 0
    assert len(slack.answered("chat.postMessage")) == slack_posts
    assert (len(teams.direct), len(teams.posts)) == teams_sends
    assert _slack_keys(slack, BOARD_SLACK) == [_digest_key(services, SLACK)]
    assert [(channel, key) for channel, _, key in teams.posts] == [
        (BOARD_TEAMS, _digest_key(services, TEAMS))
    ]


def _digest_key(services: Services, platform: str) -> str:
    with services.db.session(commit=False) as session:
        board = session.exec(select(Board)).one()
    return delivery_key(f"digest:{board.id}:{services.clock.now().date().isoformat()}", platform)


def test_a_crash_on_one_platform_resends_nothing_on_the_other(
    services: Services, slack: FakeSlack, cast: Cast
) -> None:
    dying = DyingTeams(victim=cast.on_both)
    first = _sweep(services, _slack_notifier(slack), dying)
    assert first["reminders"].failed > 0  # their Teams claims are left unfinished
    on_slack = _slack_keys(slack, cast.slack_ids[cast.on_both])
    assert on_slack
    assert dying.keys_to(cast.on_both) == []

    # One of them did reach Teams before the process died: delivered, not marked.
    [went_anyway, *_] = sorted(_message_keys(on_slack, SLACK))
    teams = TeamsRecorder()
    with services.db.session(commit=False) as session:
        person = session.exec(select(Person).where(Person.name == cast.on_both)).one()
    ref = PersonRef(person.id or 0, person.name, chat_ids={TEAMS: "29:x"})
    teams.send_direct(ref, "the reminder", key=delivery_key(went_anyway, TEAMS))

    healthy_soon = _sweep(services, _slack_notifier(slack), teams)
    assert healthy_soon["reminders"].sent == 0  # the unfinished claims aren't stale yet
    services.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    _sweep(services, _slack_notifier(slack), teams)

    assert _slack_keys(slack, cast.slack_ids[cast.on_both]) == on_slack  # Slack: nothing again
    on_teams = teams.keys_to(cast.on_both)
    assert Counter(on_teams).most_common(1)[0][1] == 1  # Teams: each once, the found one too
    assert _message_keys(on_teams, TEAMS) == _message_keys(on_slack, SLACK)
    with services.db.session(commit=False) as session:
        row = notifications.by_key(session, delivery_key(went_anyway, TEAMS))
        assert row is not None
        assert (row.status, row.attempts) == ("sent", 2)


def test_a_slack_process_alone_leaves_teams_owners_for_the_teams_one(
    services: Services, slack: FakeSlack, cast: Cast
) -> None:
    """What used to happen: Slack marked a Teams owner's reminder skipped for good."""
    alone = _sweep(services, _slack_notifier(slack))
    assert alone["reminders"].unreachable > 0
    waiting = _unreachable(services.db, cast.on_teams)
    assert waiting

    teams = TeamsRecorder()
    _sweep(services, _slack_notifier(slack), teams)
    reached = teams.keys_to(cast.on_teams)
    assert len(reached) == len(set(reached))
    assert _message_keys(reached, TEAMS) == {r.key for r in waiting}
    assert _message_keys(teams.keys_to(cast.on_both), TEAMS) == _message_keys(
        _slack_keys(slack, cast.slack_ids[cast.on_both]), SLACK
    )


def test_an_older_send_log_and_board_channel_carry_over(db_url: str) -> None:
    """0004 on a database from before: Slack sends keyed per delivery, a no-account skip made
    unreachable (so linking them reaches them), lateness skips kept, Slack channels kept."""
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0003")
    at = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO board (id, name, channel_id, timezone, bank_holiday_region,"
                " digest_weekday, digest_time, reminder_lead_days, nudge_every_days,"
                " escalate_after_days, created_at) VALUES (1, 'Old board', 'C0OLD',"
                " 'Europe/London', 'ENG', 0, '09:00', '7,1', 2, 5, :at)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO person (id, name, name_key, role, created_at)"
                " VALUES (1, 'Bec Windsor', 'bec windsor', '', :at)"
            ),
            {"at": at},
        )
        sends = [
            ("reminder:1:1:2026-11-26:7", "sent", "slack", None),
            ("reminder:2:1:2026-11-26:7", "skipped", None, "no Slack account linked for Bec"),
            ("reminder:3:1:2026-11-26:1", "skipped", None, "replaced by a nearer reminder"),
        ]
        for key, status, platform, detail in sends:
            connection.execute(
                text(
                    "INSERT INTO notification (key, kind, board_id, person_id, due_at, status,"
                    " claimed_at, attempts, platform, detail) VALUES (:key, 'reminder', 1, 1,"
                    " :at, :status, :at, 1, :platform, :detail)"
                ),
                {"key": key, "status": status, "platform": platform, "detail": detail, "at": at},
            )
    migrate(engine)
    engine.dispose()

    db = Database.connect(db_url)
    with db.session(commit=False) as session:
        rows = {r.key: r.status for r in session.exec(select(Notification)).all()}
        board = session.exec(select(Board)).one()
        channels = board_channels(session, [board])
        console = session.exec(select(Person)).one()
        assert person_by_chat_id(session, "console", "Bec Windsor") == console
    db.dispose()
    assert rows == {
        "reminder:1:1:2026-11-26:7@slack": "sent",
        "reminder:2:1:2026-11-26:7": "unreachable",
        "reminder:3:1:2026-11-26:1": "skipped",
    }
    assert channels == {1: {SLACK: "C0OLD"}}
