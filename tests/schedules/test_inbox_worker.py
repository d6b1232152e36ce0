"""The inbox worker on a real database: takeover after a crash, retries, a clean stop."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from schedules.inbox import Attempt, InboxWorker, Outcome
from storage import inbox
from storage.db import Database
from storage.inbox import Delivery
from storage.models import InboxEntry

LEASE = timedelta(seconds=30)


def _store(db: Database, n: int, *, holder: str, lease: timedelta = LEASE, first: int = 0) -> None:
    now = datetime.now(UTC)
    with db.session() as session:
        for number in range(first, first + n):
            inbox.store(
                session,
                platform="test",
                delivery_key=f"k{number}",
                partition=f"person{number % 7}",
                body=str(number),
                content_type="text/plain",
                holder=holder,
                now=now,
                lease=lease,
            )


class Recorder:
    def __init__(self, failures: dict[str, list[Outcome]] | None = None) -> None:
        self.applied: list[tuple[str, bool]] = []
        self.given_up: list[str] = []
        self.failures = failures or {}
        self.lock = threading.Lock()

    def apply(self, delivery: Delivery, redelivered: bool) -> Attempt:
        with self.lock:
            planned = self.failures.get(delivery.body)
            if planned:
                return Attempt(planned.pop(0), "planned failure")
            self.applied.append((delivery.body, redelivered))
        return Attempt(Outcome.APPLIED)

    def give_up(self, delivery: Delivery, _error_id: str) -> None:
        with self.lock:
            self.given_up.append(delivery.body)


def _worker(db: Database, recorder: Recorder, holder: str) -> InboxWorker:
    return InboxWorker(
        db,
        platform="test",
        apply=recorder.apply,
        give_up=recorder.give_up,
        holder=holder,
        lanes=3,
        renew_every=0.05,
    )


def _wait_done(db: Database, expected: int, timeout: float = 20) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=timeout)
    while datetime.now(UTC) < deadline:
        with db.session(commit=False) as session:
            done = session.exec(
                select(InboxEntry.id).where(InboxEntry.done_at.is_not(None))  # type: ignore[union-attr]
            ).all()
        if len(done) >= expected:
            return
        threading.Event().wait(0.02)
    raise AssertionError(f"only {len(done)} of {expected} entries finished")


def test_a_restart_under_the_same_holder_takes_over_everything_its_dead_run_left(
    db: Database,
) -> None:
    """More than one claim batch, leased far ahead by the run that died."""
    _store(db, 450, holder="host:3000", lease=timedelta(hours=1))
    recorder = Recorder()

    worker = _worker(db, recorder, "host:3000").start()
    _wait_done(db, 450)
    worker.stop()

    bodies = [body for body, _ in recorder.applied]
    assert sorted(bodies, key=int) == [str(n) for n in range(450)]  # each once
    assert all(redelivered for _, redelivered in recorder.applied)


def test_another_process_takes_only_what_lapsed_and_keeps_each_persons_order(
    db: Database,
) -> None:
    _store(db, 20, holder="dead:1", lease=timedelta(seconds=-1))  # its holder stopped renewing
    _store(db, 5, holder="alive:2", first=100)  # still leased to a live process
    recorder = Recorder()

    worker = _worker(db, recorder, "host:3001").start()
    _wait_done(db, 20)
    worker.stop()

    bodies = [int(body) for body, _ in recorder.applied]
    assert sorted(bodies) == list(range(20))
    for person in range(7):
        mine = [b for b in bodies if b % 7 == person]
        assert mine == sorted(mine)  # in the order they were received
    with db.session(commit=False) as session:
        assert inbox.unfinished_count(session, platform="test") == 5


def test_a_transient_failure_is_retried_and_a_permanent_one_told_once(db: Database) -> None:
    _store(db, 3, holder="host:3002", lease=timedelta(seconds=-1))
    recorder = Recorder({"0": [Outcome.RETRY, Outcome.RETRY], "1": [Outcome.FAILED]})

    worker = _worker(db, recorder, "host:3002").start()
    _wait_done(db, 3)
    worker.stop()

    assert sorted(body for body, _ in recorder.applied) == ["0", "2"]
    assert recorder.given_up == ["1"]
    with db.session(commit=False) as session:
        rows = {r.body: r for r in session.exec(select(InboxEntry)).all()}
    assert (rows["0"].outcome, rows["0"].attempts) == ("applied", 2)
    assert rows["1"].outcome == "failed"


def test_a_clean_stop_hands_back_what_it_had_not_started(db: Database) -> None:
    started = threading.Event()
    release = threading.Event()

    class Slow(Recorder):
        def apply(self, delivery: Delivery, redelivered: bool) -> Attempt:
            started.set()
            release.wait(10)
            return super().apply(delivery, redelivered)

    recorder = Slow()
    worker = InboxWorker(
        db, platform="test", apply=recorder.apply, give_up=recorder.give_up, holder="h:1", lanes=1
    ).start()
    now = datetime.now(UTC)
    with db.session() as session:
        stored = [
            inbox.store(
                session,
                platform="test",
                delivery_key=f"s{n}",
                partition="one person",
                body=str(n),
                content_type="text/plain",
                holder="h:1",
                now=now,
                lease=LEASE,
            )
            for n in range(5)
        ]
    for delivery in stored:
        assert delivery is not None
        worker.submit(delivery)
    assert started.wait(10)

    stopper = threading.Thread(target=worker.stop)
    stopper.start()
    release.set()
    stopper.join(15)

    assert [body for body, _ in recorder.applied] == ["0"]  # the one in hand finished
    with db.session(commit=False) as session:
        rows = session.exec(select(InboxEntry).where(InboxEntry.done_at.is_(None))).all()  # type: ignore[union-attr]
    assert sorted(r.body for r in rows) == ["1", "2", "3", "4"]
    assert all(r.lease_holder is None and r.lease_until is None for r in rows)
