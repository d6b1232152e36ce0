"""Claims and marks committed in batches keep their meaning: one winner per key, stale claims
taken over once, and every sender told its own outcome only once it is committed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from schedules.delivery import GroupCommit
from storage import notifications
from storage.boards import ensure_board
from storage.db import Database
from storage.notifications import Claim, SentMark

STALE = timedelta(minutes=10)


def _claims(db: Database, clock: ManualClock, *keys: str) -> list[Claim]:
    with db.session() as session:
        board = ensure_board(session, "Board", now=clock.now(), timezone="Europe/London")
        assert board.id is not None
        return [Claim(key=k, kind="reminder", board_id=board.id, due_at=clock.now()) for k in keys]


def _claim_many(db: Database, clock: ManualClock, claims: list[Claim]) -> list[int | None]:
    """The attempts of each claim won (None: taken), in one transaction."""
    with db.session() as session:
        won = notifications.try_claim_many(session, claims, now=clock.now(), stale_after=STALE)
    return [w.attempts if w else None for w in won]


def test_a_batch_wins_new_keys_once_and_leaves_fresh_claims_to_their_sender(
    db: Database, clock: ManualClock
) -> None:
    a, b, c = _claims(db, clock, "a@slack", "b@slack", "c@slack")
    assert _claim_many(db, clock, [a]) == [1]

    assert _claim_many(db, clock, [a, b, b, c]) == [None, 1, None, 1]
    assert _claim_many(db, clock, [a, b, c]) == [None, None, None]


def test_a_batch_takes_over_a_stale_claim_but_never_a_sent_one(
    db: Database, clock: ManualClock
) -> None:
    stale, done = _claims(db, clock, "stale@slack", "done@slack")
    with db.session() as session:
        won = notifications.try_claim_many(
            session, [stale, done], now=clock.now(), stale_after=STALE
        )
        sent = won[1]
        assert sent is not None
        notifications.mark_sent_many(
            session, [SentMark(sent.id, "slack", "D1", "1.2")], now=clock.now()
        )
    clock.advance(timedelta(minutes=11))

    assert _claim_many(db, clock, [stale, done]) == [2, None]
    with db.session(commit=False) as session:
        row = notifications.by_key(session, "done@slack")
        assert row is not None
        assert (row.status, row.channel, row.message_ref) == ("sent", "D1", "1.2")
        assert row.sent_at is not None


def test_callers_arriving_while_a_batch_commits_go_together_in_the_next() -> None:
    batches: list[list[int]] = []
    first_running, release = threading.Event(), threading.Event()

    def run(items: list[int]) -> list[int]:
        batches.append(items)
        if len(batches) == 1:
            first_running.set()
            release.wait(5)
        return [item * 10 for item in items]

    group = GroupCommit(run)
    results: dict[int, int] = {}

    def call(item: int) -> None:
        results[item] = group(item)

    first = threading.Thread(target=call, args=(1,))
    first.start()
    assert first_running.wait(5)
    others = [threading.Thread(target=call, args=(n,)) for n in (2, 3, 4)]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 5
    while len(group._pending) < 3 and time.monotonic() < deadline:  # all three are queued
        time.sleep(0.01)
    release.set()
    for thread in [first, *others]:
        thread.join(5)

    assert batches[0] == [1]
    assert sorted(batches[1]) == [2, 3, 4]
    assert results == {1: 10, 2: 20, 3: 30, 4: 40}


def test_a_failed_batch_fails_its_caller_and_the_next_batch_still_runs() -> None:
    failures = [ConnectionError("database went away")]

    def run(items: list[int]) -> list[int]:
        if failures:
            raise failures.pop()
        return items

    group = GroupCommit(run)
    with pytest.raises(ConnectionError):
        group(1)
    assert group(2) == 2
