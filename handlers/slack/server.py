"""Running the Slack side: the HTTP edge, the inbox worker and the scheduler, and a clean stop.

A request is verified and committed to the inbox before it is acknowledged; the worker
applies it through the Bolt app after. SIGTERM or Ctrl-C stops taking requests, lets the ones
in flight finish, hands unapplied entries back to the inbox, frees the scheduler lease and
exits 0 — what every deploy sends must lose nothing.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import FrameType
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import wasyncore
from waitress.server import TcpWSGIServer, create_server

from handlers.application.app import Application
from handlers.application.inbox import Delivery, InboxWorker
from handlers.application.jobs import PacedNotifier, Scheduler
from handlers.slack.app import build_slack_app, make_client
from handlers.slack.edge import JSON, MAX_BODY_BYTES, PLATFORM, Response, SlackEdge
from handlers.slack.notifier import SlackNotifier
from handlers.slack.replay import BoltReplay

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
THREADS = 8
CHANNEL_TIMEOUT = 30  # seconds an idle or trickling connection is kept


class Router:
    """Slack's one endpoint, a health check for the load balancer, and 404 for the rest."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.slack: WSGIApplication | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if path == EVENTS_PATH and self.slack is not None:
            if method != "POST":
                return _plain(start_response, "405 Method Not Allowed", "POST only")
            return self.slack(environ, start_response)
        if method == "GET" and path == HEALTH_PATH:
            healthy = self.app.health.database_answers()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _plain(start_response, status, "ok" if healthy else "database unavailable")
        return _plain(start_response, "404 Not Found", "not found")


def bolt_wsgi_app(app: Application, bolt_app: App) -> WSGIApplication:
    """Bolt's own HTTP handler, no inbox: the empty-handler baseline in benchmarks."""
    router = Router(app)
    router.slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH)
    return router


def _plain(start_response: StartResponse, status: str, body: str) -> list[bytes]:
    data = body.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]


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


@dataclass
class RunningServer:
    """The server, its worker and scheduler; `stop()` is the clean stop SIGTERM asks for."""

    url: str
    worker: InboxWorker
    scheduler: Scheduler | None
    _server: TcpWSGIServer
    _sockets: dict[int, Any]
    _stopping: threading.Event
    _thread: threading.Thread
    _stopped: bool = False

    def stop(self) -> int:
        """Stop taking requests, finish those in flight, hand back the rest; returns that count."""
        if self._stopped:
            return 0
        self._stopped = True
        self._stopping.set()
        self._thread.join(timeout=30)
        handed_back = self.worker.stop()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        return handed_back


def start_server(
    app: Application,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: WebClient | None = None,
) -> RunningServer:
    """Binds first, so the worker's holder id can name this host:port (see InboxWorker)."""
    client = client or make_client(app.settings)
    bolt_app = build_slack_app(app, client=client)
    router = Router(app)
    sockets: dict[int, Any] = {}
    server = create_server(
        router,
        map=sockets,
        host=host,
        port=port,
        threads=THREADS,
        max_request_body_size=MAX_BODY_BYTES,
        channel_timeout=CHANNEL_TIMEOUT,
        clear_untrusted_proxy_headers=True,
    )
    assert isinstance(server, TcpWSGIServer)
    bound_host, bound_port = server.getsockname()
    holder = f"{socket.gethostname()[:80]}:{bound_port}"
    worker = build_worker(app, bolt_app, client, holder=holder).start()
    router.slack = build_edge(app, worker)
    stopping = threading.Event()
    thread = threading.Thread(
        target=_serve_until, args=(server, sockets, stopping), name="http", daemon=True
    )
    thread.start()
    scheduler = start_scheduler(app, client)
    url = f"http://{bound_host}:{bound_port}"
    return RunningServer(url, worker, scheduler, server, sockets, stopping, thread)


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
        running.worker.wait_idle(timeout=30)
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


def wait_for_stop_signal() -> None:
    """SIGTERM (what deploys send) and SIGINT (Ctrl-C) both mean: stop cleanly."""
    stop = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.wait(0.5):
        pass


def _serve_until(server: TcpWSGIServer, sockets: dict[int, Any], stopping: threading.Event) -> None:
    """waitress's loop, stoppable: stop listening, let requests in flight finish, then close."""
    while not stopping.is_set():
        wasyncore.loop(timeout=0.05, map=sockets, count=1)
    server.accepting = False
    server.del_channel()
    if server.socket is not None:
        server.socket.close()
    # Requests being handled finish and answer; ones not started get no 200, so Slack retries.
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
    for _ in range(40):  # flush the answers still being written
        if not any(getattr(c, "total_outbufs_len", 0) for c in sockets.values()):
            break
        wasyncore.loop(timeout=0.05, map=sockets, count=1)
    for dispatcher in list(sockets.values()):
        dispatcher.close()
