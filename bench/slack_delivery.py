"""1,000 reminders to a Slack stand-in that allows one message a second per conversation.

The stand-in runs in its own process (Slack's CPU is not ours) and answers 429 with
Retry-After: 1 when a conversation is posted to within a second of its last accepted
message, as Slack's chat.postMessage limit does. It also answers conversations.open and
conversations.history, so a claim taken over after a failed send looks for its message
first, as in production. 1,000 actions are due, owned by 250 people (4 each), and the real
Dispatcher sends them through the real SlackNotifier (and PacedNotifier when paced).

What is counted, by the claim key each message carries in its metadata: delivered (distinct
keys Slack accepted), lost (due but never accepted), doubled (accepted more than once), and
the stand-in's 429s.

The theoretical minimum for the schedule (N messages, C conversations, m to the busiest,
W senders, L one call's latency) is the larger of two bounds:
  per conversation: (m - 1) × 1 s + C × L / W + L
      the busiest DM's m messages must be a second apart; its first cannot go before the
      pool has worked through a wave of C first messages (C × L / W), and its last still
      takes a call (L);
  sender pool:      N × L / W
      each message holds one of W senders for L.
L is measured first: the median round trip of a chat.postMessage through the same client,
one at a time. The ratio printed is elapsed / minimum (the goal: ≤ 1.3).

Threads share one GIL, so the bot's CPU is a floor too: the same formula with a message's
CPU in place of L and W = 1 ("GIL floor"; CPU per message = process CPU over the run / N).
When that floor is above the minimum the run is said to be GIL-bound: more senders cannot
help, only less CPU per message (claims and marks are committed in batches for that).

Run: python bench/slack_delivery.py [--actions 1000] [--owners 250] [--latency 0]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bench.figures import emit
from bot.clock import ManualClock
from bot.config import Settings
from handlers.slack.app import make_client
from handlers.slack.notifier import SlackNotifier
from schedules.dispatch import Dispatcher
from schedules.pacing import PacedNotifier
from storage.db import Database
from storage.models import Action, ActionOwner, Board, ChatIdentity, Person

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LIMIT = 1.0  # seconds Slack wants between two messages to one conversation
GOAL_RATIO = 1.3  # elapsed ÷ theoretical minimum
PROBES = 40  # sequential calls that measure the latency L


class RateLimitedSlack(ThreadingHTTPServer):
    """Slack's Web API as far as delivery needs it, with the per-conversation limiter."""

    daemon_threads = True

    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.last: dict[str, float] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.accepted: Counter[str] = Counter()
        self.limited = 0
        self.gaps: list[float] = []
        self.first: float | None = None

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "accepted": dict(self.accepted),
                "limited": self.limited,
                "min_gap": min(self.gaps, default=0.0),
                "first": self.first,
            }

    def post(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        conversation = _conversation(str(params["channel"]))
        metadata = params.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        key = str((metadata.get("event_payload") or {}).get("key"))
        with self.lock:
            now = time.monotonic()
            last = self.last.get(conversation)
            if last is not None and now - last < LIMIT:
                self.limited += 1
                return 429, {"ok": False, "error": "ratelimited"}
            if last is not None:
                self.gaps.append(now - last)
            self.last[conversation] = now
            self.first = now if self.first is None else self.first
            self.accepted[key] += 1
            ts = f"{now:.6f}"
            message = {"ts": ts, "text": params.get("text", ""), "metadata": metadata}
            self.history.setdefault(conversation, []).insert(0, message)
        return 200, {"ok": True, "channel": conversation, "ts": ts}

    def history_of(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            messages = list(self.history.get(str(params["channel"]), []))
        return {"ok": True, "messages": messages[: int(params.get("limit", 100))]}


def _conversation(channel: str) -> str:
    """A DM posted to a user id lands in the DM channel conversations.open names."""
    return channel if channel.startswith("D") else f"D{channel}"


class _Handler(BaseHTTPRequestHandler):
    server: RateLimitedSlack

    def do_GET(self) -> None:
        self._json(200, self.server.stats())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        params = json.loads(body) if body.startswith("{") else dict(parse_qsl(body))
        if self.path == "/reset":
            with self.server.lock:
                self.server.reset()
            self._json(200, {"ok": True})
            return
        time.sleep(self.server.latency)
        if self.path.endswith("chat.postMessage"):
            status, answer = self.server.post(params)
            self._json(status, answer, retry_after=1 if status == 429 else 0)
        elif self.path.endswith("conversations.open"):
            channel = _conversation(str(params["users"]))
            self._json(200, {"ok": True, "channel": {"id": channel}})
        elif self.path.endswith("conversations.history"):
            self._json(200, self.server.history_of(params))
        else:
            self._json(200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT"})

    def _json(self, status: int, answer: dict[str, Any], retry_after: int = 0) -> None:
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


def _serve(latency: float, port: Any) -> None:
    server = RateLimitedSlack(latency)
    port.send(server.server_address[1])
    server.serve_forever(poll_interval=0.05)


class StandIn:
    """The stand-in in its own process, read and reset over HTTP."""

    def __init__(self, latency: float) -> None:
        ours, theirs = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=_serve, args=(latency, theirs), daemon=True)
        self.process.start()
        self.port = ours.recv()
        self.url = f"http://127.0.0.1:{self.port}/api/"

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = json.loads(self._call("GET", "/stats"))
        return stats

    def reset(self) -> None:
        self._call("POST", "/reset", b"{}")

    def _call(self, method: str, path: str, body: bytes | None = None) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body)
            return connection.getresponse().read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.join()


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


def measure_latency(slack: StandIn, settings: Settings) -> float:
    """L: one chat.postMessage at a time, each to its own conversation (never limited)."""
    client = make_client(settings)
    took = []
    for n in range(PROBES):
        started = time.perf_counter()
        client.chat_postMessage(channel=f"WPROBE{n}", text="probe " * 40)
        took.append(time.perf_counter() - started)
    slack.reset()
    return statistics.median(took)


@dataclass(frozen=True)
class Run:
    label: str
    paced: bool
    workers: int


def run(case: Run, args: argparse.Namespace, slack: StandIn, settings: Settings) -> None:
    actions, owners = args.actions, args.owners
    latency = measure_latency(slack, settings)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.connect(f"sqlite:///{Path(tmp) / 'bench.db'}")
        build(db, actions, owners)
        notifier = SlackNotifier(make_client(settings))
        dispatcher = Dispatcher(
            db=db,
            clock=ManualClock(NOW),
            notifier=PacedNotifier(notifier) if case.paced else notifier,
            send_workers=case.workers,
        )
        cpu, started = time.process_time(), time.monotonic()
        result = dispatcher.send_due_reminders()
        while result.failed:  # what failed stays claimed; a later sweep takes it over
            dispatcher.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
            result = dispatcher.send_due_reminders()
        took = Took(time.monotonic() - started, time.process_time() - cpu, latency)
        db.dispose()
    stats = slack.stats()
    report(case, args, took, stats, first=(stats["first"] or started) - started)
    slack.reset()


@dataclass(frozen=True)
class Took:
    elapsed: float  # wall seconds for the whole sweep (and any retry sweeps)
    cpu: float  # this process's CPU seconds over the same span
    latency: float  # L, seconds


def minimum(actions: int, owners: int, workers: int, per_send: float) -> float:
    """The schedule's floor: see the module docstring (per conversation, sender pool)."""
    per_dm = -(-actions // owners)
    first_wave = min(actions, owners) * per_send / workers
    return max((per_dm - 1) * LIMIT + first_wave + per_send, actions * per_send / workers)


def report(
    case: Run, args: argparse.Namespace, took: Took, stats: dict[str, Any], *, first: float
) -> None:
    actions, owners = args.actions, args.owners
    accepted = Counter(stats["accepted"])
    floor = minimum(actions, owners, case.workers, took.latency)
    # One process, one GIL: with a send's CPU in place of L and one sender, the same formula
    # is the floor the process's own CPU puts under the run, whatever the pool's size.
    per_cpu = took.cpu / actions
    gil = minimum(actions, owners, 1, per_cpu)
    bound = "GIL-bound" if gil > floor else "not GIL-bound"
    print(
        f"{case.label:<20} {took.elapsed:5.2f} s  min {floor:4.2f} s  "
        f"ratio {took.elapsed / floor:4.2f}  (L {took.latency * 1000:3.1f} ms; "
        f"cpu {per_cpu * 1000:4.2f} ms/msg, GIL floor {gil:4.2f} s, {bound})  "
        f"first send after {first:4.2f} s  delivered {len(accepted)}/{actions}  "
        f"lost {actions - len(accepted)}  doubled {sum(n - 1 for n in accepted.values())}  "
        f"429s {stats['limited']}  min gap {stats['min_gap']:.3f} s"
    )
    lost, doubled = actions - len(accepted), sum(n - 1 for n in accepted.values())
    ratio = took.elapsed / floor
    emit(
        "slack_delivery",
        f"{case.label}: elapsed {took.elapsed:.2f} s",
        value=round(took.elapsed, 2),
        unit="s",
        baseline=f"min {floor:.2f} s",
        minimum_s=round(floor, 3),
        ratio=round(ratio, 2),
        goal=f"≤ {GOAL_RATIO:g}× minimum",
        ok=ratio <= GOAL_RATIO,
        latency_ms=round(took.latency * 1000, 2),
        cpu_ms_per_msg=round(per_cpu * 1000, 3),
        gil_floor_s=round(gil, 3),
        gil_bound=gil > floor,
        first_send_s=round(first, 3),
        actions=actions,
        owners=owners,
    )
    emit(
        "slack_delivery",
        f"{case.label}: lost / doubled / 429s",
        value=f"{lost} / {doubled} / {stats['limited']}",
        goal="0 lost, 0 doubled",
        ok=lost == 0 and doubled == 0,
        delivered=len(accepted),
        lost=lost,
        doubled=doubled,
        limited=stats["limited"],
        min_gap_s=round(stats["min_gap"], 3),
    )


RUNS = {
    "unpaced": Run("4 senders, unpaced", paced=False, workers=4),
    "1": Run("1 sender, paced", paced=True, workers=1),
    "4": Run("4 senders, paced", paced=True, workers=4),
    "8": Run("8 senders, paced", paced=True, workers=8),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--owners", type=int, default=250)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the stand-in waits")
    parser.add_argument("--runs", default="unpaced,1,4,8", help="of: " + ",".join(RUNS))
    args = parser.parse_args()
    per = -(-args.actions // args.owners)
    print(
        f"{args.actions} reminders to {args.owners} owners ({per} a DM), stand-in adds "
        f"{args.latency * 1000:.0f} ms a call, {LIMIT:g} msg/s per conversation; "
        "min = max((m-1)·1 s + C·L/W + L, N·L/W)"
    )
    slack = StandIn(args.latency)
    settings = Settings(
        slack_bot_token="xoxb-bench", slack_signing_secret="s", slack_api_url=slack.url
    )
    try:
        for name in args.runs.split(","):
            run(RUNS[name], args, slack, settings)
    finally:
        slack.stop()


if __name__ == "__main__":
    main()
