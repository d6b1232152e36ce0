"""The real server on 127.0.0.1 with Teams mounted at /api/messages, local stand-ins for
Microsoft's cloud (signing keys, Entra tokens, the Bot Connector, Graph), and a SQLite file
holding the real Worcestershire plan. Tokens are signed by the stand-in's key and checked by
the SDK's own validator: the real authentication path runs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import col, func, select

from bot.clock import ManualClock
from bot.config import Settings
from handlers.application.sample import load_sample_board
from handlers.hosting.server import RunningServer
from handlers.serve import start
from handlers.wiring import Services, build_services
from storage.db import Database
from storage.models import Action, ActionUpdate, InboxEntry, Person
from storage.people import link_chat_id
from tests.postgres_support import copy_database
from tests.slack.conftest import SEEDED_AT, WORCESTERSHIRE
from tests.teams.standins import STAND_IN_SECRET, TeamsCloud
from tests.waiting import wait_until

APP_ID = "00000000-0000-0000-0000-0000000a9b07"
TENANT = "11111111-2222-3333-4444-555555555555"
BOT = f"28:{APP_ID}"
SETTLE_SECONDS = 30.0


@dataclass(frozen=True)
class Member:
    """A real owner of the Worcestershire plan, with made-up Teams ids."""

    name: str
    aad: str
    teams_id: str
    email: str


VEL = Member("Vel Kenny", "a1a1a1a1-0000-4000-8000-000000000001", "29:vel", "vel@example.gov.uk")
SALLY = Member(
    "Sally Clewes", "a1a1a1a1-0000-4000-8000-000000000002", "29:sally", "sally@example.gov.uk"
)
CHAIR = Member(
    "Nigel Richardson", "a1a1a1a1-0000-4000-8000-000000000003", "29:nigel", "nigel@example.gov.uk"
)
MEMBERS = (VEL, SALLY, CHAIR)
BOARD_CHANNEL = "19:worcs-board@thread.tacv2"


@pytest.fixture
def cloud() -> Iterator[TeamsCloud]:
    with TeamsCloud(app_id=APP_ID, tenant_id=TENANT) as stand_ins:
        for member in MEMBERS:
            stand_ins.connector.add_person(
                member.teams_id, member.aad, member.name, member.email, member.email
            )
        yield stand_ins


def teams_settings(db_url: str, cloud: TeamsCloud, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "teams_app_id": APP_ID,
        "teams_app_password": SecretStr(STAND_IN_SECRET),
        "teams_tenant_id": TENANT,
        "teams_jwks_url": cloud.openid.jwks_url,
        "teams_service_url": cloud.connector.service_url,
        "teams_service_hosts": "127.0.0.1",
        "teams_graph_url": cloud.graph.graph_url,
        "scheduler_enabled": False,
        "load_sample_plan": False,
    }
    values.update(more)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(db_url: str, cloud: TeamsCloud) -> Settings:
    return teams_settings(db_url, cloud)


@pytest.fixture(scope="session")
def teams_seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated and loaded once, owners linked to Teams; every test gets its own copy."""
    path = tmp_path_factory.mktemp("teams-seed") / "worcestershire.db"
    db = Database.connect(f"sqlite:///{path}")
    load_sample_board(db, WORCESTERSHIRE, now=SEEDED_AT, today=SEEDED_AT.date())
    with db.session() as session:
        for member in MEMBERS:
            person = session.exec(select(Person).where(Person.name == member.name)).one()
            link_chat_id(session, person, platform="teams", external_id=member.aad)
    db.dispose()
    return path


@pytest.fixture
def services(
    settings: Settings, clock: ManualClock, teams_seeded_db: Path, db_url: str
) -> Iterator[Services]:
    copy_database(teams_seeded_db, db_url)
    built = build_services(settings, clock=clock)
    yield built
    built.db.dispose()


