"""The real server on 127.0.0.1, a stand-in Slack, a SQLite file holding a real seed plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import col, select

from bot.app import Services, build_services
from bot.clock import ManualClock
from bot.config import Settings
from bot.sample import SAMPLE_BOARDS, load_sample_board
from handlers.slack.app import make_client
from handlers.slack.server import EVENTS_PATH, start_in_thread
from storage.db import Database
from storage.models import Action, ActionUpdate, Board, Person
from storage.people import link_chat_id
from tests.postgres_support import copy_database
from tests.slack.fake_slack import FakeSlack, SlackSender

SIGNING_SECRET = "test-secret"
WORCESTERSHIRE = SAMPLE_BOARDS[1]

# Real owners from the Worcestershire Service Improvement Plan, linked to made-up Slack ids.
VEL = "U0VELKENNY"  # owns 1.8, 2.2, 2.3 (red, "Social Work Practice Model") and 5.1
SALLY = "U0SCLEWES"  # owns only 4.5, "Children in Care Council" (red)
CHAIR = "U0NRICHARD"  # Nigel Richardson, the independent chair
LINKS = {"Vel Kenny": VEL, "Sally Clewes": SALLY, "Nigel Richardson": CHAIR}
SEEDED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # tests/conftest.py's clock


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    yield slack
    slack.stop()


@pytest.fixture
def settings(db_url: str, fake: FakeSlack) -> Settings:
    return Settings(
        database_url=db_url,
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fake.url + "/api/",
        scheduler_enabled=False,
        load_sample_plan=False,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated and loaded once; every test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("seed") / "worcestershire.db"
    db = Database.connect(f"sqlite:///{path}")
    load_sample_board(db, WORCESTERSHIRE, now=SEEDED_AT, today=SEEDED_AT.date())
    with db.session() as session:
        for name, user_id in LINKS.items():
            person = session.exec(select(Person).where(Person.name == name)).one()
            link_chat_id(session, person, platform="slack", external_id=user_id)
    db.dispose()
    return path


@pytest.fixture
def services(
    settings: Settings, clock: ManualClock, seeded_db: Path, db_url: str
) -> Iterator[Services]:
    assert clock.now() == SEEDED_AT, "the seed plan was moved to the shared clock's today"
    copy_database(seeded_db, db_url)
    built = build_services(settings, clock=clock)
    yield built
    built.db.dispose()


@dataclass
class RunningApp:
    """The server under test, Slack's signed requests to it, and a way to read the DB."""

    url: str
    slack: SlackSender
    services: Services
    _stop: Callable[[], None]
    _stopped: list[bool] = field(default_factory=list)

    def stop(self) -> None:
        """Waits for listeners still running, so a test can assert that nothing happened."""
        if not self._stopped:
            self._stopped.append(True)
            self._stop()

    def action(self, ref: str) -> Action:
        with self.services.db.session(commit=False) as session:
            return session.exec(select(Action).where(Action.ref == ref)).one()

    def updates(self, ref: str, *, source: str = "slack") -> list[ActionUpdate]:
        action_id = self.action(ref).id
        with self.services.db.session(commit=False) as session:
            statement = (
                select(ActionUpdate)
                .where(ActionUpdate.action_id == action_id, ActionUpdate.source == source)
                .order_by(col(ActionUpdate.id))
            )
            return list(session.exec(statement).all())

    def board(self) -> Board:
        with self.services.db.session(commit=False) as session:
            return session.exec(select(Board)).one()


@pytest.fixture
def app(services: Services, fake: FakeSlack) -> Iterator[RunningApp]:
    url, stop = start_in_thread(services, client=make_client(services.settings))
    sender = SlackSender(url + EVENTS_PATH, SIGNING_SECRET, response_base=fake.url)
    running = RunningApp(url, sender, services, stop)
    yield running
    running.stop()
