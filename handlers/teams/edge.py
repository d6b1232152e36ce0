"""The WSGI endpoint for /api/messages: authenticated, stored, then acknowledged.

A request is checked as the SDK checks it (handlers/teams/auth.py) before anything is read
into the plan, and refused with 401 and nothing written when its token is forged, expired or
for another app. A verified activity is committed to the durable inbox under its activity id
(a duplicate is stored once, applied once) and acknowledged 202; the worker applies it. A card
press (an invoke) is applied at once: Teams shows the card the answer carries.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import ValidationError

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
from handlers.teams.activities import PLATFORM, account_id
from handlers.teams.auth import Guard, RefusedTokenError, service_url_allowed
from handlers.teams.bridge import AsyncBridge

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 512_000  # an activity is a few kB; a card press with inputs, tens at most
MAX_JSON_DEPTH = 32
MAX_KEY_LENGTH = 150
INVOKE = "invoke"
ACCEPTED = Response("202 Accepted")
BUSY = Response("503 Service Unavailable", b"busy: send again")
ALREADY = json.dumps(
    {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Already done — that press was received once and applied once.",
    }
).encode()


@dataclass(frozen=True)
class Stored:
    """What the inbox keeps: the activity as it came, and the verified claims it came with
    (the worker acts with them later, after the token itself may have expired)."""

    activity: dict[str, Any]
    claims: dict[str, Any]

    def dumps(self) -> str:
        return json.dumps({"activity": self.activity, "claims": self.claims})

    @classmethod
    def loads(cls, body: str) -> Stored:
        data = json.loads(body)
        return cls(activity=dict(data["activity"]), claims=dict(data["claims"]))


def _error(status: str, reason: str) -> Response:
    return Response(status, json.dumps({"error": reason}).encode(), JSON)


class TeamsEdge:
    def __init__(
        self,
        inbox: Inbox,
        *,
        guard: Guard,
        bridge: AsyncBridge,
        hosts: tuple[str, ...],
        holder: str,
        lease_seconds: float,
        submit: Callable[[Delivery], None],
        apply_now: Callable[[Delivery], Response],
    ) -> None:
        self.inbox = inbox
        self.guard = guard
        self.bridge = bridge
        self.hosts = hosts
        self.holder = holder
        self.lease = timedelta(seconds=lease_seconds)
        self.submit = submit
        self.apply_now = apply_now
        self.refusals = RefusalLog(PLATFORM)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = b""
        try:
            body = read_body(environ, MAX_BODY_BYTES)
            answer = self.accept(body, request_headers(environ))
        except RefusedError as refusal:
            self.refusals.refused(refusal.reason, body)
            answer = _error(refusal.status, refusal.reason)
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
        start_response(answer.status, headers)
        return [answer.body]

    def accept(self, body: bytes, headers: Mapping[str, str]) -> Response:
        """Authenticated first (before the body is even parsed), then stored, then answered."""
        claims = self._claims(headers.get("authorization"))
        if media_type(headers.get("content-type", "")) != JSON:
            raise RefusedError("415 Unsupported Media Type", "activities are JSON")
        payload = json_object(utf8_text(body), max_depth=MAX_JSON_DEPTH)
        activity = _activity(payload)
        if not service_url_allowed(activity.service_url, claims, self.hosts):
            raise RefusedError("401 Unauthorized", "serviceUrl not allowed for this token")
        return self._take(activity, Stored(payload, claims.claims))

    def _claims(self, authorization: str | None) -> ClaimsIdentity:
        try:
            return self.bridge.run(self.guard.check(authorization), timeout=20)
        except RefusedTokenError as refusal:
            raise RefusedError("401 Unauthorized", str(refusal)) from None
        except TimeoutError:
            raise RefusedError("503 Service Unavailable", "signing keys unavailable") from None

    def _take(self, activity: Activity, stored: Stored) -> Response:
        try:
            delivery = self.inbox.store(
                platform=PLATFORM,
                delivery_key=_fit(f"{activity.conversation.id}|{activity.id}"),
                partition=_partition(activity),
                body=stored.dumps(),
                content_type=JSON,
                holder=self.holder,
                lease=self.lease,
            )
        except Busy:
            # Not stored, so not acknowledged: Teams sends it again.
            log.warning("teams activity not stored: the database is busy or unreachable")
            return BUSY
        is_invoke = activity.type == INVOKE
        if delivery is None:
            return Response("200 OK", ALREADY, JSON) if is_invoke else ACCEPTED
        if not is_invoke:
            self.submit(delivery)
            return ACCEPTED
        try:
            return self.apply_now(delivery)
        except Exception as failure:
            # Stored all the same: the worker applies it when its lease lapses.
            log.warning("teams invoke %s left to the inbox worker: %r", delivery.id, failure)
            return Response("200 OK", ALREADY, JSON)


def _activity(payload: dict[str, Any]) -> Activity:
    try:
        activity = Activity.model_validate(payload)
    except (ValidationError, ValueError, TypeError):
        raise RefusedError("400 Bad Request", "not an activity") from None
    if not activity.id or activity.conversation is None or not activity.conversation.id:
        raise RefusedError("400 Bad Request", "activity without id or conversation")
    return activity


def _partition(activity: Activity) -> str:
    """One person's activities are applied in the order they came."""
    return _fit(
        account_id(activity.from_property)
        or (activity.from_property.id if activity.from_property else None)
        or str(activity.conversation.id)
    )


def _fit(key: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
