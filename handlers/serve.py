"""`actionbot serve`: one HTTP server for every chat platform this deployment has.

Slack at /slack/events and Teams at /api/messages, each with its own verified edge and inbox
worker, one scheduler sending on both: a council can have some owners on each, and each
person's reminder goes where they are linked. Blocks until SIGTERM or Ctrl-C, then stops
cleanly (handlers/hosting/server.py).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

from handlers.application.app import Application
from handlers.application.errors import Problem
from handlers.hosting.server import (
    RunningServer,
    Stoppable,
    catch_stop_signals,
    listen,
    serve_in_background,
    wait_for_stop_signal,
)

log = logging.getLogger(__name__)

NOTHING_TO_SERVE = (
    "No chat platform is configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for Slack, "
    "or TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID for Teams (see .env.example)"
)
SOCKET_MODE_ALONE = (
    "Socket Mode serves Slack alone: unset SLACK_APP_TOKEN to serve Slack over HTTP beside "
    "Teams, or unset TEAMS_APP_ID to use Socket Mode"
)


def start(
    app: Application,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    slack_client: Any = None,
    teams_connections: Any = None,
) -> RunningServer:
    """Binds first, so each worker's holder id names this host:port (see InboxWorker)."""
    settings = app.settings
    if not (settings.slack_enabled or settings.teams_enabled):
        raise Problem(NOTHING_TO_SERVE)
    listening = listen(app, host=host, port=port)
    workers: list[Stoppable] = []
    notifiers: list[Any] = []
    closing = []
    if settings.slack_enabled:
        from handlers.slack.app import make_client
        from handlers.slack.server import mount_slack

        slack = mount_slack(app, listening, slack_client or make_client(settings))
        workers += slack.workers
        notifiers.append(slack.notifier)
    if settings.teams_enabled:
        from handlers.teams.server import mount_teams, teams_parts

        parts = teams_parts(app, teams_connections)
        teams = mount_teams(app, listening, parts)
        workers.append(teams.worker)
        notifiers.append(teams.notifier)
        closing.append(parts.close)
    scheduler = app.jobs.lead(*notifiers)
    running = serve_in_background(listening, workers, scheduler)
    running.on_stop.extend(closing)
    return running


def settle_memory() -> None:
    """Everything loaded at start-up (modules, settings, the plan cache's first copies) is kept
    out of the garbage collector's sweeps: its full collections were the slow tail (p95 ~3×
    p50) of the minute sweep, walking objects that live as long as the process."""
    gc.collect()
    gc.freeze()


def serve(
    app: Application,
    *,
    host: str,
    port: int,
    teams_connections: Any = None,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """`on_ready` runs once the endpoints answer: warming up after listening keeps it out of
    the time to ready (Slack's url_verification) without leaving it to the first request."""
    settings = app.settings
    stop = catch_stop_signals()
    if settings.socket_mode and settings.slack_app_token is not None:
        if settings.teams_enabled:
            raise Problem(SOCKET_MODE_ALONE)
        from handlers.slack.socket_mode import serve_socket_mode

        if on_ready is not None:
            on_ready()  # Socket Mode blocks once connected: warm before it
        settle_memory()
        serve_socket_mode(app, stop=stop)
        return
    running = start(app, host=host, port=port, teams_connections=teams_connections)
    if settings.slack_enabled:
        log.info("Slack: listening on %s/slack/events", running.url)
    if settings.teams_enabled:
        log.info("Teams: listening on %s/api/messages", running.url)
    if on_ready is not None:
        on_ready()
    settle_memory()
    wait_for_stop_signal(stop)
    handed_back = running.stop()
    log.info("stopped cleanly: %d unapplied requests handed back to the inbox", handed_back)
