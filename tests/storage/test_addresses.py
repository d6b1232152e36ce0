"""Saved chat addresses: one per (platform, account), replaced when saved again, even at once.

Against the test database (a SQLite file, or PostgreSQL when ACTIONBOT_TEST_POSTGRES_URL is
set), so the race is the real one each database runs: SQLite makes the second writer wait
for the lock; PostgreSQL makes the second insert wait on the unique key, then fail, then
update. Nothing waits on the clock.
"""

from __future__ import annotations

import json
from datetime import timedelta
from threading import Thread

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.clock import ManualClock
from handlers.application.addresses import MAX_ADDRESS_BYTES, Addresses
from handlers.application.errors import Invalid
from storage.addresses import address_of, addresses_of, remember_address
from storage.db import Database
from storage.models import ChatAddress
from tests.storage.plan_support import all_at_once
from tests.waiting import wait_until

TEAMS = "teams"
ANN = "29:1ann-bot-framework-id"
BOB = "29:1bob-bot-framework-id"


def _reference(conversation: str, service: str = "https://smba.trafficmanager.net/uk/") -> str:
    """What the Teams adapter keeps: a conversation reference, as JSON."""
    return json.dumps(
        {
            "serviceUrl": service,
            "channelId": "msteams",
            "conversation": {"id": conversation, "tenantId": "tenant-1"},
            "bot": {"id": "28:bot"},
        }
    )


def _rows(db: Database) -> list[ChatAddress]:
    with db.session(commit=False) as session:
        return list(session.exec(select(ChatAddress)).all())


def test_an_address_is_saved_then_replaced(db: Database, clock: ManualClock) -> None:
    first, second = _reference("a:1"), _reference("a:2", service="https://smba.example/emea/")
    with db.session() as session:
        remember_address(session, platform=TEAMS, account_id=ANN, address=first, now=clock.now())
    clock.advance(timedelta(hours=1))
    later = clock.now()
    with db.session() as session:
        remember_address(session, platform=TEAMS, account_id=ANN, address=second, now=later)

    [row] = _rows(db)
    assert (row.platform, row.account_id, row.address) == (TEAMS, ANN, second)
    assert row.updated_at == later
    assert row.updated_at.tzinfo is not None
    with db.session(commit=False) as session:
        assert address_of(session, TEAMS, ANN) == second
        assert address_of(session, TEAMS, BOB) is None


def test_saved_twice_in_one_unit_of_work_is_one_row(db: Database, clock: ManualClock) -> None:
    with db.session() as session:
        remember_address(session, platform=TEAMS, account_id=ANN, address="1", now=clock.now())
        remember_address(session, platform=TEAMS, account_id=ANN, address="2", now=clock.now())
        assert address_of(session, TEAMS, ANN) == "2"
    assert [row.address for row in _rows(db)] == ["2"]


def test_the_same_account_id_on_two_platforms_is_two_addresses(
    db: Database, clock: ManualClock
) -> None:
    with db.session() as session:
        remember_address(session, platform=TEAMS, account_id=ANN, address="t", now=clock.now())
        remember_address(session, platform="other", account_id=ANN, address="o", now=clock.now())

    with db.session(commit=False) as session:
        assert address_of(session, TEAMS, ANN) == "t"
        assert address_of(session, "other", ANN) == "o"
        assert addresses_of(session, "other", [ANN, BOB]) == {ANN: "o"}
    assert len(_rows(db)) == 2


def test_many_at_once_gives_only_those_with_an_address(db: Database, clock: ManualClock) -> None:
    saved = {f"29:person-{i}": _reference(f"a:{i}") for i in range(1200)}  # several IN lists
    with db.session() as session:
        for account_id, address in saved.items():
            remember_address(
                session, platform=TEAMS, account_id=account_id, address=address, now=clock.now()
            )

    asked = [*saved, "29:never-spoke", "29:person-3"]  # unknown and repeated ids too
    with db.session(commit=False) as session:
        assert addresses_of(session, TEAMS, asked) == saved
        assert addresses_of(session, TEAMS, []) == {}
        assert addresses_of(session, "slack", saved) == {}


def test_two_saving_at_once_leave_one_row_and_the_last_one_wins(
    db: Database, clock: ManualClock
) -> None:
    """The first save holds its transaction open; the second starts and must wait for it (on
    PostgreSQL, we see it waiting on the unique key), then replaces it when it commits."""
    addresses = Addresses(db, clock)
    failures: list[BaseException] = []

    def second() -> None:
        try:
            addresses.remember(TEAMS, ANN, "second")
        except BaseException as error:
            failures.append(error)

    with db.session() as session:
        remember_address(session, platform=TEAMS, account_id=ANN, address="first", now=clock.now())
        racer = Thread(target=second)
        racer.start()
        if db.engine.dialect.name == "postgresql":
            wait_until(lambda: _waiting_on_a_lock(db), message="the second save waiting")
    racer.join()

    assert failures == []
    assert [(row.account_id, row.address) for row in _rows(db)] == [(ANN, "second")]


def test_many_saving_the_same_account_at_once_leave_one_row(
    db: Database, clock: ManualClock
) -> None:
    addresses = Addresses(db, clock)
    values = [f"reference {i}" for i in range(8)]

    all_at_once([lambda value=value: addresses.remember(TEAMS, ANN, value) for value in values])

    [row] = _rows(db)
    assert row.address in values
    assert addresses.find(TEAMS, ANN) == row.address


def test_through_the_application(db: Database, clock: ManualClock) -> None:
    addresses = Addresses(db, clock)
    addresses.remember(TEAMS, ANN, _reference("a:ann"))
    addresses.remember(TEAMS, BOB, _reference("a:bob"))
    addresses.remember(TEAMS, BOB, _reference("a:bob-again"))

    assert addresses.find(TEAMS, ANN) == _reference("a:ann")
    assert addresses.find(TEAMS, "29:nobody") is None
    assert addresses.find(TEAMS, "") is None
    assert addresses.find_many(TEAMS, [ANN, BOB, "29:nobody", ""]) == {
        ANN: _reference("a:ann"),
        BOB: _reference("a:bob-again"),
    }
    assert addresses.find_many(TEAMS, []) == {}


@pytest.mark.parametrize(
    ("account_id", "address", "said"),
    [
        ("", "{}", "account id"),
        ("   ", "{}", "account id"),
        ("x" * 201, "{}", "at most 200 characters"),
        (ANN, "", "is empty"),
        (ANN, "x" * (MAX_ADDRESS_BYTES + 1), f"at most {MAX_ADDRESS_BYTES}"),
        (ANN, "é" * (MAX_ADDRESS_BYTES // 2 + 1), "bytes"),  # counted in bytes, not characters
    ],
)
def test_a_bad_address_is_refused_and_nothing_is_saved(
    db: Database, clock: ManualClock, account_id: str, address: str, said: str
) -> None:
    with pytest.raises(Invalid) as refused:
        Addresses(db, clock).remember(TEAMS, account_id, address)

    assert said in refused.value.message
    assert _rows(db) == []


def test_an_address_of_exactly_the_limit_is_kept(db: Database, clock: ManualClock) -> None:
    address = "x" * MAX_ADDRESS_BYTES
    Addresses(db, clock).remember(TEAMS, ANN, address)
    assert Addresses(db, clock).find(TEAMS, ANN) == address


def _waiting_on_a_lock(db: Database) -> bool:
    """Is another connection to this database waiting for a lock (the unique key's)?"""
    with db.engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return bool(waiting)
