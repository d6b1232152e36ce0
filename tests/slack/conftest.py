"""The real server on 127.0.0.1, a stand-in Slack, a SQLite file holding a real seed plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import col, func, select

from bot.clock import ManualClock
from bot.config import Settings
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.slack.app import make_client
from handlers.slack.server import EVENTS_PATH, start_in_thread
from handlers.wiring import Services, build_services
from storage.db import Database
from storage.models import Action, ActionUpdate, Board, InboxEntry, Person
from storage.people import link_chat_id
from tests.postgres_support import copy_database
from tests.slack.fake_slack import FakeSlack, SlackSender
from tests.waiting import wait_until

SIGNING_SECRET = "test-secret"
WORCESTERSHIRE = SAMPLE_BOARDS[1]

# Real owners from the Worcestershire Service Improvement Plan, linked to made-up Slack ids.
VEL = "U0VELKENNY"  # owns 1.8, 2.2, 2.3 (red, "Social Work Practice Model") and 5.1
SALLY = "U0SCLEWES"  # owns only 4.5, "Children in Care Council" (red)
CHAIR = "U0NRICHARD"  # Nigel Richardson, the independent chair
LINKS = {"Vel Kenny": VEL, "Sally Clewes": SALLY, "Nigel Richardson": CHAIR}
SEEDED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # tests/conftest.py's clock
SETTLE_SECONDS = 30.0  # an entry retried to the end takes ~3 s; a loaded CI machine, more


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
        # Home redraws still coalesce, but a test reading the Home need not wait 2 s.
        home_refresh_delay_seconds=0.2,
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

    def unfinished(self) -> int:
        """Requests acknowledged (stored in the inbox) but not yet applied or given up."""
        with self.services.db.session(commit=False) as session:
            statement = select(func.count()).select_from(InboxEntry)
            return int(session.exec(statement.where(col(InboxEntry.done_at).is_(None))).one())

    def settle(self, timeout: float = SETTLE_SECONDS) -> None:
        """Wait until every request Slack has had a 200 for has been applied (or given up).

        The 200 goes back once a request is stored; the inbox worker applies it after. Every
        request a test sent has had its answer, so each is in the inbox by now.
        """
        wait_until(
            lambda: self.unfinished() == 0,
            timeout=timeout,
            message=lambda: f"the inbox to be worked through; {self.unfinished()} unfinished",
        )

    def stop(self) -> None:
        """Lets every acknowledged request be applied, then stops the server.

        So a test can assert on all the effects of what it sent, or that nothing happened: a
        clean stop hands back what the worker had not applied yet, and it would never be.
        """
        if not self._stopped:
            self._stopped.append(True)
            try:
                self.settle()
            finally:
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
    url, stop = start_in_thread(services.application, client=make_client(services.settings))
    sender = SlackSender(url + EVENTS_PATH, SIGNING_SECRET, response_base=fake.url)
    running = RunningApp(url, sender, services, stop)
    yield running
    running.stop()
