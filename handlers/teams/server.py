"""Teams over HTTP: the SDK's adapter, our agent, the edge and its inbox worker, mounted on
the shared server at /api/messages; and the notifier the scheduler sends through."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import Connections

from handlers.application.app import Application
from handlers.application.inbox import Delivery, InboxWorker, Outcome
from handlers.hosting.requests import JSON, Response
from handlers.hosting.server import Listening
from handlers.teams.activities import PLATFORM
from handlers.teams.agent import TeamsAgent
from handlers.teams.auth import Guard, connection_manager
from handlers.teams.bridge import AsyncBridge
from handlers.teams.edge import TeamsEdge
from handlers.teams.graph import Graph
from handlers.teams.notifier import TeamsNotifier
from handlers.teams.replay import TeamsReplay

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


@dataclass
class TeamsParts:
    """What one process needs to talk to Teams: built once, closed at the end."""

    bridge: AsyncBridge
    adapter: CloudAdapter
    agent: TeamsAgent
    connections: Connections
    app_id: str

    def notifier(self, app: Application) -> TeamsNotifier:
        settings = app.settings
        graph = Graph(settings.teams_graph_url, self.connections, self.app_id)
        return TeamsNotifier(
            bridge=self.bridge,
            adapter=self.adapter,
            app=app,
            app_id=self.app_id,
            tenant_id=settings.teams_tenant_id,
            service_url=settings.teams_service_url,
            graph=graph if self.app_id else None,
            install=settings.teams_graph_install,
        )

    def close(self) -> None:
        self.bridge.close()


def teams_parts(app: Application, connections: Connections | None = None) -> TeamsParts:
    """`connections`: how the bot gets its tokens; the SDK's MSAL unless a test says otherwise."""
    settings = app.settings
    connections = connections or connection_manager(settings)
    adapter = CloudAdapter(connection_manager=connections)
    adapter.on_turn_error = raise_it  # never the SDK's default, which shows people the error
    return TeamsParts(
        bridge=AsyncBridge(),
        adapter=adapter,
        agent=TeamsAgent(app),
        connections=connections,
        app_id=settings.teams_app_id or "",
    )


@dataclass(frozen=True)
class TeamsMount:
    worker: InboxWorker
    notifier: TeamsNotifier


def mount_teams(app: Application, listening: Listening, parts: TeamsParts) -> TeamsMount:
    settings = app.settings
    replay = TeamsReplay(parts.bridge, parts.adapter, parts.agent, parts.app_id)
    worker = app.inbox.worker(
        platform=PLATFORM,
        apply=replay.apply,
        give_up=replay.give_up,
        holder=listening.holder,
        lanes=settings.inbox_workers,
        lease_seconds=settings.inbox_lease_seconds,
    ).start()

    def apply_now(delivery: Delivery) -> Response:
        attempt = worker.apply_now(delivery)
        if attempt.answer:
            return invoke_answer(attempt.answer)
        if attempt.outcome is Outcome.RETRY:  # kept: the worker applies it in a moment
            return toast(LATER)
        return toast(NOT_DONE)

    edge = TeamsEdge(
        app.inbox,
        guard=Guard.from_settings(settings),
        bridge=parts.bridge,
        hosts=settings.teams_hosts,
        holder=listening.holder,
        lease_seconds=settings.inbox_lease_seconds,
        submit=worker.submit,
        apply_now=apply_now,
    )
    listening.router.mount(MESSAGES_PATH, edge)
    return TeamsMount(worker, parts.notifier(app))


LATER = "Got it — I'll record that in a moment, and confirm in this chat."
NOT_DONE = (
    "Sorry — that didn't go through, and nothing was changed. Try again, or send it in words."
)


def toast(text: str) -> Response:
    """An invoke answered with a message Teams shows by the card, not a card."""
    body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
    return Response("200 OK", json.dumps(body).encode(), JSON)


async def raise_it(_context: TurnContext, error: Exception) -> None:
    """A failed turn is the caller's to handle: the inbox worker retries or tells the person
    once in plain words; a notifier's send is retried or reported. Nothing shows a trace."""
    raise error


def invoke_answer(answer: str) -> Response:
    """The replay's {"status", "body"} as the HTTP answer to Teams' invoke."""
    data = json.loads(answer)
    status = int(data.get("status") or 200)
    body = json.dumps(data.get("body")).encode() if data.get("body") is not None else b""
    return Response(f"{status} {'OK' if status == 200 else 'Error'}", body, JSON)
