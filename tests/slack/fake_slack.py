"""A real HTTP server on 127.0.0.1 standing in for Slack's Web API and response_urls.

As bolt-python's own tests do: the code under test talks HTTP to it, and tests assert on
the calls it recorded.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

MANIFEST = Path(__file__).resolve().parents[2] / "handlers" / "slack" / "manifest.yml"
BOT_USER_ID = "UBOTACTION"
BOT_ID = "BBOTACTION"
TEAM_ID = "T0COUNCIL"
WAIT_SECONDS = 10.0  # how long a test waits for a call before failing: generous for loaded CI


def manifest_scopes() -> list[str]:
    """The bot scopes handlers/slack/manifest.yml asks for: what a fresh install grants."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "bot:")
    scopes = []
    for line in lines[start + 1 :]:
        if not line.strip().startswith("- "):
            break
        scopes.append(line.strip().removeprefix("- "))
    return scopes


@dataclass
class Channel:
    """A conversation the stand-in knows: whether it is private, and whether the bot is in it."""

    id: str
    name: str
    private: bool = False
    member: bool = True
    archived: bool = False

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.private,
            "is_group": self.private,
            "is_private": self.private,
            "is_member": self.member,
            "is_archived": self.archived,
        }


@dataclass(frozen=True)
class Call:
    """One request the stand-in received, with the status it answered."""

    path: str
    params: dict[str, Any]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    answer: Any = None
    at: float = field(default_factory=time.perf_counter)

    @property
    def method(self) -> str:
        return self.path.removeprefix("/api/")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        raw = self.params.get("blocks") or []
        return json.loads(raw) if isinstance(raw, str) else list(raw)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")


