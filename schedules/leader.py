"""Leader election: of several `actionbot serve` processes, only the lease holder schedules.

Every process renews (or tries to take) the "scheduler" lease every `renew_every` seconds. The
holder runs a scheduler built fresh for it (its own in-memory job store: job stores are never
shared); the rest only serve requests. A leader that dies stops renewing; its lease lapses after
`ttl` and the next process to try takes over. Sends are also claimed under unique keys, so even
a leader that stalls past its lease and briefly overlaps a successor never sends anything twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from bot.clock import Clock
from schedules.dispatch import Dispatcher
from schedules.scheduler import build_scheduler
from storage import lease
from storage.db import Database

log = logging.getLogger(__name__)

SCHEDULER_LEASE = "scheduler"
RENEW_EVERY = 10.0
TTL = 30.0
JOIN_TIMEOUT = 15.0


class _SchedulerSettings(Protocol):
    @property
    def scheduler_interval_seconds(self) -> int: ...


class Services(Protocol):
    """What the election needs of the composition root's services (schedules sits below it)."""

    @property
    def settings(self) -> _SchedulerSettings: ...

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...


class Scheduler(Protocol):
    """What the election needs of a scheduler: APScheduler's BackgroundScheduler fits."""

    def start(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


def holder_id() -> str:
    """hostname:pid:random, so two processes (even with equal pids on two hosts) never match."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class LeaderElection(threading.Thread):
    """A thread that holds the lease while it can, and runs the scheduler only while it does."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        make_scheduler: Callable[[], Scheduler],
        name: str = SCHEDULER_LEASE,
        holder: str | None = None,
        renew_every: float = RENEW_EVERY,
        ttl: float = TTL,
        stop: threading.Event | None = None,
    ) -> None:
        if ttl <= renew_every:
            raise ValueError("the lease must outlive the renewal interval, or leaders flap")
        super().__init__(name=f"leader-{name}", daemon=True)
        self.db = db
        self.clock = clock
        self.make_scheduler = make_scheduler
        self.lease_name = name
        self.holder = holder or holder_id()
        self.renew_every = renew_every
        self.ttl = timedelta(seconds=ttl)
        self.stopping = stop or threading.Event()
        self.scheduler: Scheduler | None = None
        self._wait_for_jobs = True

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    def run(self) -> None:
        """Renew on real time (Event.wait); lease times come from the Clock, so tests move them."""
        try:
            while not self.stopping.is_set():
                self.renew_once()
                self.stopping.wait(self.renew_every)
        finally:
            self.resign()

    def renew_once(self) -> bool:
        """One round: take or renew the lease, then start or stop the scheduler to match."""
        leading = self._hold_lease()
        if leading and self.scheduler is None:
            self._lead()
        elif not leading and self.scheduler is not None:
            log.warning(
                "%s lost the %s lease; stopping the scheduler", self.holder, self.lease_name
            )
            self._stop_scheduler(wait=False)
        return leading

    def _hold_lease(self) -> bool:
        """A database we can't reach counts as lost: better no sweep than two."""
        try:
            with self.db.session() as session:
                return lease.try_acquire(
                    session,
                    name=self.lease_name,
                    holder=self.holder,
                    now=self.clock.now(),
                    ttl=self.ttl,
                )
        except Exception:
            log.exception("%s could not renew the %s lease", self.holder, self.lease_name)
            return False

    def _lead(self) -> None:
        """A fresh scheduler each time we lead: nothing carries over from a previous term."""
        try:
            scheduler = self.make_scheduler()
            scheduler.start()
        except Exception:
            log.exception("%s holds the lease but could not start the scheduler", self.holder)
            return
        self.scheduler = scheduler
        log.info("%s leads: the scheduler runs here", self.holder)

    def _stop_scheduler(self, *, wait: bool) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is None:
            return
        try:
            scheduler.shutdown(wait=wait)
        except Exception:
            log.exception("%s: the scheduler did not shut down cleanly", self.holder)

    def resign(self) -> None:
        """Stop the scheduler first, then free the lease, so a successor never overlaps us."""
        if self.scheduler is not None:
            log.info("%s steps down: stopping the scheduler and freeing the lease", self.holder)
        self._stop_scheduler(wait=self._wait_for_jobs)
        try:
            with self.db.session() as session:
                lease.release(session, name=self.lease_name, holder=self.holder)
        except Exception:
            log.exception("%s could not release the lease; it lapses on its own", self.holder)

    def stop(self, *, wait: bool = True, timeout: float = JOIN_TIMEOUT) -> None:
        """Stop and release; `wait` lets a sweep in progress finish, as APScheduler's does."""
        self._wait_for_jobs = wait
        self.stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def shutdown(self, wait: bool = True) -> None:
        """The same call a BackgroundScheduler takes, so callers can hold either."""
        self.stop(wait=wait)


def run_with_leadership(
    services: Services,
    dispatcher: Dispatcher,
    *,
    stop: threading.Event | None = None,
    renew_every: float = RENEW_EVERY,
    ttl: float = TTL,
) -> LeaderElection:
    """Start competing for the scheduler; the winner sweeps with `dispatcher`, others only serve.

    Setting `stop` (or calling .stop()/.shutdown()) ends it and releases the lease.
    """
    interval = services.settings.scheduler_interval_seconds
    election = LeaderElection(
        db=services.db,
        clock=services.clock,
        make_scheduler=lambda: build_scheduler(dispatcher, interval_seconds=interval),
        renew_every=renew_every,
        ttl=ttl,
        stop=stop,
    )
    election.start()
    return election