@dataclass
class TeamsApp:
    """The server under test, Teams' authenticated POSTs to it, and the database to read."""

    url: str
    cloud: TeamsCloud
    services: Services
    running: RunningServer
    _ids: Iterator[int] = field(default_factory=lambda: count(1))

    # -- what Teams sends ------------------------------------------------------------------

    def post(self, activity: dict[str, Any], *, token: str | None = "good") -> tuple[int, Any]:
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/json"}
        if token == "good":
            token = self.cloud.inbound_token()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.url + "/api/messages", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as refused:
            raw = refused.read()
            return refused.code, (json.loads(raw) if raw.startswith(b"{") else raw.decode())

    def personal(
        self, member: Member, text: str, *, activity_id: str | None = None
    ) -> dict[str, Any]:
        return self.activity_from(
            member,
            {"type": "message", "text": text},
            conversation={
                "id": self.personal_chat(member),
                "conversationType": "personal",
                "tenantId": TENANT,
            },
            activity_id=activity_id,
        )

    def in_channel(
        self, member: Member, text: str, *, thread: str = "1700000000001"
    ) -> dict[str, Any]:
        mention = "<at>actionbot</at>"
        return self.activity_from(
            member,
            {
                "type": "message",
                "text": f"{mention} {text}",
                "entities": [
                    {
                        "type": "mention",
                        "text": mention,
                        "mentioned": {"id": BOT, "name": "actionbot"},
                    }
                ],
                "channelData": {"tenant": {"id": TENANT}, "channel": {"id": BOARD_CHANNEL}},
            },
            conversation={
                "id": f"{BOARD_CHANNEL};messageid={thread}",
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": TENANT,
            },
        )

    def press(
        self, member: Member, verb: str, value: str, *, inputs: dict[str, Any] | None = None,
        card_id: str = "act-card",
    ) -> dict[str, Any]:  # fmt: skip
        data = {"action_id": verb, "value": value, **(inputs or {})}
        activity = self.personal(member, "")
        activity.update(
            type="invoke",
            name="adaptiveCard/action",
            replyToId=card_id,
            value={
                "action": {"type": "Action.Execute", "verb": verb, "data": data},
                "trigger": "manual",
            },
        )
        activity.pop("text", None)
        return activity

    def activity_from(
        self,
        member: Member,
        fields: dict[str, Any],
        *,
        conversation: dict[str, Any],
        activity_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "id": activity_id or f"activity-{next(self._ids)}",
            "channelId": "msteams",
            "serviceUrl": self.cloud.connector.service_url,
            "timestamp": "2026-11-23T10:00:00.000Z",
            "from": {"id": member.teams_id, "name": member.name, "aadObjectId": member.aad},
            "recipient": {"id": BOT, "name": "actionbot"},
            "conversation": conversation,
            **fields,
        }

    # -- what happened ----------------------------------------------------------------------

    def personal_chat(self, member: Member) -> str:
        """The id of the member's 1:1 chat with the bot, as the connector stand-in makes it."""
        person = self.cloud.connector.person(member.teams_id)
        assert person is not None
        return self.cloud.connector.personal_conversation_id(person)

    def unfinished(self) -> int:
        with self.services.db.session(commit=False) as session:
            statement = select(func.count()).select_from(InboxEntry)
            return int(session.exec(statement.where(col(InboxEntry.done_at).is_(None))).one())

    def settle(self, timeout: float = SETTLE_SECONDS) -> None:
        wait_until(
            lambda: self.unfinished() == 0,
            timeout=timeout,
            message=lambda: f"the inbox to be worked through; {self.unfinished()} unfinished",
        )
        self.running.wait_idle(timeout=timeout)

    def inbox_size(self) -> int:
        with self.services.db.session(commit=False) as session:
            return int(session.exec(select(func.count()).select_from(InboxEntry)).one())

    def action(self, ref: str) -> Action:
        with self.services.db.session(commit=False) as session:
            return session.exec(select(Action).where(Action.ref == ref)).one()

    def updates(self, ref: str) -> list[ActionUpdate]:
        action_id = self.action(ref).id
        with self.services.db.session(commit=False) as session:
            statement = (
                select(ActionUpdate)
                .where(ActionUpdate.action_id == action_id, ActionUpdate.source == "teams")
                .order_by(col(ActionUpdate.id))
            )
            return list(session.exec(statement).all())


@pytest.fixture
def teams(services: Services, cloud: TeamsCloud) -> Iterator[TeamsApp]:
    running = start(services.application, teams_connections=cloud.connections())
    app = TeamsApp(running.url, cloud, services, running)
    yield app
    try:
        app.settle()
    finally:
        running.stop()


def card_texts(card: dict[str, Any]) -> str:
    """Every word a card shows, in order, for assertions on what a person reads."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return " ".join(found)


def sent_cards(cloud: TeamsCloud, conversation: str | None = None) -> list[dict[str, Any]]:
    cards = []
    for message in cloud.connector.sent(conversation):
        for attachment in message["activity"].get("attachments") or []:
            cards.append(attachment["content"])
    return cards


def card_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.* in a card, nested ShowCards included, in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return found
