"""The scheduler lease: one holder at a time, taken over only once it lapses, freed on release."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.clock import ManualClock
from storage import lease
from storage.db import Database
from storage.models import SchedulerLease

TTL = timedelta(seconds=30)
NAME = "scheduler"


def _take(db: Database, clock: ManualClock, holder: str) -> bool:
    with db.session() as session:
        return lease.try_acquire(session, name=NAME, holder=holder, now=clock.now(), ttl=TTL)


def _holder(db: Database, clock: ManualClock) -> str | None:
    with db.session(commit=False) as session:
        return lease.current_holder(session, NAME, clock.now())


def _row(db: Database) -> SchedulerLease:
    with db.session(commit=False) as session:
        row = session.get(SchedulerLease, NAME)
        assert row is not None
        return row


def test_the_first_holder_wins_and_a_rival_waits_until_the_lease_lapses(
    db: Database, clock: ManualClock
) -> None:
    assert _take(db, clock, "a")
    assert not _take(db, clock, "b")
    clock.advance(TTL)  # expires exactly now: still held
    assert not _take(db, clock, "b")
    assert _holder(db, clock) == "a"
    clock.advance(timedelta(seconds=1))
    assert _holder(db, clock) is None
    assert _take(db, clock, "b")
    assert _holder(db, clock) == "b"
    assert not _take(db, clock, "a")
    assert _row(db).acquired_at == clock.now()


def test_the_holder_renewing_extends_the_lease_and_keeps_its_start(
    db: Database, clock: ManualClock
) -> None:
    started = clock.now()
    assert _take(db, clock, "a")
    for _ in range(3):
        clock.advance(TTL - timedelta(seconds=5))
        assert _take(db, clock, "a")
        assert not _take(db, clock, "b")
    row = _row(db)
    assert row.expires_at == clock.now() + TTL
    assert row.acquired_at == started
    assert row.holder == "a"


def test_a_holder_renews_even_a_lapsed_lease_nobody_took(db: Database, clock: ManualClock) -> None:
    assert _take(db, clock, "a")
    clock.advance(TTL * 2)
    assert _take(db, clock, "a")
    assert _holder(db, clock) == "a"


def test_release_frees_the_lease_at_once_but_only_for_its_holder(
    db: Database, clock: ManualClock
) -> None:
    assert _take(db, clock, "a")
    with db.session() as session:
        lease.release(session, name=NAME, holder="b")
    assert _holder(db, clock) == "a"
    with db.session() as session:
        lease.release(session, name=NAME, holder="a")
    assert _holder(db, clock) is None
    assert _take(db, clock, "b")


def test_leases_with_different_names_are_independent(db: Database, clock: ManualClock) -> None:
    assert _take(db, clock, "a")
    with db.session() as session:
        assert lease.try_acquire(session, name="other", holder="b", now=clock.now(), ttl=TTL)
    assert _holder(db, clock) == "a"


def test_of_many_racing_for_a_free_lease_exactly_one_wins(db: Database, clock: ManualClock) -> None:
    racers = 8
    barrier = threading.Barrier(racers, timeout=10)

    def race(holder: str) -> bool:
        barrier.wait()
        return _take(db, clock, holder)

    with ThreadPoolExecutor(max_workers=racers) as pool:
        wins = list(pool.map(race, [f"h{i}" for i in range(racers)], timeout=30))
    assert wins.count(True) == 1
    assert _holder(db, clock) == f"h{wins.index(True)}"
