"""Slack over HTTP: its verified endpoint and inbox worker, mounted on the shared server.

A request is verified and committed to the inbox before it is acknowledged; the worker
applies it through the Bolt app after. The shared server (handlers/hosting.py) stops cleanly
on SIGTERM or Ctrl-C, handing unapplied entries back to the inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from wsgiref.types import WSGIApplication

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from handlers.application.app import Application
from handlers.application.inbox import Delivery, InboxWorker
from handlers.application.jobs import PacedNotifier, Scheduler
from handlers.hosting.server import (
    HEALTH_PATH,
    Listening,
    Router,
    RunningServer,
    Stoppable,
    listen,
    serve_in_background,
    wait_for_stop_signal,
)
from handlers.slack.app import build_slack_app, make_client
from handlers.slack.edge import JSON, PLATFORM, Response, SlackEdge
from handlers.slack.home_refresher import HomeRefresher, refresher_of
from handlers.slack.notifier import SlackNotifier
from handlers.slack.replay import BoltReplay

__all__ = [
    "EVENTS_PATH",
    "HEALTH_PATH",
    "RunningServer",
    "SlackMount",
    "bolt_wsgi_app",
    "mount_slack",
    "serve",
    "start_in_thread",
    "start_server",
    "wait_for_stop_signal",
]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def bolt_wsgi_app(app: Application, bolt_app: App) -> WSGIApplication:
    """Bolt's own HTTP handler, no inbox: the empty-handler baseline in benchmarks."""
    router = Router(app)
    router.mount(EVENTS_PATH, SlackRequestHandler(bolt_app, path=EVENTS_PATH))
    return router


def start_scheduler(app: Application, client: WebClient) -> Scheduler | None:
    """Reminders and digests go out through the same client the app answers with.

    Several `serve` processes may share one database: only the lease holder sweeps.
    DMs are sent in waves and paced to Slack's one message a second per conversation.
    """
    return app.jobs.lead(PacedNotifier(SlackNotifier(client)))


def build_worker(app: Application, bolt_app: App, client: WebClient, *, holder: str) -> InboxWorker:
    replay = BoltReplay(bolt_app, client)
    settings = app.settings
    return app.inbox.worker(
        platform=PLATFORM,
        apply=replay.apply,
        give_up=replay.give_up,
        holder=holder,
        lanes=settings.inbox_workers,
        lease_seconds=settings.inbox_lease_seconds,
    )


def build_edge(app: Application, worker: InboxWorker, *, verify: bool = True) -> SlackEdge:
    """`verify=False` for Socket Mode, whose envelopes come over Slack's own websocket."""
    settings = app.settings
    secret = settings.slack_signing_secret
    if secret is None and verify:
        raise ValueError("SLACK_SIGNING_SECRET is needed to verify Slack requests over HTTP")

    def apply_now(delivery: Delivery) -> Response:
        attempt = worker.apply_now(delivery)
        if attempt.answer:
            return Response("200 OK", attempt.answer.encode(), JSON)
        return Response("200 OK")

    return SlackEdge(
        app.inbox,
        signing_secret=secret.get_secret_value() if secret else "",
        holder=worker.holder,
        lease_seconds=settings.inbox_lease_seconds,
        submit=worker.submit,
        apply_now=apply_now,
    )


@dataclass(frozen=True)
class SlackMount:
    """Slack's part of a running server: its worker, the App Home redraws it leaves pending
    (stopped after it, so the last changes still reach the Home), and what its scheduler
    sends through."""

    worker: InboxWorker
    notifier: PacedNotifier
    home: HomeRefresher

    @property
    def workers(self) -> list[Stoppable]:
        return [self.worker, self.home]


def mount_slack(app: Application, listening: Listening, client: WebClient) -> SlackMount:
    bolt_app = build_slack_app(app, client=client)
    worker = build_worker(app, bolt_app, client, holder=listening.holder).start()
    listening.router.mount(EVENTS_PATH, build_edge(app, worker))
    return SlackMount(worker, PacedNotifier(SlackNotifier(client)), refresher_of(bolt_app))


def start_server(
    app: Application,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: WebClient | None = None,
) -> RunningServer:
    """Binds first, so the worker's holder id can name this host:port (see InboxWorker)."""
    listening = listen(app, host=host, port=port)
    slack = mount_slack(app, listening, client or make_client(app.settings))
    scheduler = app.jobs.lead(slack.notifier)
    return serve_in_background(listening, slack.workers, scheduler)


def start_in_thread(
    app: Application,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: WebClient | None = None,
) -> tuple[str, Callable[[], None]]:
    """The real server on a free port, for tests and benchmarks: (base url, stop)."""
    running = start_server(app, host=host, port=port, client=client)

    def stop() -> None:
        """Tests read what happened: let the inbox finish what it was given, then stop."""
        running.wait_idle(timeout=30)
        running.stop()

    return running.url, stop


def serve(app: Application, *, host: str, port: int) -> None:
    """Blocks until SIGTERM or Ctrl-C, then stops cleanly (see RunningServer.stop)."""
    settings = app.settings
    if settings.socket_mode and settings.slack_app_token is not None:
        from handlers.slack.socket_mode import serve_socket_mode

        serve_socket_mode(app)
        return
    running = start_server(app, host=host, port=port)
    log.info("Slack: listening on %s%s", running.url, EVENTS_PATH)
    wait_for_stop_signal()
    handed_back = running.stop()
    log.info("stopped cleanly: %d unapplied requests handed back to the inbox", handed_back)
