"""The inbox worker: applies stored requests once, in order per partition, and survives stops.

Entries arrive two ways: straight from the edge that stored them (`submit`, no database read),
and from the recovery pass, which every few seconds renews this process's leases and takes
over entries that nobody holds — handed back by a clean stop, or left by a process that died.
Each partition (a person, in Slack) maps to one lane, a single thread, so one person's
messages are applied in the order they were received; a transient failure is retried in the
lane, which keeps that order. A clean stop finishes the entry in hand and hands the rest back.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from storage import inbox
from storage.db import Database
from storage.inbox import Delivery

log = logging.getLogger(__name__)

LANES = 4
LEASE_SECONDS = 30.0
RENEW_EVERY = 5.0
MAX_ATTEMPTS = 5
CLAIM_BATCH = 200
FIRST_RETRY_DELAY = 0.2
KEEP_DONE_FOR = timedelta(days=2)


class Outcome(Enum):
    APPLIED = "applied"
    RETRY = "retry"  # a transient failure: nothing was changed, try again
    FAILED = "failed"  # will not succeed by trying again
    REFUSED = "refused"  # the request itself is malformed: nothing to retry or to answer


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    error: str = ""
    answer: str = ""  # what goes back in the HTTP response, for requests answered there


# Applies one entry; `redelivered` says it may have been applied before (so answer again).
Apply = Callable[[Delivery, bool], Attempt]
# Told once when an entry is given up, so the person hears that nothing was changed.
GiveUp = Callable[[Delivery, str], None]


def _now() -> datetime:
    """Leases run on the wall clock, whatever clock the plan runs on."""
    return datetime.now(UTC)


@dataclass
class _Item:
    delivery: Delivery
    redelivered: bool


class InboxWorker:
    """Lanes of single threads plus a recovery thread; `stop()` hands back unfinished work."""

    def __init__(
        self,
        db: Database,
        *,
        platform: str,
        apply: Apply,
        give_up: GiveUp,
        holder: str,
        lanes: int = LANES,
        lease_seconds: float = LEASE_SECONDS,
        renew_every: float = RENEW_EVERY,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.db = db
        self.platform = platform
        self.apply = apply
        self.give_up = give_up
        self.holder = holder
        self.lease = timedelta(seconds=lease_seconds)
        self.renew_every = renew_every
        self.max_attempts = max_attempts
        self._queues: list[queue.Queue[_Item | None]] = [queue.Queue() for _ in range(lanes)]
        self._known: set[int] = set()
        self._busy = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- running -----------------------------------------------------------------------------

    def start(self) -> InboxWorker:
        """Takes over what an earlier run under this holder id left, then starts the lanes.

        The holder id names host:port, and no other live process can serve that: whatever is
        leased under it is a dead run's, so it is freed and taken at once.
        """
        with self.db.session() as session:
            inbox.release(session, holder=self.holder)
        self._recover()
        for number, lane in enumerate(self._queues):
            thread = threading.Thread(
                target=self._run_lane, args=(lane,), name=f"inbox-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        recovery = threading.Thread(target=self._run_recovery, name="inbox-recovery", daemon=True)
        recovery.start()
        self._threads.append(recovery)
        return self

    def submit(self, delivery: Delivery, *, redelivered: bool = False) -> None:
        """An entry this process just stored; applied as soon as its lane is free."""
        with self._busy:
            if delivery.id in self._known:
                return
            self._known.add(delivery.id)
        lane = zlib.crc32(delivery.partition.encode()) % len(self._queues)
        self._queues[lane].put(_Item(delivery, redelivered))

    def apply_now(self, delivery: Delivery) -> Attempt:
        """For requests whose answer goes back in the HTTP response (Slack's form submissions).

        A transient failure leaves the entry to the lanes, which retry it.
        """
        with self._busy:
            self._known.add(delivery.id)
        attempt = self._attempt(delivery, redelivered=False)
        with self._busy:
            self._known.discard(delivery.id)
            self._busy.notify_all()
        if attempt.outcome is Outcome.RETRY:
            self.submit(delivery, redelivered=True)
        else:
            self._settle(delivery, attempt)
        return attempt

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once everything submitted so far is finished (tests and benchmarks)."""
        with self._busy:
            return self._busy.wait_for(lambda: not self._known, timeout=timeout)

    def stop(self, timeout: float = 10.0) -> int:
        """Finish the entries in hand, hand the queued ones back; returns how many went back."""
        self._stopping.set()
        for lane in self._queues:
            lane.put(None)
        for thread in self._threads:
            thread.join(timeout=timeout)
        with self.db.session() as session:
            handed_back = inbox.release(session, holder=self.holder)
        with self._busy:
            self._known.clear()
            self._busy.notify_all()
        return handed_back

    # -- lanes -------------------------------------------------------------------------------

    def _run_lane(self, lane: queue.Queue[_Item | None]) -> None:
        while not self._stopping.is_set():
            item = lane.get()
            if item is None or self._stopping.is_set():
                return
            try:
                self._process(item)
            except Exception:
                # The entry stays unfinished and leased: the recovery pass retries it later.
                log.exception("inbox: entry %s could not be processed", item.delivery.id)
            finally:
                with self._busy:
                    self._known.discard(item.delivery.id)
                    self._busy.notify_all()

    def _process(self, item: _Item) -> None:
        delivery, redelivered = item.delivery, item.redelivered
        delay = FIRST_RETRY_DELAY
        for number in range(delivery.attempts, self.max_attempts):
            attempt = self._attempt(delivery, redelivered=redelivered)
            if attempt.outcome is not Outcome.RETRY:
                self._settle(delivery, attempt)
                return
            with self.db.session() as session:
                inbox.record_attempt(session, delivery.id, error=attempt.error)
            log.warning(
                "inbox: entry %s attempt %d failed, retrying: %s",
                delivery.id,
                number + 1,
                attempt.error,
            )
            redelivered = True
            if self._stopping.wait(delay):
                return  # handed back on stop; the next run tries again
            delay *= 2
        self._settle(delivery, Attempt(Outcome.FAILED, "gave up after repeated failures"))

    def _attempt(self, delivery: Delivery, *, redelivered: bool) -> Attempt:
        try:
            return self.apply(delivery, redelivered)
        except Exception as failure:
            log.exception("inbox: applying entry %s raised", delivery.id)
            return Attempt(Outcome.FAILED, type(failure).__name__)

    def _settle(self, delivery: Delivery, attempt: Attempt) -> None:
        if attempt.outcome is Outcome.REFUSED:
            log.warning("inbox: entry %s refused: %s", delivery.id, attempt.error)
        if attempt.outcome is Outcome.FAILED:
            error_id = uuid.uuid4().hex[:8]
            log.error("inbox: gave up on entry %s (error %s): %s", delivery.id, error_id, attempt)
            self.give_up(delivery, error_id)
        outcome = {Outcome.APPLIED: inbox.APPLIED, Outcome.REFUSED: inbox.REFUSED}.get(
            attempt.outcome, inbox.FAILED
        )
        with self.db.session() as session:
            inbox.finish(session, delivery.id, outcome=outcome, now=_now())

    # -- recovery ----------------------------------------------------------------------------

    def _run_recovery(self) -> None:
        while not self._stopping.wait(self.renew_every):
            try:
                self._recover()
            except Exception:
                log.exception("inbox: the recovery pass failed; trying again shortly")

    def _recover(self) -> None:
        """Renew what we hold; take over what nobody holds, in batches until none is left."""
        now = _now()
        with self._busy:
            held = sorted(self._known)
        with self.db.session() as session:
            inbox.renew(session, holder=self.holder, ids=held, now=now, lease=self.lease)
            inbox.forget_done_before(session, now - KEEP_DONE_FOR)
        taken = 0
        while not self._stopping.is_set():
            with self.db.session() as session:
                lapsed = inbox.claim_lapsed(
                    session,
                    holder=self.holder,
                    now=now,
                    lease=self.lease,
                    platform=self.platform,
                    limit=CLAIM_BATCH,
                )
            for delivery in lapsed:
                self.submit(delivery, redelivered=True)
            taken += len(lapsed)
            if len(lapsed) < CLAIM_BATCH:
                break
        if taken:
            log.info("inbox: taking over %d unfinished entries", taken)
