"""The durable inbox as a use case: a platform's requests stored before they are acknowledged,
then applied once by a worker, in order per person.

An adapter stores what it has verified (`store`, one short transaction) and gets back a
`Delivery`, or None for a delivery it already has; it hands the worker the function that
applies one (`worker`). A database that is locked or away is `Busy`, never SQLAlchemy's error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from handlers.application.errors import busy_as_busy
from schedules.inbox import Apply, Attempt, GiveUp, InboxWorker, Outcome
from storage import inbox
from storage.db import Database
from storage.inbox import Delivery

__all__ = ["Apply", "Attempt", "Delivery", "GiveUp", "Inbox", "InboxWorker", "Outcome"]


def _now() -> datetime:
    """Leases run on the wall clock, whatever clock the plan runs on."""
    return datetime.now(UTC)


class Inbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def store(
        self,
        *,
        platform: str,
        delivery_key: str,
        partition: str,
        body: str,
        content_type: str,
        holder: str,
        lease: timedelta,
    ) -> Delivery | None:
        """Committed (and leased to `holder`) before this returns; None for a repeat delivery."""
        with busy_as_busy(), self.db.session() as session:
            return inbox.store(
                session,
                platform=platform,
                delivery_key=delivery_key,
                partition=partition,
                body=body,
                content_type=content_type,
                holder=holder,
                now=_now(),
                lease=lease,
            )

    def claim_lapsed(
        self, *, platform: str, holder: str, lease: timedelta, limit: int = 200
    ) -> list[Delivery]:
        """Unfinished entries nobody holds (or whose holder died), oldest first, now ours."""
        with busy_as_busy(), self.db.session() as session:
            return inbox.claim_lapsed(
                session, holder=holder, now=_now(), lease=lease, platform=platform, limit=limit
            )

    def release(self, *, holder: str, ids: Sequence[int] | None = None) -> int:
        """Hand entries back so the next process takes them at once; how many went back."""
        with busy_as_busy(), self.db.session() as session:
            return inbox.release(session, holder=holder, ids=ids)

    def unfinished(self, *, platform: str | None = None) -> int:
        with busy_as_busy(), self.db.session(commit=False) as session:
            return inbox.unfinished_count(session, platform=platform)

    def worker(
        self,
        *,
        platform: str,
        apply: Apply,
        give_up: GiveUp,
        holder: str,
        lanes: int,
        lease_seconds: float,
    ) -> InboxWorker:
        """The worker that applies this platform's stored requests (not yet started)."""
        return InboxWorker(
            self.db,
            platform=platform,
            apply=apply,
            give_up=give_up,
            holder=holder,
            lanes=lanes,
            lease_seconds=lease_seconds,
        )