class FakeSlack:
    """Records every call; answers the few Web API methods the bot uses.

    Its HTTP server answers each request in its own thread while the bot's listeners run in
    theirs, so everything shared is read and written under one lock (`_changed`), and what
    tests read are snapshots: `calls`, `answered()`, `history_of()`.
    """

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self.users_by_email: dict[str, str] = {}
        # What was posted, per channel, oldest first: conversations.history reads it back.
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.members: dict[str, list[str]] = {}
        self._failures: dict[str, list[int]] = {}
        self._refusals: dict[str, list[str]] = {}
        # Conversations it knows (add_channel): a post to one the bot isn't in is refused as
        # Slack refuses it. A channel it doesn't know takes every post, as it always did.
        self.channels: dict[str, Channel] = {}
        # What Slack says the token was granted (the x-oauth-scopes header of every answer);
        # a fresh install of the manifest by default. None: no header.
        self.scopes: list[str] | None = manifest_scopes()
        self._refused_tokens: dict[str, str] = {}
        self._request = threading.local()  # the headers of the request this thread answers
        self._ts = count(1)
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def calls(self) -> list[Call]:
        """Every request so far, oldest first: a copy, safe to read while calls arrive."""
        with self._changed:
            return list(self._calls)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail_once(self, method: str, status: int) -> None:
        """The next call to `method` gets `status` (429 comes with Retry-After: 1)."""
        with self._changed:
            self._failures.setdefault(method, []).append(status)

    def refuse_once(self, method: str, error: str) -> None:
        """The next call to `method` is answered `{"ok": false, "error": error}`, as Slack does."""
        with self._changed:
            self._refusals.setdefault(method, []).append(error)

    def refuse_token(self, token: str, error: str = "invalid_auth") -> None:
        """Every call made with `token` is answered `{"ok": false, "error": error}`."""
        with self._changed:
            self._refused_tokens[token] = error

    def add_channel(
        self, channel_id: str, name: str, *, private: bool = False, member: bool = True
    ) -> Channel:
        with self._changed:
            channel = self.channels[channel_id] = Channel(channel_id, name, private, member)
            return channel

    # -- what tests read -------------------------------------------------------------------

    def answered(self, method: str) -> list[Call]:
        """Calls to a Web API method (or "respond") that were answered 200."""
        with self._changed:
            return [c for c in self._calls if c.method == method and c.status == 200]

    def responses(self) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if c.path.startswith("/respond/")]

    def attempts(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if c.method == method]

    def history_of(self, channel: str) -> list[dict[str, Any]]:
        """The channel's messages as Slack holds them now (edits applied), oldest first: copies."""
        with self._changed:
            return copy.deepcopy(self.history.get(channel, []))

    def wait_for(
        self, found: Callable[[], list[Call]], *, n: int = 1, timeout: float = WAIT_SECONDS
    ) -> Call:
        """Wait until `found()` holds at least n calls; the nth is returned.

        Woken by every call recorded; the deadline is generous for a loaded CI machine.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                calls = found()
                if len(calls) >= n:
                    return calls[n - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {timeout:g} s waiting for {n} call(s); got {self._calls}"
                    )
                self._changed.wait(left)

    # -- serving -----------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        """Subclasses wrap this (tests/schedules/test_crash.py): its signature stays as it is;
        the request's headers come through `_request`, per server thread."""
        headers = getattr(self._request, "headers", {})
        status, answer_headers, body = self._answer_call(path, params, headers)
        if path.startswith("/api/") and self.scopes is not None:
            answer_headers = {**answer_headers, "x-oauth-scopes": ",".join(self.scopes)}
        return status, answer_headers, body

    def _answer_call(
        self, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        method = path.removeprefix("/api/")
        failure: int | None = None
        refusal: str | None = None
        token = _bearer(headers) or str(params.get("token") or "")
        with self._changed:  # two concurrent calls must not both take the one failure
            if self._failures.get(method):
                failure = self._failures[method].pop(0)
            elif self._refusals.get(method):
                refusal = self._refusals[method].pop(0)
            elif token in self._refused_tokens and path.startswith("/api/"):
                refusal = self._refused_tokens[token]
        if failure is not None:
            headers = {"Retry-After": "1"} if failure == 429 else {}
            return failure, headers, {"ok": False, "error": "ratelimited"}
        if refusal is not None:
            return 200, {}, {"ok": False, "error": refusal}
        if path.startswith("/respond/"):
            return 200, {}, "ok"
        handler = _METHODS.get(method)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, handler(self, params)

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        with self._changed:
            known = self.channels.get(channel)
            if known is not None and not known.member:
                return {
                    "ok": False,
                    "error": "channel_not_found" if known.private else "not_in_channel",
                }
        if channel.startswith(("U", "W")):
            channel = "D" + channel[1:]
        message: dict[str, Any] = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID}
        message["text"] = str(params.get("text") or "")
        message["blocks"] = params.get("blocks") or []
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if params.get("metadata"):
            message["metadata"] = params["metadata"]
        with self._changed:
            ts = f"1700000000.{next(self._ts):06d}"
            message["ts"] = ts
            self.history.setdefault(channel, []).append(message)
            # The answer is what Slack sent back then: a copy, which later edits don't touch.
            return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, as Slack answers; metadata only when include_all_metadata is asked."""
        channel = str(params.get("channel", ""))
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        latest = str(params.get("latest") or "9999999999.999999")
        with self._changed:
            kept = [m for m in self.history.get(channel, []) if m["ts"] <= latest]
            posted = list(reversed(kept))[:limit]
        messages = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in posted
        ]
        return {"ok": True, "messages": messages, "has_more": False}

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        with self._changed:
            members = list(self.members.get(channel, []))
        return {"ok": True, "members": members, "response_metadata": {}}

    def _conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        """A public channel is joined; a private one (or one it doesn't know) can't be."""
        with self._changed:
            known = self.channels.get(str(params.get("channel", "")))
            if known is None:
                return {"ok": False, "error": "channel_not_found"}
            if known.private:
                return {"ok": False, "error": "method_not_supported_for_channel_type"}
            was_member, known.member = known.member, True
            answer: dict[str, Any] = {"ok": True, "channel": known.info()}
        if was_member:
            answer["already_in_channel"] = True
        return answer

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """A private channel the bot is not in is invisible to it, as in Slack."""
        with self._changed:
            known = self.channels.get(str(params.get("channel", "")))
            if known is None or (known.private and not known.member):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": known.info()}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        with self._changed:
            for message in self.history.get(channel, []):
                if message["ts"] == ts:
                    message.update(text=params.get("text") or "", blocks=params.get("blocks") or [])
        return {"ok": True, "channel": channel, "ts": ts, "text": str(params.get("text") or "")}

    def _views(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view") or {}
        if isinstance(view, str):
            view = json.loads(view)
        with self._changed:
            view_id = f"V{next(self._ts):08d}"
        return {"ok": True, "view": {"id": view_id, **view}}

    def _lookup(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._changed:
            user_id = self.users_by_email.get(str(params.get("email", "")).lower())
        if user_id is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": user_id, "team_id": TEAM_ID, "tz": "Europe/London"}}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                path, _, query = self.path.partition("?")
                params = dict(parse_qsl(query))
                params.update(_parse(self.headers.get("Content-Type", ""), self.rfile.read(length)))
                self._handle(path, params)

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                self._handle(path, dict(parse_qsl(query)))

            def _handle(self, path: str, params: dict[str, Any]) -> None:
                fake._request.headers = dict(self.headers.items())
                status, headers, body = fake._answer(path, params)
                fake._record(Call(path, params, status, dict(self.headers.items()), body))
                self._reply(status, headers, body)

            def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
                text = body if isinstance(body, str) else json.dumps(body)
                data = text.encode()
                self.send_response(status)
                kind = "text/plain" if isinstance(body, str) else "application/json"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def _auth_test(_fake: FakeSlack, _params: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://council.slack.com/",
        "team": "Council",
        "user": "actionbot",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
    }


def _connections_open(_fake: FakeSlack, _params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "url": "wss://wss-primary.slack.com/link/?ticket=test&app_id=A0ACTIONBOT"}


def _bearer(headers: dict[str, str]) -> str:
    found = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return found.removeprefix("Bearer ").strip()


def _conversations_open(_fake: FakeSlack, params: dict[str, Any]) -> dict[str, Any]:
    users = str(params.get("users", ""))
    return {"ok": True, "channel": {"id": "D" + users[1:]}}


_METHODS: dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": _auth_test,
    "chat.postMessage": FakeSlack._post_message,
    "users.lookupByEmail": FakeSlack._lookup,
    "conversations.open": _conversations_open,
    "conversations.history": FakeSlack._conversations_history,
    "conversations.members": FakeSlack._conversations_members,
    "conversations.join": FakeSlack._conversations_join,
    "conversations.info": FakeSlack._conversations_info,
    "apps.connections.open": _connections_open,
    "chat.update": FakeSlack._chat_update,
    "views.publish": FakeSlack._views,
    "views.open": FakeSlack._views,
}


def _parse(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        parsed: dict[str, Any] = json.loads(body)
        return parsed
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


@contextmanager
def running() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()


# --- Slack's other side: signed requests to the app, shaped exactly as Slack sends them ---------


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    seconds: float
    started: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


class SlackSender:
    """Signs each body with the app's signing secret, as Slack does, and POSTs it."""

    def __init__(self, events_url: str, signing_secret: str, *, response_base: str) -> None:
        self.events_url = events_url
        self.verifier = SignatureVerifier(signing_secret)
        self.response_base = response_base
        self._ids = count(1)

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signed = signature or str(self.verifier.generate_signature(timestamp=stamp, body=body))
        request = urllib.request.Request(
            self.events_url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signed,
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                **(headers or {}),
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return Response(answer.status, answer.read().decode(), _since(started), started)
        except urllib.error.HTTPError as refused:
            return Response(refused.code, refused.read().decode(), _since(started), started)

    def command(self, text: str, *, user_id: str, channel_id: str = "C0BOARD") -> Response:
        """A slash command, form-encoded, field for field as Slack sends `/rag`."""
        n = next(self._ids)
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "council",
            "channel_id": channel_id,
            "channel_name": "improvement-board",
            "user_id": user_id,
            "user_name": "chair",
            "command": "/rag",
            "text": text,
            "api_app_id": "A0ACTIONBOT",
            "is_enterprise_install": "false",
            "response_url": f"{self.response_base}/respond/T0COUNCIL/{n}/hook{n}",
            "trigger_id": f"{n}.1700000000.abcdef{n}",
        }
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> Response:
        """An Events API event_callback around `event`."""
        body = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "context_team_id": TEAM_ID,
            "api_app_id": "A0ACTIONBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev0{next(self._ids):08d}",
            "event_time": int(float(event.get("event_ts", time.time()))),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(body), "application/json", headers=headers)

    def direct_message(
        self, text: str, *, user: str, thread_ts: str | None = None, channel: str | None = None
    ) -> dict[str, Any]:
        """A person's message in their DM with the bot, as a `message.im` event."""
        ts = f"1700100000.{next(self._ids):06d}"
        event: dict[str, Any] = {
            "user": user,
            "type": "message",
            "ts": ts,
            "client_msg_id": str(uuid.uuid4()),
            "text": text,
            "team": TEAM_ID,
            "blocks": [_rich_text(text)],
            "channel": channel or "D" + user[1:],
            "event_ts": ts,
            "channel_type": "im",
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
            event["parent_user_id"] = BOT_USER_ID
        return event

    def mention(self, text: str, *, user: str, channel: str = "C0BOARD") -> dict[str, Any]:
        ts = f"1700200000.{next(self._ids):06d}"
        return {
            "user": user,
            "type": "app_mention",
            "ts": ts,
            "client_msg_id": str(uuid.uuid4()),
            "text": f"<@{BOT_USER_ID}> {text}",
            "team": TEAM_ID,
            "blocks": [_rich_text(text)],
            "channel": channel,
            "event_ts": ts,
        }

    def interactive(self, payload: dict[str, Any]) -> Response:
        """Interactivity payloads arrive form-encoded, as one `payload` field of JSON."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def block_actions(
        self,
        *,
        user: str,
        message: dict[str, Any],
        channel: str,
        action_id: str,
        value: str,
        action_ts: str | None = None,
    ) -> dict[str, Any]:
        """A button press on a message the bot posted, shaped as Slack documents block_actions."""
        n = next(self._ids)
        block_id = next(
            (b["block_id"] for b in message.get("blocks", []) if b.get("type") == "actions"), "b1"
        )
        pressed = {
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": action_id, "emoji": True},
            "value": value,
            "type": "button",
            "action_ts": action_ts or f"1700300000.{n:06d}",
        }
        return {
            "type": "block_actions",
            "user": _user(user),
            "api_app_id": "A0ACTIONBOT",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": f"{n}.1700000000.trigger{n}",
            "team": {"id": TEAM_ID, "domain": "council"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "directmessage"},
            "message": message,
            "state": {"values": {}},
            "response_url": f"{self.response_base}/respond/actions/{TEAM_ID}/{n}/hook{n}",
            "actions": [pressed],
        }

    def home_press(
        self, *, user: str, view: dict[str, Any], action_id: str, value: str
    ) -> dict[str, Any]:
        """A button pressed in the App Home: container and view instead of channel and message."""
        n = next(self._ids)
        shown = {
            **view,
            "id": view.get("id") or f"V0HOME{n:04d}",
            "team_id": TEAM_ID,
            "hash": f"1700000000.home{n}",
            "state": {"values": {}},
        }
        pressed = {
            "action_id": action_id,
            "block_id": f"tap:{value}",
            "text": {"type": "plain_text", "text": action_id, "emoji": True},
            "value": value,
            "type": "button",
            "action_ts": f"1700500000.{n:06d}",
        }
        return {
            "type": "block_actions",
            "user": _user(user),
            "api_app_id": "A0ACTIONBOT",
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": shown["id"]},
            "trigger_id": f"{n}.1700000000.trigger{n}",
            "team": {"id": TEAM_ID, "domain": "council"},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": shown,
            "actions": [pressed],
        }

    def app_home_opened(self, user: str) -> dict[str, Any]:
        ts = f"1700600000.{next(self._ids):06d}"
        return {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user[1:],
            "tab": "home",
            "event_ts": ts,
        }

    def view_submission(
        self, *, user: str, view: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, Any]:
        """The modal the bot opened, submitted with `values` as view.state.values."""
        n = next(self._ids)
        submitted = {
            **view,
            "id": view.get("id") or f"V0FORM{n:04d}",
            "team_id": TEAM_ID,
            "state": {"values": values},
            "hash": f"1700000000.hash{n}",
            "previous_view_id": None,
            "root_view_id": view.get("id") or f"V0FORM{n:04d}",
            "app_id": "A0ACTIONBOT",
            "external_id": "",
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        return {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "council"},
            "user": _user(user),
            "api_app_id": "A0ACTIONBOT",
            "token": "legacy-verification-token",
            "trigger_id": f"{n}.1700000000.trigger{n}",
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }


def _user(user: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


def _rich_text(text: str) -> dict[str, Any]:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {"type": "rich_text", "block_id": "b1", "elements": [section]}


def _since(started: float) -> float:
    return time.perf_counter() - started
