"""Sweeps and digests as use cases: what is due sent once through a platform's notifier.

An adapter hands in its Notifier and gets a JobRunner (sweep now, a board's digest, a
scheduler that sweeps every minute), or `lead` for a server that competes with others for
the scheduler lease. `dry_run` sweeps for real inside one transaction that is thrown away.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy import Connection
from sqlmodel import Session

from bot.clock import Clock
from bot.config import Settings
from bot.domain.digest import Digest
from bot.domain.plan import PersonRef
from bot.ports import NotDeliverableError, Notifier, Sent
from handlers.application.errors import NotFound
from schedules.dispatch import Dispatcher, SweepResult
from schedules.leader import run_with_leadership
from schedules.pacing import PacedNotifier
from schedules.scheduler import build_scheduler
from storage.boards import board_by_name
from storage.db import Database
from storage.models import Board

__all__ = [
    "DispatcherFactory",
    "JobRunner",
    "Jobs",
    "PacedNotifier",
    "Scheduler",
    "SweepResult",
    "Sweeps",
    "sweep_totals",
]

Sweeps = dict[str, SweepResult]  # "reminders", "escalations", "digests" → counts


def sweep_totals(results: Sweeps, *, sent: str = "sent") -> str:
    """One line for a sweep, e.g. "reminders: 3 sent, 12 already sent; digests: 1 sent"."""
    parts = []
    for name, result in results.items():
        counts = [
            f"{result.sent} {sent}",
            f"{result.taken} already sent",
            f"{result.skipped} skipped",
            f"{result.unreachable} unreachable",
            f"{result.failed} failed",
        ]
        shown = [c for c in counts if not c.startswith("0 ")] or ["nothing due"]
        parts.append(f"{name}: {', '.join(shown)}")
    return "; ".join(parts)


class DispatcherFactory(Protocol):
    """The composition root's: a dispatcher sending on each platform given (a notifier each)."""

    def __call__(
        self, notifier: Notifier, *more: Notifier, in_order: bool = False
    ) -> Dispatcher: ...


class Scheduler(Protocol):
    """Something that sweeps in the background until shut down."""

    def start(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


class JobRunner:
    """Sweeps and digests through one notifier."""

    def __init__(self, jobs: Jobs, dispatcher: Dispatcher) -> None:
        self.jobs = jobs
        self.dispatcher = dispatcher

    def sweep(self) -> Sweeps:
        """Send what is due now: reminders, nudges, chair alerts and digests."""
        return self.dispatcher.run_once()

    def digest(self, board: str) -> Digest:
        """This week's digest for the board, as it would be posted now."""
        return self.dispatcher.digest_for(_board(self.jobs.db, board))

    def post_digest(self, board: str) -> Sent:
        """Posted at once and logged, outside the weekly schedule; NotDeliverableError if not."""
        return self.dispatcher.post_digest_now(_board(self.jobs.db, board))

    def scheduler(self) -> Scheduler:
        """Sweeps every SCHEDULER_INTERVAL_SECONDS once started (this process alone)."""
        interval = self.jobs.settings.scheduler_interval_seconds
        scheduler: Scheduler = build_scheduler(self.dispatcher, interval_seconds=interval)
        return scheduler


class Jobs:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        make_dispatcher: DispatcherFactory,
        delivery_platforms: tuple[str, ...] = ("console",),
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.make_dispatcher = make_dispatcher
        # The platforms this deployment sends on (the composition root knows which are set up).
        self.delivery_platforms = delivery_platforms

    def runner(self, notifier: Notifier, *more: Notifier, in_order: bool = False) -> JobRunner:
        """Sends on every platform given. `in_order`: one send at a time, for a terminal where
        order is what people read."""
        return JobRunner(self, self.make_dispatcher(notifier, *more, in_order=in_order))

    def digest(self, board: str) -> Digest:
        """The digest to read, not to send: who is out of reach is judged on the platforms this
        deployment sends on."""
        nowhere = [_Nowhere(platform) for platform in self.delivery_platforms]
        return self.runner(*nowhere).digest(board)

    def lead(self, notifier: Notifier, *more: Notifier) -> Scheduler | None:
        """Compete for the scheduler lease; the holder sweeps, sending on every platform
        given. None when scheduling is off."""
        if not self.settings.scheduler_enabled:
            return None
        return run_with_leadership(self, self.make_dispatcher(notifier, *more))

    def dry_run(self, notifier: Notifier) -> Sweeps:
        """What a sweep would send now, through `notifier`, leaving no trace in the database."""
        with _rollback_database(self.db) as db:
            # One connection holds the whole dry run, so sends can't overlap.
            dispatcher = Dispatcher(db=db, clock=self.clock, notifier=notifier, send_workers=1)
            return dispatcher.run_once()


def _board(db: Database, name: str) -> Board:
    with db.session(commit=False) as session:
        found = board_by_name(session, name)
    if found is None:
        raise NotFound(f"there's no board called “{name}”")
    return found


class _Nowhere:
    """A notifier for building what is only read: it sends nothing."""

    def __init__(self, platform: str) -> None:
        self.platform = platform

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        raise NotDeliverableError("nothing is sent from here")

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        raise NotDeliverableError("nothing is sent from here")


class _RollbackDatabase(Database):
    """Every unit of work joins one outer transaction, which is then thrown away."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.engine)
        self.connection = connection

    @contextmanager
    def session(self, *, commit: bool = True, write: bool | None = None) -> Iterator[Session]:
        with Session(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            try:
                yield session
                if commit:
                    session.commit()
                else:
                    session.rollback()
            except BaseException:
                session.rollback()
                raise


@contextmanager
def _rollback_database(db: Database) -> Iterator[Database]:
    """A database on which a whole sweep runs for real and then leaves no trace."""
    with db.engine.connect() as connection:
        outer = connection.begin()
        try:
            yield _RollbackDatabase(connection)
        finally:
            outer.rollback()
