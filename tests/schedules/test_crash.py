"""SIGKILL in the middle of a batch of reminders and of a digest: everyone gets each once.

The bot runs for real (`actionbot remind`, a separate process) against a local Slack
stand-in that records each message and then holds its answer for a moment, so a kill can
land after Slack has a message but before the bot marked it sent: the hard case. Restarts
take over the unfinished claims, look for their message in Slack first, and finish.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.domain.workdays import WorkingCalendar
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from storage.db import Database
from storage.models import Action, Board, Notification, Person
from storage.people import link_chat_id
from tests.slack.fake_slack import FakeSlack
from tests.waiting import wait_until

BOARD_CHANNEL = "C0BOARD"
HOLD = 0.15  # seconds the stand-in keeps each message before answering
CLAIM_STALE = timedelta(seconds=1)  # CLAIM_STALE_SECONDS below


class SlowSlack(FakeSlack):
    def _answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        answer = super()._answer(path, params)
        if path.endswith("chat.postMessage"):
            time.sleep(HOLD)
        return answer

    def posted_keys(self) -> list[str]:
        """The claim key of every message Slack holds, one entry per message."""
        keys = []
        with self._changed:
            messages = [m for posted in self.history.values() for m in posted]
        for message in messages:
            metadata = message.get("metadata") or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            keys.append(str((metadata.get("event_payload") or {}).get("key")))
        return keys

    def channel_posts(self, channel: str) -> int:
        with self._changed:
            return len(self.history.get(channel, []))


@pytest.fixture
def slack() -> Iterator[SlowSlack]:
    fake = SlowSlack()
    fake.start()
    yield fake
    fake.stop()


def _prepare(db_url: str) -> None:
    """The Worcestershire plan, reviews due in 3 working days, digest due today, all linked."""
    db = Database.connect(db_url)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/London")).date()
    load_sample_board(db, SAMPLE_BOARDS[1], now=now, today=today)
    review = WorkingCalendar().add_working_days(today, 3)
    with db.session() as session:
        for action in session.exec(select(Action)).all():
            action.review_date = review
        board = session.exec(select(Board)).one()
        board.channel_id = BOARD_CHANNEL
        board.digest_weekday = today.weekday()
        board.digest_time = "00:00"
        for person in session.exec(select(Person)).all():
            link_chat_id(session, person, platform="slack", external_id=f"U{person.id:05d}")
    db.dispose()


def _start(db_url: str, slack: FakeSlack) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": "xoxb-crash-test",
        "SLACK_SIGNING_SECRET": "crash-test-secret",
        "SLACK_API_URL": slack.url + "/api/",
        "CLAIM_STALE_SECONDS": str(int(CLAIM_STALE.total_seconds())),
        "SEND_WORKERS": "1",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("SLACK_APP_TOKEN", None)
    command = [sys.executable, "-c", "from handlers.cli.main import main; main()", "remind"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _claims_stale(db_url: str) -> bool:
    """Every claim the killed process left unfinished is old enough for a restart to take over."""
    db = Database.connect(db_url)
    try:
        with db.session(commit=False) as session:
            statement = select(Notification.claimed_at).where(Notification.status == "claimed")
            claimed = list(session.exec(statement).all())
    finally:
        db.dispose()
    cutoff = datetime.now(UTC) - CLAIM_STALE - timedelta(milliseconds=100)
    return all(_utc(at) <= cutoff for at in claimed)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _wait_for_stale_claims(db_url: str) -> None:
    wait_until(lambda: _claims_stale(db_url), timeout=30, message="the dead process's claims")


def _kill_when(process: subprocess.Popen[bytes], ready: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the bot never reached the kill point"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=10)


def test_sigkill_mid_batch_and_mid_digest_loses_nothing_and_doubles_nothing(
    db_url: str, slack: SlowSlack
) -> None:
    _prepare(db_url)

    first = _start(db_url, slack)
    _kill_when(first, lambda: len(slack.posted_keys()) >= 12)  # mid-way through reminders
    killed_after = len(slack.posted_keys())

    _wait_for_stale_claims(db_url)  # the dead process's claims go stale
    second = _start(db_url, slack)
    _kill_when(second, lambda: slack.channel_posts(BOARD_CHANNEL) >= 1)  # during the digest

    _wait_for_stale_claims(db_url)
    third = _start(db_url, slack)
    assert third.wait(timeout=120) == 0, third.stderr.read() if third.stderr else ""

    posted = Counter(slack.posted_keys())
    assert killed_after < sum(posted.values())  # the later runs really had work left
    assert [key for key, n in posted.items() if n > 1] == []  # nobody got anything twice
    db = Database.connect(db_url)
    with db.session(commit=False) as session:
        rows = session.exec(select(Notification)).all()
    db.dispose()
    assert {r.status for r in rows} <= {"sent", "skipped"}  # no claim left unfinished
    sent = {r.key for r in rows if r.status == "sent"}
    assert set(posted) == sent  # and nobody is missing one
    assert slack.channel_posts(BOARD_CHANNEL) == 1
    assert any(r.attempts > 1 for r in rows)  # a claim really was taken over after a kill
