"""A Teams card button press over real HTTP, beside the SDK's own empty handler, same run.

    python bench/teams_button.py [--presses 200] [--actions 1000] [--typed 200]

What is measured. Teams sends a card press as an `adaptiveCard/action` invoke and waits for
the HTTP answer: its 200 carries the refreshed card, which replaces the pressed one. So the
time to that answer is the time the person waits to see their press land. Each press here is
POSTed, with a bearer token signed by the stand-in's key and checked by the SDK's validator,
to our `/api/messages` (the real server from `handlers.serve.start`: edge, durable inbox,
agent, core, SQLite) on one kept-alive connection, and timed twice: to the status line (the
200, read by `getresponse()`) and to the whole body (the card JSON, read by `read()`).

Against what. The same activity with the same token goes, interleaved press by press (the
order alternating), to an empty handler built from the SDK's own hosting package: an aiohttp
app with `jwt_authorization_middleware` and `CloudAdapter`, the same app id and tenant, the
same signing keys, and an `ActivityHandler` whose `on_adaptive_card_invoke` returns a tiny
fixed card at once, with no database. That is what the SDK, aiohttp and token checking cost
on their own; the difference is ours.

The plan. Both bundled seed boards, loaded by our importer as the Teams end-to-end tests do,
plus a bulk board of `--actions` rows (the St Helens rows over and over, each copy its own
title) imported by the importer `actionbot import` uses. The presser is Vel Kenny, linked to
Teams, pressing the Worcestershire action he owns alone (2.3): Amber, then Green, Amber, ...
so every press changes the plan and is stored as an update.

Also a typed reply ("2.3 amber - ..."): the time to our 202 (the activity is stored, the
inbox worker applies it), and to the confirmation card reaching the Bot Connector stand-in;
the empty handler's 202 for the same message beside it.

Everything (client, both servers, the stand-ins) runs in this one process on 127.0.0.1, as
in the Slack benches: both sides pay the same client and GIL costs, and no network is in it.
Tokens are minted before the clock starts. Figures only: nothing is asserted about timing.
A wrong answer (not 200, no card, a press seen as already done) stops the run, since its
timing would mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web
from microsoft_agents.activity import AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware
from microsoft_agents.hosting.core import ActivityHandler, TurnContext
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
)
from sqlmodel import col, func, select

from bench.figures import emit
from bot.config import Settings
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plan_files
from handlers.application.present.buttons import TAP_RAG
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.serve import start
from handlers.teams.auth import _KeysFrom, auth_configuration
from handlers.teams.cards import CARD_CONTENT_TYPE
from handlers.teams.server import MESSAGES_PATH
from handlers.wiring import Services, build_services
from storage.models import Action, ActionOwner, ActionUpdate, Board, Person
from storage.people import link_chat_id
from tests.teams.conftest import APP_ID, TENANT, VEL, TeamsApp, teams_settings
from tests.teams.standins import ConnectorStandIn, Request, TeamsCloud
from tests.test_cli_limits import big_plan

WARM_UP = 20
BULK_BOARD = "Bench bulk board"
BULK_AS_OF = date(2022, 10, 31)  # the St Helens plan's date, as `actionbot import --as-of`
PRESSED_BOARD = "Worcestershire Service Improvement Board"
PRESSED_REF = "2.3"  # Vel Kenny's alone
SLACK_BUDGET_S = 3.0  # Slack's ack deadline
TEAMS_INVOKE_S = 5.0  # about how long Teams waits for an invoke's answer
TINY_CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "ok"}],
}


# -- the data -----------------------------------------------------------------------------


def build(folder: Path, cloud: TeamsCloud, actions: int) -> Services:
    """Both seed boards and a bulk board, all through our importer; Vel linked to Teams."""
    settings = teams_settings(f"sqlite:///{folder / 'bench.db'}", cloud, log_level="WARNING")
    services = build_services(settings)
    now = datetime.now(UTC)
    for sample in SAMPLE_BOARDS:
        load_sample_board(services.db, sample, now=now, today=now.date())
    if actions > 0:
        plan = big_plan(folder / "bulk_plan.csv", actions)
        rows = read_plan_files([plan], as_of=BULK_AS_OF, calendar=WorkingCalendar())
        services.application.plans.import_rows(BULK_BOARD, rows)
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.name == VEL.name)).one()
        link_chat_id(session, person, platform="teams", external_id=VEL.aad)
    return services


@dataclass(frozen=True)
class Pressed:
    action_id: int
    rag: str | None
    owners: tuple[str, ...]


def pressed_action(services: Services) -> Pressed:
    with services.db.session(commit=False) as session:
        action = session.exec(
            select(Action)
            .join(Board, col(Board.id) == col(Action.board_id))
            .where(Board.name == PRESSED_BOARD, Action.ref == PRESSED_REF)
        ).one()
        owners = session.exec(
            select(Person.name)
            .join(ActionOwner, col(ActionOwner.person_id) == col(Person.id))
            .where(ActionOwner.action_id == action.id)
        ).all()
    assert action.id is not None
    return Pressed(action.id, action.rag, tuple(owners))


def plan_size(services: Services) -> tuple[int, int]:
    with services.db.session(commit=False) as session:
        boards = session.exec(select(func.count()).select_from(Board)).one()
        actions = session.exec(select(func.count()).select_from(Action)).one()
    return int(boards), int(actions)


def teams_updates(services: Services, action_id: int) -> int:
    with services.db.session(commit=False) as session:
        statement = select(func.count()).select_from(ActionUpdate)
        statement = statement.where(
            ActionUpdate.action_id == action_id, ActionUpdate.source == "teams"
        )
        return int(session.exec(statement).one())


# -- the empty SDK handler ------------------------------------------------------------------


class EmptyAgent(ActivityHandler):
    """Answers a card press with a fixed card at once; a message with nothing (202)."""

    async def on_adaptive_card_invoke(  # type: ignore[override]
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=TINY_CARD)


class EmptySdkServer:
    """The SDK's aiohttp hosting on 127.0.0.1, in a thread with its own event loop."""

    def __init__(self, settings: Settings, cloud: TeamsCloud) -> None:
        self.settings = settings
        self.cloud = cloud
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="empty-sdk", daemon=True)
        self.runner: web.AppRunner | None = None
        self.url = ""

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> EmptySdkServer:
        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result(10)
        return self

    async def _serve(self) -> str:
        app = web.Application(middlewares=[jwt_authorization_middleware])
        app["agent_configuration"] = auth_configuration(self.settings)
        adapter = CloudAdapter(connection_manager=self.cloud.connections())
        agent = EmptyAgent()

        async def messages(request: web.Request) -> web.StreamResponse:
            answer = await adapter.process(request, agent)
            return answer if answer is not None else web.Response(status=202)

        app.router.add_post(MESSAGES_PATH, messages)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


