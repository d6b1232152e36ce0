"""One HTTP server for every chat platform: their endpoints, a health check, and a clean stop.

Each platform mounts its verified, inbox-backed endpoint at its own path (Slack at
/slack/events, Teams at /api/messages) and brings its own inbox worker. SIGTERM or Ctrl-C
stops taking requests, lets the ones in flight finish, hands every worker's unapplied
entries back to the inbox, frees the scheduler lease and exits 0 — what every deploy sends
must lose nothing, on any platform.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from waitress import wasyncore
from waitress.server import TcpWSGIServer, create_server

from handlers.application.app import Application

HEALTH_PATH = "/healthz"
THREADS = 8
CHANNEL_TIMEOUT = 30  # seconds an idle or trickling connection is kept
MAX_BODY_BYTES = 1_000_000  # the largest request any platform's endpoint takes


class Stoppable(Protocol):
    """A platform's inbox worker: `stop()` hands back what it hasn't applied; how many."""

    def stop(self) -> int: ...

    def wait_idle(self, timeout: float = 10.0) -> bool: ...


class Shutdown(Protocol):
    def shutdown(self, wait: bool = True) -> None: ...


class Router:
    """The platforms' endpoints, a health check for the load balancer, and 404 for the rest."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.mounts: dict[str, WSGIApplication] = {}

    def mount(self, path: str, endpoint: WSGIApplication) -> None:
        self.mounts[path] = endpoint

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        endpoint = self.mounts.get(path)
        if endpoint is not None:
            if method != "POST":
                return plain(start_response, "405 Method Not Allowed", "POST only")
            return endpoint(environ, start_response)
        if method == "GET" and path == HEALTH_PATH:
            healthy = self.app.health.database_answers()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return plain(start_response, status, "ok" if healthy else "database unavailable")
        return plain(start_response, "404 Not Found", "not found")


def plain(start_response: StartResponse, status: str, body: str) -> list[bytes]:
    data = body.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]


@dataclass
class Listening:
    """A bound, not yet serving, server: its address is known before the workers are built,
    so each worker's holder id can name this host:port (see InboxWorker)."""

    router: Router
    server: TcpWSGIServer
    sockets: dict[int, Any]
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def holder(self) -> str:
        return f"{socket.gethostname()[:80]}:{self.port}"


def listen(app: Application, *, host: str, port: int) -> Listening:
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
    return Listening(router, server, sockets, str(bound_host), int(bound_port))


@dataclass
class RunningServer:
    """The server, the platforms' workers and the scheduler; `stop()` is the clean stop."""

    url: str
    workers: Sequence[Stoppable]
    scheduler: Shutdown | None
    _server: TcpWSGIServer
    _sockets: dict[int, Any]
    _stopping: threading.Event
    _thread: threading.Thread
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    _stopped: bool = False

    @property
    def worker(self) -> Stoppable:
        return self.workers[0]

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Tests read what happened: let every inbox finish what it was given."""
        for worker in self.workers:
            worker.wait_idle(timeout=timeout)

    def stop(self) -> int:
        """Stop taking requests, finish those in flight, hand back the rest; returns that count."""
        if self._stopped:
            return 0
        self._stopped = True
        self._stopping.set()
        self._thread.join(timeout=30)
        handed_back = sum(worker.stop() for worker in self.workers)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        for step in self.on_stop:
            step()
        return handed_back


def serve_in_background(
    listening: Listening, workers: Sequence[Stoppable], scheduler: Shutdown | None
) -> RunningServer:
    stopping = threading.Event()
    thread = threading.Thread(
        target=_serve_until,
        args=(listening.server, listening.sockets, stopping),
        name="http",
        daemon=True,
    )
    thread.start()
    return RunningServer(
        listening.url,
        workers,
        scheduler,
        listening.server,
        listening.sockets,
        stopping,
        thread,
    )


def catch_stop_signals() -> threading.Event:
    """SIGTERM (what deploys send) and SIGINT (Ctrl-C) both mean: stop cleanly. Caught from
    before the server answers, so a signal during start-up's warm-up is not a silent death."""
    stop = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def wait_for_stop_signal(stop: threading.Event | None = None) -> None:
    """Until a stop signal: the one `catch_stop_signals` gave, or caught from now."""
    stop = stop or catch_stop_signals()
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
    # Requests being handled finish and answer; ones not started get no 200, so they're retried.
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
    for _ in range(40):  # flush the answers still being written
        if not any(getattr(c, "total_outbufs_len", 0) for c in sockets.values()):
            break
        wasyncore.loop(timeout=0.05, map=sockets, count=1)
    for dispatcher in list(sockets.values()):
        dispatcher.close()
