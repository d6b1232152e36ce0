"""Running the Slack side: HTTP (waitress) or Socket Mode, with the scheduler beside it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import waitress
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import text
from waitress import wasyncore
from waitress.server import TcpWSGIServer, create_server

from bot.app import Services
from handlers.slack.app import build_slack_app, make_client
from handlers.slack.notifier import SlackNotifier
from schedules.leader import LeaderElection, run_with_leadership
from schedules.pacing import PacedNotifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
THREADS = 8
LISTENER_THREADS = 8


def make_wsgi_app(services: Services, bolt_app: App) -> WSGIApplication:
    """Slack's one endpoint, a health check for the load balancer, and 404 for the rest."""
    slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if method == "POST" and path == EVENTS_PATH:
            return slack(environ, start_response)
        if method == "GET" and path == HEALTH_PATH:
            healthy = _database_answers(services)
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _plain(start_response, status, "ok" if healthy else "database unavailable")
        return _plain(start_response, "404 Not Found", "not found")

    return app


def _plain(start_response: StartResponse, status: str, body: str) -> list[bytes]:
    data = body.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _database_answers(services: Services) -> bool:
    """Healthy means able to do the job: a bot that can't reach its database is not."""
    try:
        with services.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: the database did not answer")
        return False
    return True


def start_scheduler(services: Services, client: WebClient) -> LeaderElection | None:
    """Reminders and digests go out through the same client the app answers with.

    Several `serve` processes may share one database: only the lease holder sweeps.
    DMs are sent in waves and paced to Slack's one message a second per conversation.
    """
    if not services.settings.scheduler_enabled:
        return None
    notifier = PacedNotifier(SlackNotifier(client))
    return run_with_leadership(services, services.dispatcher(notifier))


def serve(services: Services, *, host: str, port: int) -> None:
    """Blocks until interrupted; the scheduler stops with it."""
    settings = services.settings
    client = make_client(settings)
    bolt_app = build_slack_app(services, client=client)
    scheduler = start_scheduler(services, client)
    try:
        if settings.socket_mode and settings.slack_app_token is not None:
            log.info("Slack: Socket Mode")
            handler = SocketModeHandler(bolt_app, settings.slack_app_token.get_secret_value())
            handler.start()  # type: ignore[no-untyped-call]
        else:
            log.info("Slack: listening on http://%s:%s%s", host, port, EVENTS_PATH)
            waitress.serve(make_wsgi_app(services, bolt_app), host=host, port=port, threads=THREADS)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def start_in_thread(
    services: Services,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: WebClient | None = None,
) -> tuple[str, Callable[[], None]]:
    """The real server on a free port, for tests and benchmarks: (base url, stop)."""
    client = client or make_client(services.settings)
    executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="slack")
    bolt_app = build_slack_app(services, client=client, executor=executor)
    sockets: dict[int, Any] = {}
    server = create_server(
        make_wsgi_app(services, bolt_app), map=sockets, host=host, port=port, threads=THREADS
    )
    assert isinstance(server, TcpWSGIServer)
    stopping = threading.Event()
    thread = threading.Thread(target=_serve_until, args=(server, sockets, stopping), daemon=True)
    thread.start()
    scheduler = start_scheduler(services, client)

    def stop() -> None:
        """Stop taking requests, then let listeners already running finish."""
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        stopping.set()
        thread.join(timeout=5)
        executor.shutdown(wait=True)

    bound_host, bound_port = server.getsockname()
    return f"http://{bound_host}:{bound_port}", stop


def _serve_until(server: TcpWSGIServer, sockets: dict[int, Any], stopping: threading.Event) -> None:
    """waitress's loop, stoppable: sockets are closed by the thread that polls them."""
    while not stopping.is_set():
        wasyncore.loop(timeout=0.05, map=sockets, count=1)
    for dispatcher in list(sockets.values()):
        dispatcher.close()
    server.task_dispatcher.shutdown()