# -- the client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    status: int
    body: bytes
    started: float  # perf_counter before the request was written
    to_status: float  # seconds to the status line and headers
    to_body: float  # seconds to the last byte of the body


class KeptAlive:
    """One HTTP/1.1 connection, kept alive as Teams' service keeps its own to a bot."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self.opened = 0
        self._socket: object = None

    def post(self, activity_body: bytes, token: str) -> Timed:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        self.connection.request("POST", MESSAGES_PATH, body=activity_body, headers=headers)
        response = self.connection.getresponse()
        to_status = time.perf_counter() - started
        body = response.read()
        to_body = time.perf_counter() - started
        if self.connection.sock is not self._socket:  # http.client reconnects on its own
            self._socket = self.connection.sock
            self.opened += 1
        return Timed(response.status, body, started, to_status, to_body)

    def close(self) -> None:
        self.connection.close()


# -- the runs ---------------------------------------------------------------------------------


@dataclass
class Figures:
    ours_status: list[float]
    ours_body: list[float]
    base_status: list[float]
    base_body: list[float]


def press_run(
    teams: TeamsApp, ours: KeptAlive, base: KeptAlive, pressed: Pressed, presses: int
) -> tuple[Figures, str]:
    """Interleaved press by press, after WARM_UP of each; returns the figures, last colour."""
    colours = ("amber", "green") if pressed.rag != "amber" else ("green", "amber")
    figures = Figures([], [], [], [])
    colour = ""
    for i in range(WARM_UP + presses):
        colour = colours[i % 2]
        activity = teams.press(
            VEL, f"{TAP_RAG}{colour}", str(pressed.action_id), card_id=f"bench-card-{i}"
        )
        body = json.dumps(activity).encode()
        token = teams.cloud.inbound_token()
        order = ((ours, True), (base, False)) if i % 2 == 0 else ((base, False), (ours, True))
        for client, is_ours in order:
            timed = client.post(body, token)
            _check_card(timed, i, "ours" if is_ours else "empty SDK handler", is_ours)
            if i < WARM_UP:
                continue
            if is_ours:
                figures.ours_status.append(timed.to_status)
                figures.ours_body.append(timed.to_body)
            else:
                figures.base_status.append(timed.to_status)
                figures.base_body.append(timed.to_body)
    return figures, colour


def _check_card(timed: Timed, i: int, who: str, is_ours: bool) -> None:
    if timed.status != 200:
        raise SystemExit(f"press {i} to {who} answered {timed.status}: {timed.body[:300]!r}")
    answer = json.loads(timed.body)
    if answer.get("type") != CARD_CONTENT_TYPE or answer.get("value", {}).get("type") != (
        "AdaptiveCard"
    ):
        raise SystemExit(f"press {i} to {who} answered no card: {timed.body[:300]!r}")
    if is_ours and b"Already done" in timed.body:
        raise SystemExit(f"press {i} was taken for a repeat: {timed.body[:300]!r}")


@dataclass
class Typed:
    ours_202: list[float]
    ours_card: list[float]
    base_202: list[float]
    last: str  # the colour the last typed reply set


def typed_run(teams: TeamsApp, ours: KeptAlive, base: KeptAlive, count: int) -> Typed:
    """A typed update, then wait for its confirmation at the connector before the next."""
    connector = teams.cloud.connector
    person = connector.person(VEL.teams_id)
    assert person is not None
    conversation = connector.personal_conversation_id(person)
    figures = Typed([], [], [], "")
    for i in range(WARM_UP + count):
        colour = figures.last = ("amber", "green")[i % 2]
        words = f"{PRESSED_REF} {colour} - bench update {i}, agreed at the board meeting"
        body = json.dumps(teams.personal(VEL, words)).encode()
        token = teams.cloud.inbound_token()
        if i % 2:  # the order alternates, as for presses
            other = _typed_base(base, body, token, i)
        before = len(connector.sent(conversation))
        asked = len(connector.requests)
        timed = ours.post(body, token)
        if timed.status != 202:
            raise SystemExit(f"typed reply {i} answered {timed.status}: {timed.body[:300]!r}")
        [*_, sent] = connector.wait_for_sent(before + 1, conversation_id=conversation)
        if f"{PRESSED_REF} " not in sent["activity"].get("summary", ""):
            raise SystemExit(f"typed reply {i} was not confirmed: {sent['activity']}")
        arrived = connector.wait_for(partial(_sends, connector, asked))[0].at
        if not i % 2:
            other = _typed_base(base, body, token, i)
        if i >= WARM_UP:
            figures.ours_202.append(timed.to_body)
            figures.ours_card.append(arrived - timed.started)
            figures.base_202.append(other.to_body)
    return figures


def _typed_base(base: KeptAlive, body: bytes, token: str, i: int) -> Timed:
    timed = base.post(body, token)
    if timed.status != 202:
        raise SystemExit(f"typed reply {i} to the empty handler answered {timed.status}")
    return timed


def _sends(connector: ConnectorStandIn, since: int) -> list[Request]:
    """The connector's recorded sends and replies (POSTs of an activity) since request
    number `since`, those it accepted."""
    return [
        r
        for r in connector.requests[since:]
        if r.method == "POST" and "/activities" in r.path and r.status < 300
    ]


# -- printing ---------------------------------------------------------------------------------


def pick(ms: Sequence[float], q: float) -> float:
    """The same rank rule as bench/figures.py: sorted[round(q * (n - 1))]."""
    return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]


def row(label: str, seconds: Sequence[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in seconds)
    figures = {
        "p50": statistics.median(ms),
        "p90": pick(ms, 0.90),
        "p99": pick(ms, 0.99),
        "max": ms[-1],
    }
    cells = "   ".join(f"{name} {value:7.1f} ms" for name, value in figures.items())
    print(f"  {label:<40} n={len(ms):<4} {cells}")
    return figures


def ratio(label: str, ours: dict[str, float], base: dict[str, float]) -> None:
    p50, p99 = ours["p50"] / base["p50"], ours["p99"] / base["p99"]
    print(f"  {label:<40} ours/baseline: p50 x{p50:.2f}   p99 x{p99:.2f}")


def budget(label: str, figures: dict[str, float]) -> None:
    p99 = figures["p99"]
    teams_share = 100 * p99 / (TEAMS_INVOKE_S * 1000)
    slack_share = 100 * p99 / (SLACK_BUDGET_S * 1000)
    print(
        f"  {label}: p99 = {p99:.1f} ms = {teams_share:.2f}% of Teams' invoke timeout (~5 s)"
        f" = {slack_share:.2f}% of a Slack-style 3 s budget"
    )


def context(args: argparse.Namespace, boards: int, actions: int, pressed: Pressed) -> None:
    print("Teams card press over HTTP: ours beside the SDK's empty handler, same run")
    print(
        f"  python {platform.python_version()} ({platform.python_implementation()}), "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"  microsoft-agents-hosting-aiohttp {version('microsoft-agents-hosting-aiohttp')}, "
        f"aiohttp {version('aiohttp')}, waitress {version('waitress')}"
    )
    print(
        f"  presses {args.presses} (+{WARM_UP} warm-up each side), typed replies {args.typed} "
        f"(+{WARM_UP} warm-up), bulk actions {args.actions}"
    )
    print(
        f"  plan: {boards} boards, {actions} actions (SQLite file); pressed "
        f"{PRESSED_BOARD} {PRESSED_REF}, owned by {', '.join(pressed.owners)}, "
        f"RAG before: {pressed.rag or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200, help="timed presses (default 200)")
    parser.add_argument(
        "--actions", type=int, default=1000, help="actions in the bulk board (default 1000)"
    )
    parser.add_argument(
        "--typed", type=int, default=200, help="timed typed replies (default 200; 0: none)"
    )
    args = parser.parse_args()
    if args.presses < 1:
        parser.error("--presses must be at least 1")
    shared_keys = JwtTokenValidator._jwk_client_manager
    with tempfile.TemporaryDirectory() as tmp, TeamsCloud(app_id=APP_ID, tenant_id=TENANT) as cloud:
        cloud.connector.add_person(VEL.teams_id, VEL.aad, VEL.name, VEL.email, VEL.email)
        services = build(Path(tmp), cloud, args.actions)
        pressed = pressed_action(services)
        if VEL.name not in pressed.owners:
            raise SystemExit(f"{PRESSED_REF} is not {VEL.name}'s: {pressed.owners}")
        context(args, *plan_size(services), pressed)
        # The SDK middleware builds its own validator per request, reading the keys from the
        # class attribute: point that at the stand-in, as Guard does for its own instance.
        JwtTokenValidator._jwk_client_manager = _KeysFrom(cloud.openid.jwks_url)
        running = start(services.application, teams_connections=cloud.connections())
        empty = EmptySdkServer(services.application.settings, cloud).start()
        teams = TeamsApp(running.url, cloud, services, running)
        ours, base = KeptAlive(running.url), KeptAlive(empty.url)
        try:
            presses, colour = press_run(teams, ours, base, pressed, args.presses)
            typed = typed_run(teams, ours, base, args.typed) if args.typed > 0 else None
            running.wait_idle(timeout=30)
            stored = teams_updates(services, pressed.action_id)
            now_rag = pressed_action(services).rag
        finally:
            ours.close()
            base.close()
            empty.stop()
            running.stop()
            services.db.dispose()
            JwtTokenValidator._jwk_client_manager = shared_keys
    report(presses, typed, colour, now_rag, stored, ours.opened, base.opened, args)


def report(
    presses: Figures,
    typed: Typed | None,
    colour: str,
    now_rag: str | None,
    stored: int,
    ours_opened: int,
    base_opened: int,
    args: argparse.Namespace,
) -> None:
    print(f"\nCard press (Action.Execute invoke), {args.presses} interleaved pairs:")
    ours_status = row("ours: 200 status line", presses.ours_status)
    ours_body = row("ours: refreshed card (whole body)", presses.ours_body)
    base_status = row("empty SDK handler: 200 status line", presses.base_status)
    base_body = row("empty SDK handler: card (whole body)", presses.base_body)
    ratio("status line", ours_status, base_status)
    ratio("whole body", ours_body, base_body)
    budget("ours, refreshed card", ours_body)
    budget("empty SDK handler, card", base_body)
    if typed is not None:
        print(f"\nTyped reply (message activity), {args.typed} in turn:")
        ours_202 = row("ours: 202", typed.ours_202)
        row("ours: confirmation card at the connector", typed.ours_card)
        base_202 = row("empty SDK handler: 202", typed.base_202)
        ratio("202", ours_202, base_202)
    expected = WARM_UP + args.presses + (WARM_UP + args.typed if typed is not None else 0)
    last = typed.last if typed is not None else colour
    print(
        f"\nChecks: {stored} Teams updates stored on {PRESSED_REF} (expected {expected}); "
        f"RAG now {now_rag} (expected {last}); "
        f"connections opened: ours {ours_opened}, empty handler {base_opened}"
    )
    result("card press: refreshed card (whole body)", ours_body, base_body, len(presses.ours_body))
    result("card press: 200 status line", ours_status, base_status, len(presses.ours_status))
    if typed is not None:
        result("typed reply: 202", ours_202, base_202, len(typed.ours_202))


def result(measure: str, ours: dict[str, float], base: dict[str, float], n: int) -> None:
    """One BENCH_RESULT: ours beside the SDK's empty handler, ratio at p99."""
    emit(
        "teams_button",
        measure,
        n=n,
        p50_ms=round(ours["p50"], 2),
        p99_ms=round(ours["p99"], 2),
        max_ms=round(ours["max"], 2),
        base_p50_ms=round(base["p50"], 2),
        base_p99_ms=round(base["p99"], 2),
        baseline="empty SDK handler",
        ratio=round(ours["p99"] / base["p99"], 2),
        ratio_p50=round(ours["p50"] / base["p50"], 2),
    )


if __name__ == "__main__":
    main()
