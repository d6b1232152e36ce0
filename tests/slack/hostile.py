"""Hostile requests for Slack's endpoint, from a seeded generator: shapes, sizes, signatures.

Used by tests/slack/test_fuzz.py (thousands of requests) and bench/fuzz_edge.py (more, with
memory figures). Every request is built to be refused or answered, never to change the plan:
signed ones come from people nobody linked, or carry words with no update in them.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import random
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.signature import SignatureVerifier

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Hostile:
    kind: str
    body: bytes
    headers: dict[str, str]


class HostileRequests:
    def __init__(self, secret: str, *, seed: int, linked_user: str) -> None:
        self.random = random.Random(seed)
        self.secret = secret.encode()
        self.wrong = SignatureVerifier(secret + "-not")
        self.linked_user = linked_user
        self.makers: list[Callable[[], Hostile]] = [
            self.unsigned_bytes,
            self.wrong_secret,
            self.malformed_timestamp,
            self.stale,
            self.junk_event,
            self.deep_json,
            self.huge_string,
            self.many_fields,
            self.bad_payload_json,
            self.junk_action,
            self.junk_view,
            self.junk_command,
            self.not_utf8,
            self.nonsense_from_owner,
        ]

    def next(self) -> Hostile:
        return self.random.choice(self.makers)()

    # -- building blocks -----------------------------------------------------------------------

    def _signed(self, kind: str, body: bytes, content_type: str, *, age: int = 0) -> Hostile:
        stamp = str(int(time.time()) - age)
        base = b"v0:" + stamp.encode() + b":" + body
        signature = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        return Hostile(kind, body, headers)

    def _junk(self, depth: int = 0) -> object:
        r = self.random
        choice = r.randrange(9 if depth < 3 else 6)
        return [
            lambda: None,
            lambda: r.choice([True, False]),
            lambda: r.randint(-(2**70), 2**70),
            lambda: r.random() * 1e308,
            lambda: self._text(r.randrange(0, 60)),
            lambda: "9" * r.randrange(1, 5000),
            lambda: [self._junk(depth + 1) for _ in range(r.randrange(4))],
            lambda: {self._text(5): self._junk(depth + 1) for _ in range(r.randrange(4))},
            lambda: r.choice(["purple", "-1", "1e9", "", "🟢", "\u202e", "\x00"]),
        ][choice]()

    def _text(self, n: int) -> str:
        alphabet = "abc XYZ019<>&;'\"\\/\n\r\t\x00\u202e\u200b🟢💥é"
        return "".join(self.random.choice(alphabet) for _ in range(n))

    def _user(self) -> object:
        r = self.random
        return r.choice([f"UNOBODY{r.randrange(10**6)}", None, 7, {"id": []}, "", "U" * 500])

    # -- the makers ----------------------------------------------------------------------------

    def unsigned_bytes(self) -> Hostile:
        body = self.random.randbytes(self.random.randrange(0, 3000))
        content_type = self.random.choice([JSON, FORM, "text/plain", ""])
        return Hostile("unsigned", body, {"Content-Type": content_type})

    def wrong_secret(self) -> Hostile:
        body = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {}}).encode()
        stamp = str(int(time.time()))
        signature = str(self.wrong.generate_signature(timestamp=stamp, body=body))
        headers = {
            "Content-Type": JSON,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        return Hostile("wrong secret", body, headers)

    def malformed_timestamp(self) -> Hostile:
        stamp = self.random.choice(["", "abc", "1e10", "-1", "9" * 40, "١٢٣", " 12", "0x10"])
        stamp = stamp.encode().decode("latin-1")  # as raw bytes on the wire
        headers = {"Content-Type": JSON, "X-Slack-Request-Timestamp": stamp}
        if self.random.random() < 0.5:
            headers["X-Slack-Signature"] = "v0=" + "0" * 64
        return Hostile("malformed timestamp", b'{"type": "url_verification"}', headers)

    def stale(self) -> Hostile:
        body = json.dumps({"type": "url_verification", "challenge": "x"}).encode()
        return self._signed("stale", body, JSON, age=self.random.randrange(301, 10**6))

    def junk_event(self) -> Hostile:
        event = {
            "type": self.random.choice(["message", "app_mention", "app_home_opened", 5, None]),
            "user": self._user(),
            "channel": self._junk(),
            "channel_type": self.random.choice(["im", "channel", 3]),
            "text": self._junk(),
            "ts": self._junk(),
            "thread_ts": self._junk(),
            "blocks": self._junk(),
        }
        envelope = {
            "type": "event_callback",
            "event_id": self.random.choice([f"EvF{self.random.randrange(10**9)}", 7, None]),
            "team_id": self._junk(),
            "event": self.random.choice([event, event, [], "x", None]),
        }
        return self._signed("junk event", json.dumps(envelope).encode(), JSON)

    def deep_json(self) -> Hostile:
        depth = self.random.choice([40, 500, 100_000])
        body = ("[" * depth + "]" * depth).encode()
        if self.random.random() < 0.5:
            body = '{"type": "event_callback", "event": ' + '{"a": ' * depth + "1" + "}" * depth
            body = (body + "}").encode()
        return self._signed("deep JSON", body, JSON)

    def huge_string(self) -> Hostile:
        size = self.random.choice([50_000, 400_000, 990_000])
        text = "x" * size
        event = {"type": "message", "user": self._user(), "text": text, "channel": "D1"}
        envelope = {"type": "event_callback", "event_id": f"EvH{size}", "event": event}
        return self._signed("huge string", json.dumps(envelope).encode(), JSON)

    def many_fields(self) -> Hostile:
        fields = {f"f{i}": "x" for i in range(self.random.choice([150, 5000]))}
        return self._signed("many fields", urllib.parse.urlencode(fields).encode(), FORM)

    def bad_payload_json(self) -> Hostile:
        payload = self.random.choice(["{", "[]", "null", '"x"', "{" * 3000, '{"type": 1}'])
        body = urllib.parse.urlencode({"payload": payload}).encode()
        return self._signed("bad payload JSON", body, FORM)

    def junk_action(self) -> Hostile:
        action = {
            "action_id": self.random.choice(["rag:purple", "rag:red", "snooze", "undo", 5, None]),
            "value": self.random.choice(["9" * 5000, "-1", "1e9", "abc", None, 12, ""]),
            "action_ts": self._junk(),
        }
        payload = {
            "type": "block_actions",
            "user": self.random.choice([{"id": self._user()}, "U1", None]),
            "trigger_id": self.random.choice([f"tr{self.random.randrange(10**9)}", None, 4]),
            "actions": self.random.choice([[action], [], "x", [None]]),
            "channel": self._junk(),
            "message": self._junk(),
            "response_url": self.random.choice(
                ["http://127.0.0.2:9/evil", "https://evil.example/hook", self._junk()]
            ),
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self._signed("junk button", body, FORM)

    def junk_view(self) -> Hostile:
        view = {
            "id": self.random.choice([f"V{self.random.randrange(10**9)}", None]),
            "hash": self._junk(),
            "callback_id": self.random.choice(["update_form", "admin_form", "x"]),
            "private_metadata": self.random.choice(
                ['{"action_id": 1, "channel": "C0EVIL"}', "junk", self._text(40), ""]
            ),
            "state": {"values": self._junk()},
        }
        payload = {"type": "view_submission", "user": {"id": self._user()}, "view": view}
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self._signed("junk form", body, FORM)

    def junk_command(self) -> Hostile:
        form = {
            "command": self.random.choice(["/rag", "/other", ""]),
            "text": self._text(self.random.randrange(0, 200)),
            "user_id": self.random.choice([f"UNOBODY{self.random.randrange(10**6)}", ""]),
            "channel_id": self.random.choice(["C0BOARD", "", "x" * 300]),
            "trigger_id": self.random.choice([f"t{self.random.randrange(10**9)}", ""]),
            "response_url": self.random.choice(["http://127.0.0.2:9/evil", "ftp://x", ""]),
        }
        return self._signed("junk command", urllib.parse.urlencode(form).encode(), FORM)

    def not_utf8(self) -> Hostile:
        return self._signed("not UTF-8", b'{"type": "\xff\xfe"}', JSON)

    def nonsense_from_owner(self) -> Hostile:
        """A linked owner, in their DM, with words that hold no update."""
        text = self.random.choice(["???", "🙂🙂", "...", "- - -", "<script>x</script>", "'; --"])
        event = {
            "type": "message",
            "user": self.linked_user,
            "text": text,
            "channel": "D" + self.linked_user[1:],
            "channel_type": "im",
            "ts": f"1700.{self.random.randrange(10**6)}",
        }
        envelope = {
            "type": "event_callback",
            "event_id": f"EvN{self.random.randrange(10**12)}",
            "event": event,
        }
        return self._signed("nonsense from an owner", json.dumps(envelope).encode(), JSON)


def send(connection: http.client.HTTPConnection, request: Hostile) -> int:
    """One request on a kept-alive connection; the status, or 0 when the server hung up."""
    try:
        connection.request("POST", "/slack/events", body=request.body, headers=request.headers)
        answer = connection.getresponse()
        answer.read()
        if answer.getheader("Connection", "").lower() == "close":
            connection.close()
        return answer.status
    except (http.client.HTTPException, OSError):
        connection.close()
        return 0
