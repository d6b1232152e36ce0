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
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.domain.rag import Rag

log = logging.getLogger(__name__)

ID_CHARS = 64
TEXT_CHARS = 40_000
ACTION_ID_CHARS = 255  # Slack's limit on a block element's action_id
VALUE_CHARS = 2000  # Slack's limit on a button's value
METADATA_CHARS = 3000  # Slack's limit on a view's private_metadata
URL_CHARS = 1000
MAX_BLOCKS = 50  # Slack's limit on blocks in a message
MAX_FORM_BLOCKS = 100  # Slack's limit on blocks in a modal
MAX_NUMBER = 2**31 - 1
STALE_BUTTON = "That button is out of date or wasn't one of mine — nothing was changed."
STALE_FORM = "This form is out of date or wasn't one of mine — nothing was changed. Press Cancel."

_SLACK_ID = re.compile(r"[A-Z0-9][A-Z0-9_]{0,63}")
_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{1,63}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")
_TOKEN = re.compile(r"[A-Za-z0-9_.\-:]{1,64}")  # trigger ids, view hashes, event ids
_NUMBER = re.compile(r"[1-9][0-9]{0,9}")  # 1..9_999_999_999; bounded again after int()
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SLACK_HOOKS = "hooks.slack.com"
FORM = "application/x-www-form-urlencoded"
KIND_CHARS = 32


class BadPayload(Exception):  # noqa: N818 - the name the handlers and tests speak
    """A payload that isn't one we sent or Slack documents; `reason` never quotes the body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
        raw = _object(body, "command")
        return cls(
            user_id=_slack_id(raw, "user_id"),
            channel_id=_channel(raw, "channel_id"),
            text=_maybe_text(raw, "text", TEXT_CHARS) or "",
            trigger_id=_token(raw, "trigger_id"),
            response_url=(hosts or ResponseHosts()).check(_text(raw, "response_url", URL_CHARS)),
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
        envelope = _object(body, "body")
        raw = _object(envelope.get("event"), "event")
        kind = _text(raw, "type", ID_CHARS)
        if kind not in ("message", "app_mention"):
            raise BadPayload("event is not a message")
        text = _maybe_text(raw, "text", TEXT_CHARS) or ""
        return cls(
            type=kind,
            channel=_channel(raw, "channel"),
            ts=_ts(raw, "ts"),
            text=text,
            user=_optional(raw, "user", _slack_id),
            thread_ts=_optional(raw, "thread_ts", _ts),
            channel_type=_maybe_text(raw, "channel_type", ID_CHARS),
            subtype=_maybe_text(raw, "subtype", ID_CHARS),
            bot_id=_optional(raw, "bot_id", _slack_id),
            event_id=_optional(envelope, "event_id", _token),
            blocks=None if text else _blocks(raw.get("blocks")),
        )


@dataclass(frozen=True)
class HomeOpened:
    """An `app_home_opened` event (Bolt hands listeners the event itself); `tab` is "home"
    for the Home tab and "messages" for the Messages tab."""

    user_id: str
    tab: str = "home"

    @classmethod
    def parse(cls, event: object) -> HomeOpened:
        raw = _object(event, "event")
        if raw.get("type") not in (None, "app_home_opened"):
            raise BadPayload("event is not app_home_opened")
        return cls(user_id=_slack_id(raw, "user"), tab=_maybe_text(raw, "tab", ID_CHARS) or "home")


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
        raw = _object(body, "button press")
        if raw.get("type") != "block_actions":
            raise BadPayload("not a block_actions payload")
        actions = raw.get("actions")
        if not isinstance(actions, list) or len(actions) != 1:
            raise BadPayload("a button press must name exactly one action")
        pressed = _object(actions[0], "action")
        message = _optional_object(raw, "message")
        channel = _optional_object(raw, "channel")
        view = _optional_object(raw, "view")
        url = _maybe_text(raw, "response_url", URL_CHARS)
        return cls(
            user_id=_slack_id(_object(raw.get("user"), "user"), "id"),
            trigger_id=_token(raw, "trigger_id"),
            action_id=_text(pressed, "action_id", ACTION_ID_CHARS),
            value=_text(pressed, "value", VALUE_CHARS),
            action_ts=_ts(pressed, "action_ts"),
            channel=_channel(channel, "id") if channel is not None else None,
            message_ts=_ts(message, "ts") if message is not None else None,
            thread_ts=_optional(message, "thread_ts", _ts) if message is not None else None,
            message_blocks=_blocks(message.get("blocks")) if message is not None else None,
            view_hash=_optional(view, "hash", _token) if view is not None else None,
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
        raw = _object(body, "view submission")
        if raw.get("type") != "view_submission":
            raise BadPayload("not a view_submission payload")
        view = _object(raw.get("view"), "view")
        state = _object(view.get("state"), "view state")
        return cls(
            view_id=_slack_id(view, "id"),
            view_hash=_token(view, "hash"),
            user_id=_slack_id(_object(raw.get("user"), "user"), "id"),
            callback_id=_text(view, "callback_id", ID_CHARS),
            private_metadata=_maybe_text(view, "private_metadata", METADATA_CHARS) or "",
            values=_state_values(state.get("values")),
        )

    def element(self, block_id: str, action_id: str) -> Mapping[str, Any]:
        """One input's state ({} when not filled in)."""
        return self.values.get(block_id, {}).get(action_id, {})

    def selected(self, block_id: str, action_id: str) -> str | None:
        """A select's chosen option value."""
        option = self.element(block_id, action_id).get("selected_option")
        if option is None:
            return None
        return _text(_object(option, "selected option"), "value", VALUE_CHARS)

    def typed(self, block_id: str, action_id: str, limit: int) -> str:
        """A text input's words ('' when empty)."""
        return _maybe_text(self.element(block_id, action_id), "value", limit) or ""

    def picked_date(self, block_id: str, action_id: str) -> date | None:
        picked = _maybe_text(self.element(block_id, action_id), "selected_date", 10)
        return parse_date(picked) if picked else None

    def users(self, block_id: str, action_id: str, limit: int) -> tuple[str, ...]:
        chosen = self.element(block_id, action_id).get("selected_users")
        if chosen is None:
            return ()
        if not isinstance(chosen, list) or len(chosen) > limit:
            raise BadPayload("selected users is not a short list")
        return tuple(_slack_id({"id": user}, "id") for user in chosen)


