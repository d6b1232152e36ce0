"""The send log. A reminder or digest is claimed under a unique key before it goes out.

Each delivery has its own key, the message's and the platform's (`delivery_key`), so a
message for someone on Slack and Teams is claimed, sent and marked once on each. What could
go nowhere is recorded once under the message's own key: SKIPPED (too late to help) or
UNREACHABLE (no account where the bot sends; not settled, so it goes once they are linked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.bulk import table_of
from storage.models import Notification

CLAIMED = "claimed"
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
UNREACHABLE = "unreachable"


def delivery_key(key: str, platform: str) -> str:
    """The claim key of one message on one platform: "reminder:12:34:2026-12-01:7@slack"."""
    return f"{key}@{platform}"


@dataclass(frozen=True)
class Claim:
    key: str
    kind: str
    board_id: int
    due_at: datetime
    action_id: int | None = None
    person_id: int | None = None


def try_claim(
    session: Session, claim: Claim, *, now: datetime, stale_after: timedelta
) -> Notification | None:
    """Insert the claim. None when it is taken: sent, skipped, or still being sent elsewhere.

    A claim left unfinished for `stale_after` (its sender died mid-send) is taken over, so
    nothing is lost; the row lock makes only one process win the takeover.
    """
    row = _row(claim, status=CLAIMED, attempts=1, now=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return _take_over(session, claim.key, now=now, stale_after=stale_after)
    return row


@dataclass(frozen=True)
class Won:
    """A claim this sender holds: `attempts` > 1 when it took over a dead sender's claim."""

    id: int
    key: str
    attempts: int


@dataclass(frozen=True)
class SentMark:
    """What `mark_sent_many` writes for one claim that went out."""

    notification_id: int
    platform: str
    channel: str | None
    message_ref: str | None


def try_claim_many(
    session: Session, claims: Sequence[Claim], *, now: datetime, stale_after: timedelta
) -> list[Won | None]:
    """`try_claim` for several claims in one statement (and one commit), in their order.

    New keys go in with one INSERT ... ON CONFLICT DO NOTHING; a key that was there already
    goes the way try_claim's does (taken over once stale, else None).
    """
    if not claims:
        return []
    table = table_of(Notification)
    insert = _insert_for(session).on_conflict_do_nothing(index_elements=["key"])
    statement = insert.returning(table.c.id, table.c.key)
    # Parameters as a list: one statement compiled once (and cached), sent as one INSERT.
    values = [_values(claim, now=now) for claim in claims]
    inserted = {key: row_id for row_id, key in session.connection().execute(statement, values)}
    won: list[Won | None] = []
    for claim in claims:
        if claim.key in inserted:  # popped: the same key twice in one batch is won once
            won.append(Won(inserted.pop(claim.key), claim.key, 1))
            continue
        row = _take_over(session, claim.key, now=now, stale_after=stale_after)
        won.append(Won(row.id, row.key, row.attempts) if row and row.id is not None else None)
    return won


def _insert_for(session: Session) -> sqlite.Insert | postgresql.Insert:
    """The dialect's own INSERT: both spell ON CONFLICT DO NOTHING the same way."""
    table = table_of(Notification)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _values(claim: Claim, *, now: datetime) -> dict[str, object]:
    return {
        "key": claim.key,
        "kind": claim.kind,
        "board_id": claim.board_id,
        "action_id": claim.action_id,
        "person_id": claim.person_id,
        "status": CLAIMED,
        "attempts": 1,
        "due_at": claim.due_at,
        "claimed_at": now,
        "detail": "",
    }


def _take_over(
    session: Session, key: str, *, now: datetime, stale_after: timedelta
) -> Notification | None:
    statement = select(Notification).where(Notification.key == key).with_for_update()
    existing = session.exec(statement).first()
    if existing is None or existing.status != CLAIMED:
        return None
    if existing.claimed_at > now - stale_after:
        return None
    existing.claimed_at = now
    existing.attempts += 1
    session.flush()
    return existing


def settled_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Keys already sent or skipped: a sweep leaves them alone without trying to claim them."""
    return {key for key, status in statuses(session, keys).items() if status in (SENT, SKIPPED)}


def statuses(session: Session, keys: Sequence[str]) -> dict[str, str]:
    """The status of each of these keys that has a row."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        statement = select(Notification.key, Notification.status).where(
            col(Notification.key).in_(chunk)
        )
        found.update(dict(session.exec(statement).all()))
    return found


def _row(
    claim: Claim, *, status: str, attempts: int, now: datetime, detail: str = ""
) -> Notification:
    return Notification(
        key=claim.key,
        kind=claim.kind,
        board_id=claim.board_id,
        action_id=claim.action_id,
        person_id=claim.person_id,
        status=status,
        attempts=attempts,
        due_at=claim.due_at,
        claimed_at=now,
        detail=detail,
    )


def record_once(session: Session, claim: Claim, *, status: str, detail: str, now: datetime) -> bool:
    """A message that went nowhere, written down once; False if it already was."""
    row = _row(claim, status=status, attempts=0, now=now, detail=detail)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def mark_sent(
    session: Session,
    notification_id: int,
    *,
    now: datetime,
    platform: str,
    channel: str | None,
    message_ref: str | None,
    detail: str | None = None,
) -> None:
    row = session.get(Notification, notification_id)
    assert row is not None
    row.status = SENT
    row.sent_at = now
    row.platform = platform
    row.channel = channel
    row.message_ref = message_ref
    if detail is not None:
        row.detail = detail


def mark_sent_many(session: Session, marks: Sequence[SentMark], *, now: datetime) -> None:
    """`mark_sent` for several claims in one executemany UPDATE (and one commit)."""
    if not marks:
        return
    rows = [
        {
            "id": mark.notification_id,
            "status": SENT,
            "sent_at": now,
            "platform": mark.platform,
            "channel": mark.channel,
            "message_ref": mark.message_ref,
        }
        for mark in marks
    ]
    session.execute(update(Notification), rows)


def mark_status(session: Session, notification_id: int, status: str, detail: str) -> None:
    row = session.get(Notification, notification_id)
    assert row is not None
    row.status = status
    row.detail = detail


def sent_in_thread(
    session: Session, *, platform: str, channel: str, message_ref: str
) -> Notification | None:
    """The reminder a threaded reply answers."""
    statement = select(Notification).where(
        Notification.platform == platform,
        Notification.channel == channel,
        Notification.message_ref == message_ref,
    )
    return session.exec(statement).first()


def last_sent(
    session: Session, *, board_id: int, kind: str, due_before: datetime | None = None
) -> Notification | None:
    """The latest sent (on any platform); `due_before` leaves out this week's own."""
    statement = (
        select(Notification)
        .where(Notification.board_id == board_id, Notification.kind == kind)
        .where(Notification.status == SENT)
        .order_by(col(Notification.due_at).desc())
    )
    if due_before is not None:
        statement = statement.where(col(Notification.due_at) < due_before)
    return session.exec(statement).first()


def by_key(session: Session, key: str) -> Notification | None:
    return session.exec(select(Notification).where(Notification.key == key)).first()
