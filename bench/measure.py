"""Measured side by side: our server and an empty Bolt app, request by request, same process.

A figure on its own says little on a shared 2-core machine: the same load slows both. So
every HTTP bench alternates a baseline request and a subject request (swapping which goes
first each round), and reports the subject's p50/p95/p99 beside the baseline's and the
ratio. The baseline is an "empty" Bolt app: its /rag only acks and answers "." through
response_url, its DM handler posts "." back, its button posts and edits once; it is served
by the same Router and waitress server ours is (handlers/slack/server.py's bolt_wsgi_app),
so what it costs is Bolt, WSGI, HTTP and the stand-in Slack; the difference is ours.

A trial is `(i) -> Timing`: how long the HTTP ack took and how long until the stand-in
Slack heard the answer (response_url post, confirmation DM, chat.update), both from the
moment the request was sent.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from waitress.server import create_server

from bench.figures import Spread, emit
from bot.config import Settings
from handlers.application.app import Application
from handlers.hosting.server import CHANNEL_TIMEOUT, MAX_BODY_BYTES, THREADS
from handlers.slack.app import make_client
from handlers.slack.server import EVENTS_PATH, bolt_wsgi_app
from tests.slack.fake_slack import Call, FakeSlack, Response

DEFAULT_N = 300  # issue 12: p99 needs at least 300 samples to mean anything
WARM_UP = 10  # first requests of each kind, not counted (imports, caches, connections)
ANSWER_TIMEOUT = 30.0


@dataclass(frozen=True)
class Timing:
    ack: float
    answer: float
    edited: float = 0.0  # a button's second answer: the reminder edited in place (chat.update)


Trial = Callable[[int], Timing]
T = TypeVar("T")


def ab(
    baseline: Callable[[int], T], subject: Callable[[int], T], n: int, *, warm_up: int = WARM_UP
) -> tuple[list[T], list[T]]:
    """n of each, alternating (B S, S B, B S …) so drift and noise fall on both alike."""
    for i in range(warm_up):
        baseline(-1 - i)
        subject(-1 - i)
    base: list[T] = []
    ours: list[T] = []
    for i in range(n):
        if i % 2:
            ours.append(subject(i))
            base.append(baseline(i))
        else:
            base.append(baseline(i))
            ours.append(subject(i))
    return base, ours


def ratio(ours: float, base: float) -> float:
    return round(ours / base, 2) if base > 0 else float("nan")


def report(
    bench: str,
    name: str,
    base: list[Timing],
    ours: list[Timing],
    *,
    goals: dict[str, float],
    whats: tuple[str, ...] = ("ack", "answer"),
) -> None:
    """A line per figure (ack, answer …) of subject vs floor, and its BENCH_RESULT line;
    `goals` maps a figure to the issue's p99 limit in ms, judged in the result (ok)."""
    for what in whats:
        mine = Spread.of([getattr(t, what) for t in ours])
        floor = Spread.of([getattr(t, what) for t in base])
        print(
            f"{name:<26} {what:<6} n={mine.n:<4} p50 {mine.p50:7.1f}  p95 {mine.p95:7.1f}"
            f"  p99 {mine.p99:7.1f} ms | empty Bolt p50 {floor.p50:6.1f}  p99 {floor.p99:6.1f}"
            f" ms | ×{ratio(mine.p50, floor.p50):<5} p50  ×{ratio(mine.p99, floor.p99)} p99",
            flush=True,
        )
        emit(
            bench,
            f"{name} {what}",
            **mine.figures(),
            **floor.figures("base_"),
            baseline="empty Bolt",
            ratio=ratio(mine.p99, floor.p99),
            ratio_p50=ratio(mine.p50, floor.p50),
            **_goal(mine, goals.get(what)),
        )


def _goal(spread: Spread, p99_limit_ms: float | None) -> dict[str, object]:
    if p99_limit_ms is None:
        return {"goal": ""}
    return {"goal": f"p99 ≤ {p99_limit_ms:g} ms", "ok": spread.p99 <= p99_limit_ms}


# -- the stand-in Slack, read without copying its whole call list at every wake-up ------------


def mark(fake: FakeSlack) -> int:
    """Where the stand-in's call list ends now: answers are looked for after it."""
    with fake._changed:
        return len(fake._calls)


def wait_call(
    fake: FakeSlack, found: Callable[[Call], bool], *, since: int, timeout: float = ANSWER_TIMEOUT
) -> Call:
    """The first call after `since` that `found` accepts; scans only what is new."""
    with fake._changed:
        position = since
        ok = fake._changed.wait_for(
            lambda: _scan(fake, found, position) is not None, timeout=timeout
        )
        hit = _scan(fake, found, position)
        if not ok or hit is None:
            raise SystemExit(f"no answer within {timeout:g} s")
        return hit


def _scan(fake: FakeSlack, found: Callable[[Call], bool], since: int) -> Call | None:
    return next((c for c in fake._calls[since:] if found(c)), None)


def answered_at(
    fake: FakeSlack, response: Response, found: Callable[[Call], bool], *, since: int
) -> Timing:
    """A request's ack, and when its answer reached the stand-in, both from when it was sent."""
    if response.status != 200:
        raise SystemExit(f"answered {response.status}: {response.body[:300]}")
    call = wait_call(fake, found, since=since)
    return Timing(response.seconds, call.at - response.started)


def is_respond(call: Call) -> bool:
    return call.path.startswith("/respond/")


def posted_to(channel: str) -> Callable[[Call], bool]:
    return lambda c: c.method == "chat.postMessage" and c.params.get("channel") == channel


# -- the floor --------------------------------------------------------------------------------


def empty_app(settings: Settings, secret: str) -> App:
    """Bolt with handlers that do nothing of ours: ack, and one Web API call where ours
    answers, so both ack and time-to-answer have a floor."""
    app = App(client=make_client(settings), signing_secret=secret, name="empty")

    @app.command("/rag")
    def rag(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text=".")

    @app.event("message")
    def message(event: dict[str, Any], client: WebClient) -> None:
        client.chat_postMessage(channel=event["channel"], text=".")

    @app.action(re.compile(".*"))
    def press(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        channel, ts = body["channel"]["id"], body["message"]["ts"]
        client.chat_postMessage(channel=channel, thread_ts=ts, text=".")
        client.chat_update(channel=channel, ts=ts, text=".", blocks=[])

    return app


@contextmanager
def empty_bolt(application: Application, settings: Settings, secret: str) -> Iterator[str]:
    """The empty app on its own waitress server, as ours is served; yields its events URL."""
    server = create_server(
        bolt_wsgi_app(application, empty_app(settings, secret)),
        host="127.0.0.1",
        port=0,
        threads=THREADS,
        max_request_body_size=MAX_BODY_BYTES,
        channel_timeout=CHANNEL_TIMEOUT,
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        port = server.effective_port  # type: ignore[union-attr]  # one socket: a TcpWSGIServer
        yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
    finally:
        server.close()
