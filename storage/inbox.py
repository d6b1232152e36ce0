"""The durable inbox: requests stored before they are acknowledged, applied once after.

Leases say which process is applying an entry. A process that stops cleanly hands its
entries back (lease cleared); one that dies stops renewing, and its entries are taken over
when the lease lapses. Applying is idempotent in the core (event ids), so a takeover that
overlaps a slow process answers again but never changes the plan twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from storage.models import InboxEntry

APPLIED = "applied"
FAILED = "failed"
REFUSED = "refused"
ERROR_LENGTH = 500
RENEW_CHUNK = 500


@dataclass(frozen=True)
class Delivery:
    """One stored request, as the worker needs it: no ORM object crosses threads."""

    id: int
    platform: str
    partition: str
    body: str
    content_type: str
    attempts: int


def store(
    session: Session,
    *,
    platform: str,
    delivery_key: str,
    partition: str,
    body: str,
    content_type: str,
    holder: str,
    now: datetime,
    lease: timedelta,
) -> Delivery | None:
    """Insert and lease to this process; None when the same delivery is already stored."""
    row = InboxEntry(
        platform=platform,
        delivery_key=delivery_key,
        partition=partition,
        body=body,
        content_type=content_type,
        received_at=now,
        lease_holder=holder,
        lease_until=now + lease,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return _delivery(row)


def claim_lapsed(
    session: Session,
    *,
    holder: str,
    now: datetime,
    lease: timedelta,
    platform: str,
    limit: int = 200,
) -> list[Delivery]:
    """Unfinished entries nobody holds (or whose holder died), oldest first, leased to us."""
    free = or_(col(InboxEntry.lease_until).is_(None), col(InboxEntry.lease_until) < now)
    candidates = session.exec(
        select(InboxEntry.id)
        .where(col(InboxEntry.done_at).is_(None), InboxEntry.platform == platform, free)
        .order_by(col(InboxEntry.id))
        .limit(limit)
    ).all()
    claimed: list[Delivery] = []
    for entry_id in candidates:
        taken = session.execute(
            update(InboxEntry)
            .where(col(InboxEntry.id) == entry_id, col(InboxEntry.done_at).is_(None), free)
            .values(lease_holder=holder, lease_until=now + lease)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            row = session.get(InboxEntry, entry_id)
            assert row is not None
            session.refresh(row)
            claimed.append(_delivery(row))
    return claimed


def renew(
    session: Session, *, holder: str, ids: Sequence[int], now: datetime, lease: timedelta
) -> None:
    """Extend the leases of the entries this process really has in hand, and only those.

    A holder id can outlive its process (it names host:port), so renewing "everything under
    my name" would keep a dead run's leftovers leased forever.
    """
    for start in range(0, len(ids), RENEW_CHUNK):
        chunk = list(ids[start : start + RENEW_CHUNK])
        session.execute(
            update(InboxEntry)
            .where(
                col(InboxEntry.id).in_(chunk),
                col(InboxEntry.lease_holder) == holder,
                col(InboxEntry.done_at).is_(None),
            )
            .values(lease_until=now + lease)
        )


def release(session: Session, *, holder: str, ids: Sequence[int] | None = None) -> int:
    """Hand entries back so the next process takes them at once (a clean stop)."""
    statement = update(InboxEntry).where(
        col(InboxEntry.lease_holder) == holder, col(InboxEntry.done_at).is_(None)
    )
    if ids is not None:
        statement = statement.where(col(InboxEntry.id).in_(list(ids)))
    result = session.execute(statement.values(lease_holder=None, lease_until=None))
    return int(result.rowcount)  # type: ignore[attr-defined]


def finish(session: Session, entry_id: int, *, outcome: str, now: datetime) -> None:
    session.execute(
        update(InboxEntry)
        .where(col(InboxEntry.id) == entry_id)
        .values(done_at=now, outcome=outcome, lease_holder=None, lease_until=None)
    )


def record_attempt(session: Session, entry_id: int, *, error: str) -> None:
    session.execute(
        update(InboxEntry)
        .where(col(InboxEntry.id) == entry_id)
        .values(attempts=InboxEntry.attempts + 1, last_error=error[:ERROR_LENGTH])
    )


def unfinished_count(session: Session, *, platform: str | None = None) -> int:
    statement = select(InboxEntry.id).where(col(InboxEntry.done_at).is_(None))
    if platform is not None:
        statement = statement.where(InboxEntry.platform == platform)
    return len(session.exec(statement).all())


def forget_done_before(session: Session, moment: datetime) -> None:
    """Finished entries are kept a while (duplicate deliveries arrive within minutes)."""
    session.exec(
        delete(InboxEntry).where(
            col(InboxEntry.done_at).is_not(None), col(InboxEntry.done_at) < moment
        )
    )


def _delivery(row: InboxEntry) -> Delivery:
    assert row.id is not None
    return Delivery(
        id=row.id,
        platform=row.platform,
        partition=row.partition,
        body=row.body,
        content_type=row.content_type,
        attempts=row.attempts,
    )
