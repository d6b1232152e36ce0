"""1,000 reminders to a local Slack stand-in that allows one message a second per channel.

The stand-in answers 429 with Retry-After: 1 when a channel is posted to within a second of
its last accepted message, as Slack's chat.postMessage limit does. 1,000 actions are due,
owned by 250 people (4 each, names from the seed plans), so each DM must take 4 messages:
the envelope is about 3 s (4 messages a channel, one a second). Runs the real Dispatcher
and SlackNotifier, first unpaced (sequential, retrying 429s), then paced in waves.

Run: python bench/slack_delivery.py [--actions 1000] [--owners 250]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

from sqlalchemy import insert

from bot.clock import ManualClock
from bot.config import Settings
from handlers.slack.app import make_client
from handlers.slack.notifier import SlackNotifier
from schedules.dispatch import Dispatcher
from schedules.pacing import PacedNotifier
from storage.db import Database
from storage.models import Action, ActionOwner, Board, ChatIdentity, Person

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class RateLimitedSlack(ThreadingHTTPServer):
    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.lock = threading.Lock()
        self.last: dict[str, float] = {}
        self.accepted: Counter[tuple[str, str]] = Counter()
        self.limited = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/"


class _Handler(BaseHTTPRequestHandler):
    server: RateLimitedSlack

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        params = json.loads(body) if body.startswith("{") else dict(parse_qsl(body))
        time.sleep(self.server.latency)
        if not self.path.endswith("chat.postMessage"):
            self._json(200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT"})
            return
        channel = str(params["channel"])
        with self.server.lock:
            now = time.monotonic()
            limited = now - self.server.last.get(channel, -10.0) < 1.0
            if limited:
                self.server.limited += 1
            else:
                self.server.last[channel] = now
                self.server.accepted[(channel, str(params.get("text", ""))[:80])] += 1
        if limited:
            self._json(429, {"ok": False, "error": "ratelimited"}, retry_after=1)
        else:
            self._json(200, {"ok": True, "channel": "D" + channel, "ts": f"{now:.6f}"})

    def _json(self, status: int, answer: dict[str, object], retry_after: int = 0) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if retry_after:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


def build(db: Database, actions: int, owners: int) -> None:
    from sweep_scale import seed_rows  # the real seed actions, as in the sweep benchmark

    rows = seed_rows()
    names = sorted({o.name for r in rows for o in r.owners})
    review = NOW.date() + timedelta(days=4)
    with db.session() as session:
        session.execute(insert(Board), [{"id": 1, "name": "Bench board", "created_at": NOW}])
        session.execute(
            insert(Person),
            [
                {
                    "id": i + 1,
                    "name": f"{names[i % len(names)]} {i + 1}",
                    "name_key": f"p{i + 1}",
                    "role": "",
                    "created_at": NOW,
                }
                for i in range(owners)
            ],
        )
        session.execute(
            insert(ChatIdentity),
            [
                {"person_id": i + 1, "platform": "slack", "external_id": f"U{i + 1:05d}"}
                for i in range(owners)
            ],
        )
        session.execute(
            insert(Action),
            [
                {
                    "id": i + 1,
                    "board_id": 1,
                    "ref": str(i + 1),
                    "title": rows[i % len(rows)].title,
                    "review_date": review,
                    "rag": "amber",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(actions)
            ],
        )
        session.execute(
            insert(ActionOwner),
            [{"action_id": i + 1, "person_id": i % owners + 1} for i in range(actions)],
        )


def run(label: str, args: argparse.Namespace, *, paced: bool, workers: int) -> None:
    actions, owners = args.actions, args.owners
    server = RateLimitedSlack(args.latency)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.connect(f"sqlite:///{Path(tmp) / 'bench.db'}")
        build(db, actions, owners)
        settings = Settings(
            slack_bot_token="xoxb-bench", slack_signing_secret="s", slack_api_url=server.url
        )
        slack = SlackNotifier(make_client(settings))
        notifier = PacedNotifier(slack) if paced else slack
        dispatcher = Dispatcher(
            db=db, clock=ManualClock(NOW), notifier=notifier, send_workers=workers
        )
        started = time.perf_counter()
        result = dispatcher.send_due_reminders()
        while result.failed:  # what failed stays claimed; a later sweep takes it over
            dispatcher.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
            result = dispatcher.send_due_reminders()
        elapsed = time.perf_counter() - started
        db.dispose()
    server.shutdown()
    delivered = len(server.accepted)
    doubles = sum(n - 1 for n in server.accepted.values() if n > 1)
    print(
        f"{label:<28} {elapsed:7.1f} s  {delivered / elapsed:7.1f} msg/s  delivered "
        f"{delivered}/{actions}  lost {actions - delivered}  doubled {doubles}  "
        f"429s {server.limited}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--owners", type=int, default=250)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per Web API call")
    args = parser.parse_args()
    per = -(-args.actions // args.owners)
    print(
        f"{args.actions} reminders to {args.owners} owners, {args.latency * 1000:.0f} ms a "
        f"call; envelope ≈ {per - 1} s ({per} per DM at 1 msg/s/channel)"
    )
    run("1 sender, unpaced", args, paced=False, workers=1)
    run("1 sender, waves + pacing", args, paced=True, workers=1)
    run("4 senders, waves + pacing", args, paced=True, workers=4)
    run("8 senders, waves + pacing", args, paced=True, workers=8)


if __name__ == "__main__":
    main()