# -- values ----------------------------------------------------------------------------------


def parse_number(text: str, what: str) -> int:
    """A whole number in 1..2**31-1 from its decimal digits; never a huge int, sign or float."""
    if not (isinstance(text, str) and _NUMBER.fullmatch(text)):
        raise BadPayload(f"{what} is not a whole number in range")
    number = int(text)  # at most ten digits, by the pattern
    if number > MAX_NUMBER:
        raise BadPayload(f"{what} is not a whole number in range")
    return number


def parse_rag(text: str, allowed: Sequence[Rag]) -> Rag:
    for rag in allowed:
        if text == rag.value:
            return rag
    raise BadPayload("not a RAG this button offers")


def parse_date(text: str) -> date:
    if not _ISO_DATE.fullmatch(text):
        raise BadPayload("date is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadPayload("date is not a real day") from None


def is_channel_id(text: object) -> bool:
    return isinstance(text, str) and _CHANNEL_ID.fullmatch(text) is not None


def is_ts(text: object) -> bool:
    return isinstance(text, str) and _TS.fullmatch(text) is not None


def is_slack_id(text: object) -> bool:
    return isinstance(text, str) and _SLACK_ID.fullmatch(text) is not None


# -- field checks ----------------------------------------------------------------------------


def _object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BadPayload(f"{what} is not an object")
    return value


def _optional_object(raw: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = raw.get(key)
    return None if value is None else _object(value, key)


def _text(raw: Mapping[str, Any], key: str, limit: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise BadPayload(f"{key} is missing or not text")
    if len(value) > limit:
        raise BadPayload(f"{key} is longer than {limit} characters")
    return value


def _maybe_text(raw: Mapping[str, Any], key: str, limit: int) -> str | None:
    return None if raw.get(key) is None else _text(raw, key, limit)


def _checked(raw: Mapping[str, Any], key: str, pattern: re.Pattern[str], what: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise BadPayload(f"{key} is missing or not {what}")
    return value


def _slack_id(raw: Mapping[str, Any], key: str) -> str:
    return _checked(raw, key, _SLACK_ID, "a Slack id")


def _channel(raw: Mapping[str, Any], key: str) -> str:
    return _checked(raw, key, _CHANNEL_ID, "a Slack channel id")


def _ts(raw: Mapping[str, Any], key: str) -> str:
    return _checked(raw, key, _TS, "a message timestamp")


def _token(raw: Mapping[str, Any], key: str) -> str:
    return _checked(raw, key, _TOKEN, "a Slack token")


def _optional(
    raw: Mapping[str, Any], key: str, check: Callable[[Mapping[str, Any], str], str]
) -> str | None:
    return None if raw.get(key) is None else check(raw, key)


def _blocks(value: object) -> tuple[dict[str, Any], ...] | None:
    """A message's blocks, as far as settling it reads them: objects with a type."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_BLOCKS:
        raise BadPayload("message blocks are not a short list")
    for block in value:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise BadPayload("a message block is malformed")
        elements = block.get("elements")
        if elements is not None and not (
            isinstance(elements, list) and all(isinstance(e, dict) for e in elements)
        ):
            raise BadPayload("a message block's elements are malformed")
    return tuple(value)


def _state_values(value: object) -> dict[str, dict[str, dict[str, Any]]]:
    """view.state.values: block id → action id → the element's state, all objects."""
    if value is None:
        return {}
    raw = _object(value, "state values")
    if len(raw) > MAX_FORM_BLOCKS:
        raise BadPayload("the form has too many blocks")
    checked: dict[str, dict[str, dict[str, Any]]] = {}
    for block_id, elements in raw.items():
        inputs = _object(elements, "a form block")
        if len(block_id) > ACTION_ID_CHARS or len(inputs) > MAX_FORM_BLOCKS:
            raise BadPayload("a form block is malformed")
        checked[block_id] = {}
        for action_id, state in inputs.items():
            if len(action_id) > ACTION_ID_CHARS:
                raise BadPayload("a form input is malformed")
            checked[block_id][action_id] = dict(_object(state, "a form input"))
    return checked
