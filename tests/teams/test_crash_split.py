"""SIGKILL in the middle of a batch with owners split between Slack and Teams: every owner is
reminded exactly once, on their own platform.

`actionbot remind` runs as its own process (tests/teams/bot_process.py: the real CLI, with
only Entra's token service replaced by the stand-in) against a Slack stand-in and the Teams
stand-ins, each of which records a message and then holds its answer, so a kill can land
after a platform has the message but before the bot marked it sent. Restarts take over the
unfinished claims and look first: Slack's history by message metadata, Teams' chat through
Graph by the send key each card carries.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.domain.workdays import WorkingCalendar
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.teams.cards import sent_key_of
from storage.db import Database
from storage.models import Action, Board, Notification, Person
from storage.people import link_chat_id
from tests.schedules.test_crash import CLAIM_STALE, SlowSlack, _kill_when, _wait_for_stale_claims
from tests.teams.conftest import APP_ID, TENANT
from tests.teams.standins import STAND_IN_SECRET, TeamsCloud

HOLD = 0.15


@pytest.fixture
def slack() -> Iterator[SlowSlack]:
    fake = SlowSlack()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def cloud() -> Iterator[TeamsCloud]:
    with TeamsCloud(app_id=APP_ID, tenant_id=TENANT) as stand_ins:
        stand_ins.connector.hold = HOLD
        yield stand_ins


def _prepare(db_url: str, cloud: TeamsCloud) -> dict[str, str]:
    """The Worcestershire plan, reviews due in 3 working days; every other person on Teams
    (installed), the rest on Slack. Returns person name → the platform they are on."""
    db = Database.connect(db_url)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/London")).date()
    load_sample_board(db, SAMPLE_BOARDS[1], now=now, today=today)
    review = WorkingCalendar().add_working_days(today, 3)
    where: dict[str, str] = {}
    with db.session() as session:
        for action in session.exec(select(Action)).all():
            action.review_date = review
        board = session.exec(select(Board)).one()
        board.digest_weekday = (today.weekday() + 3) % 7  # no digest in this test
        for person in session.exec(select(Person)).all():
            assert person.id is not None
            if person.id % 2:
                aad = f"a1a1a1a1-0000-4000-8000-{person.id:012d}"
                cloud.connector.add_person(f"29:p{person.id}", aad, person.name)
                cloud.connector.install(f"29:p{person.id}")
                link_chat_id(session, person, platform="teams", external_id=aad)
                where[person.name] = "teams"
            else:
                link_chat_id(session, person, platform="slack", external_id=f"U{person.id:05d}")
                where[person.name] = "slack"
    db.dispose()
    return where


def _start(db_url: str, slack: SlowSlack, cloud: TeamsCloud) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": "xoxb-crash-test",
        "SLACK_SIGNING_SECRET": "crash-test-secret",
        "SLACK_API_URL": slack.url + "/api/",
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": STAND_IN_SECRET,
        "TEAMS_TENANT_ID": TENANT,
        "TEAMS_SERVICE_URL": cloud.connector.service_url,
        "TEAMS_SERVICE_HOSTS": "127.0.0.1",
        "TEAMS_GRAPH_URL": cloud.graph.graph_url,
        "TEST_ENTRA_URL": cloud.entra.url,
        "CLAIM_STALE_SECONDS": str(int(CLAIM_STALE.total_seconds())),
        "SEND_WORKERS": "1",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("SLACK_APP_TOKEN", None)
    command = [sys.executable, "-m", "tests.teams.bot_process", "remind"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _teams_keys(cloud: TeamsCloud) -> list[str]:
    keys = []
    for message in cloud.connector.sent():
        for attachment in message["activity"].get("attachments") or []:
            key = sent_key_of(attachment["content"])
            if key:
                keys.append(key)
    return keys


def test_sigkill_mid_batch_with_owners_on_slack_and_teams_reminds_each_once(
    db_url: str, slack: SlowSlack, cloud: TeamsCloud
) -> None:
    where = _prepare(db_url, cloud)
    assert set(where.values()) == {"slack", "teams"}

    first = _start(db_url, slack, cloud)
    # Killed while a Teams send is held: the connector has it, the bot hasn't marked it.
    _kill_when(first, lambda: len(_teams_keys(cloud)) >= 2 and len(slack.posted_keys()) >= 2)
    killed_after = len(_teams_keys(cloud)) + len(slack.posted_keys())

    _wait_for_stale_claims(db_url)
    second = _start(db_url, slack, cloud)
    assert second.wait(timeout=120) == 0, second.stderr.read() if second.stderr else ""

    teams_sent, slack_sent = Counter(_teams_keys(cloud)), Counter(slack.posted_keys())
    assert killed_after < sum(teams_sent.values()) + sum(slack_sent.values())
    assert [k for k, n in (teams_sent + slack_sent).items() if n > 1] == []  # none twice
    db = Database.connect(db_url)
    with db.session(commit=False) as session:
        rows = session.exec(select(Notification)).all()
    db.dispose()
    assert {r.status for r in rows} <= {"sent", "skipped"}  # no claim left unfinished
    sent = {r.key: r.platform for r in rows if r.status == "sent"}
    assert set(teams_sent) == {k for k, p in sent.items() if p == "teams"}
    assert set(slack_sent) == {k for k, p in sent.items() if p == "slack"}
    assert any(r.attempts > 1 for r in rows)  # a claim really was taken over after a kill


def test_a_takeover_finds_the_teams_card_that_went_before_the_kill(
    db_url: str, slack: SlowSlack, cloud: TeamsCloud
) -> None:
    """The hard case, made certain: killed while the connector holds a card it has recorded."""
    _prepare(db_url, cloud)
    cloud.connector.hold = 2.0  # long enough to land the kill inside it
    first = _start(db_url, slack, cloud)
    _kill_when(first, lambda: len(_teams_keys(cloud)) >= 1)
    [held] = _teams_keys(cloud)
    cloud.connector.hold = 0.0
    _wait_for_stale_claims(db_url)
    second = _start(db_url, slack, cloud)
    assert second.wait(timeout=120) == 0, second.stderr.read() if second.stderr else ""
    assert Counter(_teams_keys(cloud))[held] == 1
    assert any("/chats/" in r.path for r in cloud.graph.requests)  # it looked before resending
