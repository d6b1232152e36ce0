"""Claims: one sender per key, abandoned claims taken over once, finished ones never again."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from storage import notifications
from storage.boards import ensure_board
from storage.db import Database
from storage.notifications import Claim

STALE = timedelta(minutes=10)


def _claim(db: Database, clock: ManualClock) -> Claim:
    with db.session() as session:
        board = ensure_board(session, "Board", now=clock.now(), timezone="Europe/London")
        assert board.id is not None
        return Claim(
            key="digest:1:2026-11-23", kind="digest", board_id=board.id, due_at=clock.now()
        )


def test_a_key_is_claimed_once(db: Database, clock: ManualClock) -> None:
    claim = _claim(db, clock)
    with db.session() as session:
        assert notifications.try_claim(session, claim, now=clock.now(), stale_after=STALE)
    with db.session() as session:
        assert notifications.try_claim(session, claim, now=clock.now(), stale_after=STALE) is None


def test_an_abandoned_claim_is_taken_over_once_it_is_stale(
    db: Database, clock: ManualClock
) -> None:
    claim = _claim(db, clock)
    with db.session() as session:
        notifications.try_claim(session, claim, now=clock.now(), stale_after=STALE)
    clock.advance(timedelta(minutes=5))
    with db.session() as session:
        assert notifications.try_claim(session, claim, now=clock.now(), stale_after=STALE) is None
    clock.advance(timedelta(minutes=6))
    with db.session() as session:
        taken = notifications.try_claim(session, claim, now=clock.now(), stale_after=STALE)
        assert taken is not None
        assert taken.attempts == 2
    with db.session() as session:
        assert notifications.try_claim(session, claim, now=clock.now(), stale_after=STALE) is None


def test_a_sent_claim_is_never_taken_over(db: Database, clock: ManualClock) -> None:
    claim = _claim(db, clock)
    with db.session() as session:
        row = notifications.try_claim(session, claim, now=clock.now(), stale_after=STALE)
        assert row is not None
        assert row.id is not None
        notifications.mark_sent(
            session, row.id, now=clock.now(), platform="slack", channel="D1", message_ref="1.2"
        )
    clock.advance(timedelta(days=2))
    with db.session() as session:
        assert notifications.try_claim(session, claim, now=clock.now(), stale_after=STALE) is None
        found = notifications.sent_in_thread(
            session, platform="slack", channel="D1", message_ref="1.2"
        )
        assert found is not None
        assert found.key == claim.key
