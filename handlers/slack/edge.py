"""Slack's HTTP edge: verify, bound, store, acknowledge. Nothing acts on an unverified request.

Order matters: the size is checked before the body is read, the signature before the body is
parsed, and the request is committed to the inbox before the 200 goes back — so what Slack
sees acknowledged is never lost. The inbox worker applies it after, through the Bolt app.
Refusals are logged by size and hash, never by content, and at most once a minute per reason
with a count, so hostile traffic can't fill the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIEnvironment

from handlers.application.errors import Busy
from handlers.application.inbox import Delivery, Inbox
from handlers.hosting.requests import (
    JSON,
    RefusalLog,
    RefusedError,
    Response,
    json_object,
    media_type,
    read_body,
    request_headers,
    utf8_text,
)
from handlers.slack.payloads import FORM

log = logging.getLogger(__name__)

__all__ = ["JSON", "PLATFORM", "RefusedError", "Response", "SlackEdge", "classify"]

PLATFORM = "slack"
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are a few kB; a modal's state at most ~100 kB
MAX_JSON_DEPTH = 32
MAX_FORM_FIELDS = 100
MAX_KEY_LENGTH = 150
TIMESTAMP_TOLERANCE = 60 * 5
_SLACK_TOKEN = re.compile(rf"[A-Za-z0-9._\-/]{{1,{MAX_KEY_LENGTH}}}", re.ASCII)
SIGNATURE_PREFIX = "v0="
# The events our listeners handle; anything else Slack sends is acknowledged and dropped.
HANDLED_EVENTS = frozenset({"message", "app_mention", "app_home_opened"})
HANDLED_COMMANDS = frozenset({"/rag"})
ANSWERED_IN_RESPONSE = "view_submission"  # the form's errors go back in the HTTP response


OK = Response("200 OK")
BUSY = Response("503 Service Unavailable", b"busy: send again")


@dataclass(frozen=True)
class Classified:
    """Where a verified request goes: straight back (`response`) or into the inbox."""

    delivery_key: str = ""
    partition: str = ""
    response: Response | None = None

    @property
    def stored(self) -> bool:
        return self.response is None


class SlackEdge:
    """The WSGI endpoint for /slack/events."""

    def __init__(
        self,
        inbox: Inbox,
        *,
        signing_secret: str,
        holder: str,
        lease_seconds: float,
        submit: Callable[[Delivery], None],
        apply_now: Callable[[Delivery], Response],
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.inbox = inbox
        self.secret = signing_secret.encode()
        self.holder = holder
        self.lease = timedelta(seconds=lease_seconds)
        self.submit = submit
        self.apply_now = apply_now
        self.max_body = max_body
        self.refusals = RefusalLog(PLATFORM)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = b""
        try:
            body = read_body(environ, self.max_body)
            answer = self.accept(body, request_headers(environ))
        except RefusedError as refusal:
            self.refusals.refused(refusal.reason, body)
            answer = Response(refusal.status, refusal.reason.encode())
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
        start_response(answer.status, headers)
        return [answer.body]

    def accept(self, body: bytes, headers: Mapping[str, str]) -> Response:
        """Verified, parsed, classified, stored and committed — then acknowledged."""
        self._verify(body, headers)
        content_type = media_type(headers.get("content-type", ""))
        return self.take(_parse(body, content_type), body.decode(), content_type)

    def take(self, payload: dict[str, Any], body: str, content_type: str) -> Response:
        """A verified request (over HTTP, or from Socket Mode): stored, then acknowledged."""
        where = classify(payload)
        if where.response is not None:
            return where.response
        try:
            delivery = self.inbox.store(
                platform=PLATFORM,
                delivery_key=_fit(where.delivery_key),
                partition=where.partition,
                body=body,
                content_type=content_type,
                holder=self.holder,
                lease=self.lease,
            )
        except Busy:
            # Not stored, so not acknowledged: Slack sends it again in a moment.
            log.warning("slack request not stored: the database is busy or unreachable")
            return BUSY
        if delivery is None:
            return OK  # the same delivery again (Slack's retry): stored once, applied once
        if payload.get("type") == ANSWERED_IN_RESPONSE:
            try:
                answer: Response = self.apply_now(delivery)
            except Exception as failure:
                # Stored all the same: its lease lapses and the worker applies it then.
                log.warning("form %s left to the inbox worker: %r", delivery.id, failure)
                return OK
            return answer
        self.submit(delivery)
        return OK

    def _verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise RefusedError("401 Unauthorized", "missing or malformed request timestamp")
        if abs(time.time() - int(timestamp)) > TIMESTAMP_TOLERANCE:
            raise RefusedError("401 Unauthorized", "stale request timestamp")
        if not signature.startswith(SIGNATURE_PREFIX) or len(signature) != 67:
            raise RefusedError("401 Unauthorized", "missing or malformed request signature")
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = SIGNATURE_PREFIX + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise RefusedError("401 Unauthorized", "invalid request signature")


def classify(payload: dict[str, Any]) -> Classified:
    """Slack's envelope, checked for the few fields the inbox needs; the rest is Bolt's."""
    kind = payload.get("type")
    if kind == "url_verification":
        challenge = _text(payload, "challenge")
        body = json.dumps({"challenge": challenge}).encode()
        return Classified(response=Response("200 OK", body, JSON))
    if payload.get("ssl_check") == "1":
        return Classified(response=OK)
    if kind == "event_callback":
        return _event(payload)
    if "command" in payload:
        if payload.get("command") not in HANDLED_COMMANDS:
            return Classified(response=OK)
        user = _text(payload, "user_id")
        return Classified(f"command:{_text(payload, 'trigger_id')}", user)
    if kind == "block_actions":
        user = _text(_mapping(payload, "user"), "id")
        actions = payload.get("actions")
        if not isinstance(actions, list) or len(actions) != 1 or not isinstance(actions[0], dict):
            raise RefusedError("400 Bad Request", "a button press with no action")
        _text(actions[0], "action_id")
        pressed = _text(actions[0], "action_ts")
        return Classified(f"action:{_text(payload, 'trigger_id')}:{pressed}", user)
    if kind == "view_submission":
        user = _text(_mapping(payload, "user"), "id")
        view = _mapping(payload, "view")
        for key in ("type", "callback_id"):
            _text(view, key)
        _mapping(_mapping(view, "state"), "values")
        return Classified(f"view:{_text(view, 'id')}:{_text(view, 'hash')}", user)
    if kind == "block_suggestion":
        return Classified(response=Response("200 OK", b'{"options": []}', JSON))
    return Classified(response=OK)  # view_closed, shortcuts and the like: nothing to do


def _event(payload: dict[str, Any]) -> Classified:
    event = _mapping(payload, "event")
    event_id = _text(payload, "event_id")
    if event.get("type") not in HANDLED_EVENTS:
        return Classified(response=OK)
    subtype = event.get("subtype")
    if subtype is not None and not isinstance(subtype, str):
        raise RefusedError("400 Bad Request", "an event with a malformed subtype")
    who = event.get("user") or event.get("channel") or "-"
    if not isinstance(who, str):
        raise RefusedError("400 Bad Request", "an event with a malformed user")
    return Classified(f"event:{event_id}", _partition(who))


def _text(container: Mapping[str, Any], key: str) -> str:
    """An id, timestamp or type as Slack writes them: short, plain ASCII, no controls."""
    value = container.get(key)
    if not isinstance(value, str) or not _SLACK_TOKEN.fullmatch(value):
        raise RefusedError("400 Bad Request", f"missing or malformed field {key!r}")
    return value


def _fit(key: str) -> str:
    """Delivery keys fit their column: a long one (two long ids) is kept as its hash."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "h:" + hashlib.sha256(key.encode()).hexdigest()


def _partition(value: str) -> str:
    """Whatever the event names as its sender, a key that fits the column and any database."""
    if _SLACK_TOKEN.fullmatch(value):
        return value
    return "h:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]


def _mapping(container: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = container.get(key)
    if not isinstance(value, dict):
        raise RefusedError("400 Bad Request", f"missing or malformed field {key!r}")
    return value


def _parse(body: bytes, content_type: str) -> dict[str, Any]:
    """JSON (events) or a form (commands; interactions carry JSON in `payload`), bounded."""
    text = utf8_text(body)
    if content_type == JSON:
        return _json(text)
    if content_type == FORM:
        try:
            fields = parse_qs(text, max_num_fields=MAX_FORM_FIELDS, strict_parsing=False)
        except ValueError:
            raise RefusedError("400 Bad Request", "too many form fields") from None
        form = {key: values[0] for key, values in fields.items()}
        if "payload" in form:
            return _json(form["payload"])
        return form
    raise RefusedError("415 Unsupported Media Type", "unsupported content type")


def _json(text: str) -> dict[str, Any]:
    return json_object(text, max_depth=MAX_JSON_DEPTH)
