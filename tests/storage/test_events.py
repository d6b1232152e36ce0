"""Handled events: recorded with the change, or not at all; a redelivery is answered again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.domain.rag import Rag
from bot.domain.replies import UpdateRecorded
from handlers.application.conversation import IncomingMessage
from handlers.application.errors import Busy
from handlers.application.taps import Tap, TapHandlers
from storage import conversations
from storage.db import Database
from storage.models import InboundEvent
from tests.postgres_support import _libpq
from tests.storage.plan_support import (
    ActionSpec,
    build_plan,
    chat,
    console,
    history_rows,
    message,
)

ANN = "Ann Owner"


class _BoomError(Exception):
    pass


def _events(db: Database) -> list[str]:
    with db.session(commit=False) as session:
        return [e.event_id for e in session.exec(select(InboundEvent))]


def test_an_event_is_only_recorded_when_the_whole_unit_of_work_commits(
    db: Database, clock: ManualClock
) -> None:
    def claim_then_fail() -> None:
        with db.session() as session:
            seen = conversations.claim_event(
                session, platform="console", event_id="E-rolled-back", now=clock.now()
            )
            assert seen is None
            raise _BoomError  # the SAVEPOINT around the event must not commit it on its own

    with pytest.raises(_BoomError):
        claim_then_fail()

    assert _events(db) == []


def test_a_redelivered_message_gets_the_stored_replies_and_is_not_applied_twice(
    db: Database, clock: ManualClock
) -> None:
    ids = build_plan(db, clock, [ActionSpec("Ev", "3.1", owners=(ANN,))])
    handlers = chat(db, clock)
    text = "3.1 amber - waiting on the contractor"

    first = handlers.on_message(message(ANN, text, event_id="E1"))
    replay = handlers.on_message(IncomingMessage(console(ANN), text, "E1", redelivered=True))
    duplicate = handlers.on_message(message(ANN, text, event_id="E1"))

    assert isinstance(first[0], UpdateRecorded)
    assert replay == first
    assert duplicate == []
    assert len(history_rows(db, ids[("Ev", "3.1")])) == 1


def test_a_redelivered_press_gets_the_stored_replies_and_is_not_applied_twice(
    db: Database, clock: ManualClock
) -> None:
    ids = build_plan(db, clock, [ActionSpec("Ev", "3.1", owners=(ANN,))])
    taps = TapHandlers(db=db, clock=clock)
    action_id = ids[("Ev", "3.1")]

    first = taps.set_rag(Tap(console(ANN), "P1"), action_id, Rag.RED)
    replay = taps.set_rag(Tap(console(ANN), "P1", redelivered=True), action_id, Rag.RED)

    assert isinstance(first[0], UpdateRecorded)
    assert replay == first
    assert taps.set_rag(Tap(console(ANN), "P1"), action_id, Rag.RED) == []
    assert len(history_rows(db, action_id)) == 1


@contextmanager
def _locked(url: str, action_id: int) -> Iterator[None]:
    """Another connection holds the lock a change needs, for real, until the block ends."""
    if url.startswith("sqlite:///"):
        other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    with psycopg.connect(_libpq(url)) as pg:
        pg.execute("SELECT id FROM action WHERE id = %s FOR UPDATE", (action_id,))
        try:
            yield
        finally:
            pg.rollback()


def test_a_locked_database_is_raised_for_a_retry_and_leaves_the_event_unseen(
    db_url: str, db: Database, clock: ManualClock
) -> None:
    ids = build_plan(db, clock, [ActionSpec("Ev", "3.1", owners=(ANN,))])
    action_id = ids[("Ev", "3.1")]
    impatient = Database.connect(db_url, upgrade=False, lock_timeout=0.05)
    try:
        handlers, taps = chat(impatient, clock), TapHandlers(db=impatient, clock=clock)
        with _locked(db_url, action_id):
            with pytest.raises(Busy):
                handlers.on_message(message(ANN, "3.1 amber - a busy day", event_id="E2"))
            with pytest.raises(Busy):
                taps.set_rag(Tap(console(ANN), "P2"), action_id, Rag.RED)
        assert _events(db) == []
        assert history_rows(db, action_id) == []

        [retried] = handlers.on_message(message(ANN, "3.1 amber - a busy day", event_id="E2"))
        [pressed] = taps.set_rag(Tap(console(ANN), "P2"), action_id, Rag.RED)
    finally:
        impatient.dispose()
    assert isinstance(retried, UpdateRecorded)
    assert isinstance(pressed, UpdateRecorded)
    assert sorted(_events(db)) == ["E2", "P2"]
