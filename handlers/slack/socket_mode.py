"""Socket Mode: the same inbox as HTTP. Each envelope is stored, then acknowledged.

Slack redelivers an envelope that isn't acknowledged, so storing first keeps the promise:
what was acknowledged is durable. The payload is stored in the shape an HTTP request would
have had, so the one inbox worker and Bolt app apply both alike.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from urllib.parse import urlencode

from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from handlers.application.app import Application
from handlers.hosting.server import wait_for_stop_signal
from handlers.slack.app import build_slack_app, make_client
from handlers.slack.edge import JSON, RefusedError, SlackEdge
from handlers.slack.home_refresher import refresher_of
from handlers.slack.payloads import FORM
from handlers.slack.server import build_edge, build_worker, start_scheduler

log = logging.getLogger(__name__)


def as_http_body(request: SocketModeRequest) -> tuple[str, str]:
    """(body, content type) as Slack would have POSTed it."""
    if request.type == "events_api":
        return json.dumps(request.payload), JSON
    if request.type == "slash_commands":
        return urlencode(request.payload), FORM
    return urlencode({"payload": json.dumps(request.payload)}), FORM


def on_request(edge: SlackEdge, client: SocketModeClient, request: SocketModeRequest) -> None:
    try:
        body, content_type = as_http_body(request)
        answer = edge.take(request.payload, body, content_type)
    except RefusedError as refusal:
        edge.refusals.refused(refusal.reason, json.dumps(request.payload).encode())
        answer = None
    if answer is not None and not answer.status.startswith("200"):
        return  # not stored (the database is busy): unacknowledged, so Slack sends it again
    payload = json.loads(answer.body) if answer is not None and answer.body else None
    client.send_socket_mode_response(
        SocketModeResponse(envelope_id=request.envelope_id, payload=payload)
    )


def serve_socket_mode(app: Application, *, stop: threading.Event | None = None) -> None:
    """Blocks until SIGTERM or Ctrl-C; stops as cleanly as the HTTP server does."""
    settings = app.settings
    assert settings.slack_app_token is not None
    web = make_client(settings)
    bolt_app = build_slack_app(app, client=web)
    holder = f"{socket.gethostname()[:80]}:socket:{os.getpid()}"
    worker = build_worker(app, bolt_app, web, holder=holder).start()
    edge = build_edge(app, worker, verify=False)
    client = SocketModeClient(app_token=settings.slack_app_token.get_secret_value(), web_client=web)
    client.socket_mode_request_listeners.append(
        lambda c, r: on_request(edge, c, r)  # type: ignore[arg-type]
    )
    scheduler = start_scheduler(app, web)
    client.connect()
    log.info("Slack: Socket Mode")
    wait_for_stop_signal(stop)
    client.close()
    handed_back = worker.stop()
    refresher_of(bolt_app).stop()
    if scheduler is not None:
        scheduler.shutdown(wait=True)
    log.info("stopped cleanly: %d unapplied requests handed back to the inbox", handed_back)
