"""Delivery at Slack's envelope: paced DMs keep a second apart, and 429s lose nothing.

The stand-in is a real HTTP server on 127.0.0.1 that, like Slack's chat.postMessage, accepts
one message a second per conversation and answers 429 with Retry-After: 1 otherwise. The
real Dispatcher sends through the real SlackNotifier, with its pool of senders.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import insert
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import Settings
from handlers.slack.app import make_client
from handlers.slack.notifier import SlackNotifier
from schedules.dispatch import Dispatcher
from schedules.pacing import PacedNotifier
from storage.db import Database
from storage.models import Action, ActionOwner, Board, ChatIdentity, Notification, Person
from tests.slack.fake_slack import FakeSlack

LIMIT = 1.0


class LimitedSlack(FakeSlack):
    """FakeSlack with Slack's per-conversation limit on chat.postMessage."""

    def __init__(self) -> None:
        super().__init__()
        self._limit_lock = threading.Lock()
        self._last: dict[str, float] = {}
        self.accepted: list[tuple[str, float, str]] = []  # conversation, when, claim key
        self.limited = 0

    def _answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if not path.endswith("chat.postMessage"):
            return super()._answer(path, params)
        conversation = "D" + str(params["channel"])[1:]
        with self._limit_lock:  # the check and the accept as one step, as Slack's limiter
            now = time.monotonic()
            if now - self._last.get(conversation, -10.0) < LIMIT:
                self.limited += 1
                return 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}
            self._last[conversation] = now
            self.accepted.append((conversation, now, _key(params)))
            return super()._answer(path, params)


def _key(params: dict[str, Any]) -> str:
    metadata = params.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return str(metadata["event_payload"]["key"])


@pytest.fixture
def slack() -> Iterator[LimitedSlack]:
    fake = LimitedSlack()
    fake.start()
    yield fake
    fake.stop()


def _settings(slack: FakeSlack) -> Settings:
    return Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr("secret"),
        slack_api_url=slack.url + "/api/",
        _env_file=None,
    )


def _board(db: Database, now: datetime, *, owners: int, each: int) -> int:
    """`owners` people linked on Slack, each owning `each` actions whose review is due."""
    review = now.date() + timedelta(days=4)
    actions = owners * each
    with db.session() as session:
        session.execute(insert(Board), [{"id": 1, "name": "Board", "created_at": now}])
        session.execute(
            insert(Person),
            [
                {"id": i, "name": f"Owner {i}", "name_key": f"owner {i}", "created_at": now}
                for i in range(1, owners + 1)
            ],
        )
        session.execute(
            insert(ChatIdentity),
            [
                {"person_id": i, "platform": "slack", "external_id": f"U{i:05d}"}
                for i in range(1, owners + 1)
            ],
        )
        session.execute(
            insert(Action),
            [
                {
                    "id": i,
                    "board_id": 1,
                    "ref": str(i),
                    "title": f"Action {i}",
                    "review_date": review,
                    "rag": "amber",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, actions + 1)
            ],
        )
        session.execute(
            insert(ActionOwner),
            [{"action_id": i, "person_id": (i - 1) % owners + 1} for i in range(1, actions + 1)],
        )
    return actions


def _sent_keys(db: Database) -> dict[str, str]:
    with db.session(commit=False) as session:
        rows = session.exec(select(Notification.key, Notification.status)).all()
    return dict(rows)


def test_paced_messages_to_each_conversation_land_at_least_a_second_apart(
    db: Database, clock: ManualClock, slack: LimitedSlack
) -> None:
    due = _board(db, clock.now(), owners=3, each=3)
    notifier = PacedNotifier(SlackNotifier(make_client(_settings(slack))))
    dispatcher = Dispatcher(db=db, clock=clock, notifier=notifier, send_workers=4)

    result = dispatcher.send_due_reminders()

    assert (result.sent, result.failed) == (due, 0)
    assert slack.limited == 0  # paced under the limit: Slack never had to say no
    by_conversation: dict[str, list[float]] = {}
    for conversation, at, _ in slack.accepted:
        by_conversation.setdefault(conversation, []).append(at)
    assert len(by_conversation) == 3
    for times in by_conversation.values():
        gaps = [later - earlier for earlier, later in pairwise(times)]
        assert len(times) == 3
        assert min(gaps) >= LIMIT
    keys = Counter(key for _, _, key in slack.accepted)
    assert set(keys.values()) == {1}
    assert set(_sent_keys(db).values()) == {"sent"}
    assert set(keys) == set(_sent_keys(db))


def test_unpaced_bursts_are_limited_yet_everyone_gets_each_message_once(
    db: Database, clock: ManualClock, slack: LimitedSlack
) -> None:
    due = _board(db, clock.now(), owners=2, each=4)
    notifier = SlackNotifier(make_client(_settings(slack)))  # retries a 429 twice, no more
    dispatcher = Dispatcher(db=db, clock=clock, notifier=notifier, send_workers=4)

    result = dispatcher.send_due_reminders()
    sweeps = 1
    while result.failed and sweeps < 6:  # a claim left by a failed send is taken over later
        clock.advance(timedelta(minutes=11))
        result = dispatcher.send_due_reminders()
        sweeps += 1

    assert slack.limited > 0  # four senders on two conversations: Slack said no, often
    keys = Counter(key for _, _, key in slack.accepted)
    assert len(keys) == due  # nothing lost
    assert set(keys.values()) == {1}  # nothing doubled
    statuses = _sent_keys(db)
    assert set(statuses.values()) == {"sent"}
    assert set(statuses) == set(keys)
