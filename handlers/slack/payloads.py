"""Slack's payloads as small typed shapes, checked strictly at the edge of the listeners.

Each `parse(body)` takes the JSON Slack sent (already signature-checked by the edge) and
returns a frozen shape or raises `BadPayload(reason)`: every string is a str of bounded
length, every id looks like a Slack id, numbers carried in button values are whole numbers
in 1..2**31-1, a RAG is one of the known values, and a response_url is only ever one of
Slack's. Listeners read these shapes, never the raw body; a BadPayload is answered politely
and logged once with a short error id and the reason — never the body.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.domain.rag import Rag
from handlers.slack.payload_fields import (
    ACTION_ID_CHARS,
    ID_CHARS,
    METADATA_CHARS,
    TEXT_CHARS,
    URL_CHARS,
    VALUE_CHARS,
    BadPayload,
    checked_blocks,
    checked_state_values,
    is_slack_id,
    optional_field,
    optional_object,
    optional_text,
    parse_date,
    parse_number,
    parse_rag,
    require_channel,
    require_object,
    require_slack_id,
    require_text,
    require_token,
    require_ts,
)

log = logging.getLogger(__name__)

STALE_BUTTON = "That button is out of date or wasn't one of mine — nothing was changed."
STALE_FORM = "This form is out of date or wasn't one of mine — nothing was changed. Press Cancel."
SLACK_HOOKS = "hooks.slack.com"
FORM = "application/x-www-form-urlencoded"
KIND_CHARS = 32


def refused(kind: str, failure: BadPayload) -> str:
    """The one log line for a refused payload: a short id a person can quote, and why."""
    error_id = uuid.uuid4().hex[:8]
    log.warning("slack %s refused (error %s): %s", kind, error_id, failure.reason)
    return error_id


def kind(body: object) -> str:
    """What a payload is, for a log line: its command, event type or type; never its content."""
    if not isinstance(body, Mapping):
        return "request"
    event = body.get("event")
    found = (
        body.get("command"),
        event.get("type") if isinstance(event, Mapping) else None,
        body.get("type"),
    )
    for value in found:
        if isinstance(value, str) and 0 < len(value) <= KIND_CHARS and value.isprintable():
            return value
    return "request"


def sender(body: object) -> str | None:
    """Who sent a payload (its user, or its event's), when that is a Slack id; else None."""
    if not isinstance(body, Mapping):
        return None
    event = body.get("event")
    user = body.get("user") or body.get("user_id")
    if user is None and isinstance(event, Mapping):
        user = event.get("user")
    if isinstance(user, Mapping):
        user = user.get("id")
    return user if is_slack_id(user) else None


def stored_sender(body: str, content_type: str) -> str | None:
    """The sender of a request as the inbox stored it (JSON, or a form); None if unreadable."""
    try:
        if content_type != FORM:
            return sender(json.loads(body))
        form = {key: values[0] for key, values in parse_qs(body).items()}
        return sender(json.loads(form["payload"]) if "payload" in form else form)
    except (ValueError, RecursionError):
        return None


# -- where answers may go ------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseHosts:
    """The only places a response_url may point: Slack's hooks, or the configured Web API host.

    The configured host is how a stand-in (tests) or GovSlack is reached; anything else —
    another host, another port, userinfo tricks, plain http to Slack — is refused.
    """

    allowed: frozenset[tuple[str, str, int]] = frozenset({("https", SLACK_HOOKS, 443)})

    @classmethod
    def for_api(cls, api_url: str) -> ResponseHosts:
        allowed = {("https", SLACK_HOOKS, 443)}
        parts = urlsplit(api_url)
        host = (parts.hostname or "").lower()
        if parts.scheme in ("http", "https") and host:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            allowed.add((parts.scheme, host, port))
            if parts.scheme == "https":
                allowed.add(("https", f"hooks.{host}", 443))  # GovSlack: hooks.slack-gov.com
        return cls(frozenset(allowed))

    def check(self, url: str) -> str:
        """The URL itself when it is one of ours to answer; otherwise BadPayload."""
        if not url.isascii() or len(url) > URL_CHARS or any(c in url for c in "\\@ \t\r\n"):
            raise BadPayload("response_url is malformed")
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise BadPayload("response_url is malformed") from None
        where = (parts.scheme, (parts.hostname or "").lower(), port)
        if where not in self.allowed or parts.username or parts.password:
            raise BadPayload("response_url is not a Slack address")
        return url

    def find(self, body: object) -> str | None:
        """A response_url fit to answer a refused payload on, or None: never a stranger's."""
        if not isinstance(body, Mapping):
            return None
        url = body.get("response_url")
        if not isinstance(url, str):
            return None
        try:
            return self.check(url)
        except BadPayload:
            return None


# -- the shapes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlashCommand:
    user_id: str
    channel_id: str
    text: str
    trigger_id: str
    response_url: str

    @classmethod
    def parse(cls, body: object, *, hosts: ResponseHosts | None = None) -> SlashCommand:
        raw = require_object(body, "command")
        return cls(
            user_id=require_slack_id(raw, "user_id"),
            channel_id=require_channel(raw, "channel_id"),
            text=optional_text(raw, "text", TEXT_CHARS) or "",
            trigger_id=require_token(raw, "trigger_id"),
            response_url=(hosts or ResponseHosts()).check(
                require_text(raw, "response_url", URL_CHARS)
            ),
        )


@dataclass(frozen=True)
class MessageEvent:
    """A `message` or `app_mention` event; `user` is None for bots' and Slack's own posts."""

    type: str
    channel: str
    ts: str
    text: str
    user: str | None = None
    thread_ts: str | None = None
    channel_type: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    event_id: str | None = None
    # Read only when `text` is empty: then the rich text is the only copy of the words.
    blocks: tuple[dict[str, Any], ...] | None = None

    @classmethod
    def parse(cls, body: object) -> MessageEvent:
        envelope = require_object(body, "body")
        raw = require_object(envelope.get("event"), "event")
        kind = require_text(raw, "type", ID_CHARS)
        if kind not in ("message", "app_mention"):
            raise BadPayload("event is not a message")
        text = optional_text(raw, "text", TEXT_CHARS) or ""
        return cls(
            type=kind,
            channel=require_channel(raw, "channel"),
            ts=require_ts(raw, "ts"),
            text=text,
            user=optional_field(raw, "user", require_slack_id),
            thread_ts=optional_field(raw, "thread_ts", require_ts),
            channel_type=optional_text(raw, "channel_type", ID_CHARS),
            subtype=optional_text(raw, "subtype", ID_CHARS),
            bot_id=optional_field(raw, "bot_id", require_slack_id),
            event_id=optional_field(envelope, "event_id", require_token),
            blocks=None if text else checked_blocks(raw.get("blocks")),
        )


@dataclass(frozen=True)
class HomeOpened:
    """An `app_home_opened` event (Bolt hands listeners the event itself); `tab` is "home"
    for the Home tab and "messages" for the Messages tab."""

    user_id: str
    tab: str = "home"

    @classmethod
    def parse(cls, event: object) -> HomeOpened:
        raw = require_object(event, "event")
        if raw.get("type") not in (None, "app_home_opened"):
            raise BadPayload("event is not app_home_opened")
        return cls(
            user_id=require_slack_id(raw, "user"), tab=optional_text(raw, "tab", ID_CHARS) or "home"
        )


@dataclass(frozen=True)
class ButtonPress:
    """A block_actions press: who, where (a message, or the App Home), which button, its value."""

    user_id: str
    trigger_id: str
    action_id: str
    value: str
    action_ts: str
    channel: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    message_blocks: tuple[dict[str, Any], ...] | None = None
    view_hash: str | None = None
    response_url: str | None = None

    @classmethod
    def parse(cls, body: object, *, hosts: ResponseHosts | None = None) -> ButtonPress:
        raw = require_object(body, "button press")
        if raw.get("type") != "block_actions":
            raise BadPayload("not a block_actions payload")
        actions = raw.get("actions")
        if not isinstance(actions, list) or len(actions) != 1:
            raise BadPayload("a button press must name exactly one action")
        pressed = require_object(actions[0], "action")
        message = optional_object(raw, "message")
        channel = optional_object(raw, "channel")
        view = optional_object(raw, "view")
        url = optional_text(raw, "response_url", URL_CHARS)
        return cls(
            user_id=require_slack_id(require_object(raw.get("user"), "user"), "id"),
            trigger_id=require_token(raw, "trigger_id"),
            action_id=require_text(pressed, "action_id", ACTION_ID_CHARS),
            value=require_text(pressed, "value", VALUE_CHARS),
            action_ts=require_ts(pressed, "action_ts"),
            channel=require_channel(channel, "id") if channel is not None else None,
            message_ts=require_ts(message, "ts") if message is not None else None,
            thread_ts=optional_field(message, "thread_ts", require_ts)
            if message is not None
            else None,
            message_blocks=checked_blocks(message.get("blocks")) if message is not None else None,
            view_hash=optional_field(view, "hash", require_token) if view is not None else None,
            response_url=(hosts or ResponseHosts()).check(url) if url is not None else None,
        )

    @property
    def number(self) -> int:
        """The action or update id the button carries."""
        return parse_number(self.value, "button value")

    def rag(self, prefix: str, allowed: Sequence[Rag]) -> Rag:
        """The RAG a `prefix + rag` button names: only one of `allowed`."""
        return parse_rag(self.action_id.removeprefix(prefix), allowed)

    @property
    def thread(self) -> str | None:
        """Answers go in the pressed message's thread (or start one under it)."""
        return self.thread_ts or self.message_ts


@dataclass(frozen=True)
class ViewSubmission:
    """A view_submission: which view, who, its private_metadata, and its state values."""

    view_id: str
    view_hash: str
    user_id: str
    callback_id: str
    private_metadata: str
    values: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)

    @classmethod
    def parse(cls, body: object) -> ViewSubmission:
        raw = require_object(body, "view submission")
        if raw.get("type") != "view_submission":
            raise BadPayload("not a view_submission payload")
        view = require_object(raw.get("view"), "view")
        state = require_object(view.get("state"), "view state")
        return cls(
            view_id=require_slack_id(view, "id"),
            view_hash=require_token(view, "hash"),
            user_id=require_slack_id(require_object(raw.get("user"), "user"), "id"),
            callback_id=require_text(view, "callback_id", ID_CHARS),
            private_metadata=optional_text(view, "private_metadata", METADATA_CHARS) or "",
            values=checked_state_values(state.get("values")),
        )

    def element(self, block_id: str, action_id: str) -> Mapping[str, Any]:
        """One input's state ({} when not filled in)."""
        return self.values.get(block_id, {}).get(action_id, {})

    def selected(self, block_id: str, action_id: str) -> str | None:
        """A select's chosen option value."""
        option = self.element(block_id, action_id).get("selected_option")
        if option is None:
            return None
        return require_text(require_object(option, "selected option"), "value", VALUE_CHARS)

    def typed(self, block_id: str, action_id: str, limit: int) -> str:
        """A text input's words ('' when empty)."""
        return optional_text(self.element(block_id, action_id), "value", limit) or ""

    def picked_date(self, block_id: str, action_id: str) -> date | None:
        picked = optional_text(self.element(block_id, action_id), "selected_date", 10)
        return parse_date(picked) if picked else None

    def users(self, block_id: str, action_id: str, limit: int) -> tuple[str, ...]:
        chosen = self.element(block_id, action_id).get("selected_users")
        if chosen is None:
            return ()
        if not isinstance(chosen, list) or len(chosen) > limit:
            raise BadPayload("selected users is not a short list")
        return tuple(require_slack_id({"id": user}, "id") for user in chosen)
