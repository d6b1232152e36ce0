"""App Homes after a burst of updates, over real signed HTTP: each person's Home is published
once per burst, showing every update in it, and a chair's board view is never stale."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.config import Settings
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.hosting.server import RunningServer, listen, serve_in_background
from handlers.slack.app import build_slack_app, make_client
from handlers.slack.home_refresher import refresher_of
from handlers.slack.server import EVENTS_PATH, build_edge, build_worker
from handlers.wiring import Services
from tests.slack.conftest import CHAIR, SALLY, SIGNING_SECRET, VEL
from tests.slack.fake_slack import Call, FakeSlack, SlackSender

VEL_REFS = ("1.8", "2.2", "2.3", "5.1")
DM = "D" + VEL[1:]  # Vel's DM with the bot, where the updates are answered
BURST = 8
# Long enough that one person's back-to-back updates, applied by the inbox worker, are one
# burst on a loaded 2-core machine; the burst's Homes follow this long after its last update.
DELAY = 2.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"home_refresh_delay_seconds": DELAY})


@dataclass
class Server:
    slack: SlackSender
    running: RunningServer
    services: Services

    def settle(self) -> None:
        """Every request applied, then every Home it noted published."""
        self.running.wait_idle(timeout=60)


@pytest.fixture
def server(services: Services, fake: FakeSlack) -> Iterator[Server]:
    """The real server, with the Home refresher among the workers it waits for and stops."""
    app = services.application
    client = make_client(services.settings)
    listening = listen(app, host="127.0.0.1", port=0)
    bolt_app = build_slack_app(app, client=client)
    worker = build_worker(app, bolt_app, client, holder=listening.holder).start()
    listening.router.mount(EVENTS_PATH, build_edge(app, worker))
    running = serve_in_background(listening, [worker, refresher_of(bolt_app)], None)
    sender = SlackSender(running.url + EVENTS_PATH, SIGNING_SECRET, response_base=fake.url)
    yield Server(sender, running, services)
    running.stop()


def _published(fake: FakeSlack, user: str) -> list[Call]:
    return [c for c in fake.answered("views.publish") if c.params["user_id"] == user]


def _text(call: Call) -> str:
    return json.dumps(call.params["view"]["blocks"], ensure_ascii=False)


def _send_burst(server: Server, user: str, refs: tuple[str, ...], words: str) -> None:
    for n in range(BURST):
        ref = refs[n % len(refs)]
        event = server.slack.direct_message(f"{ref} amber - {words} {n}", user=user)
        assert server.slack.event(event).status == 200


def test_a_burst_of_updates_publishes_the_owners_home_once_showing_all_of_them(
    server: Server, fake: FakeSlack
) -> None:
    _send_burst(server, VEL, VEL_REFS, "step")
    server.settle()

    confirmations = [c for c in fake.answered("chat.postMessage") if c.params["channel"] == DM]
    assert len(confirmations) == BURST  # every update was recorded and answered
    [vel] = _published(fake, VEL)
    [chair] = _published(fake, CHAIR)  # the chair watches those actions: once too
    assert _published(fake, SALLY) == []
    for n in range(BURST - len(VEL_REFS), BURST):  # each action's latest words
        assert f"step {n}" in _text(vel)
    assert ":large_red_circle:" not in _text(vel)  # 2.3 was red; all four are amber now
    assert "Service Improvement Board" in _text(chair)


def test_two_owners_bursts_at_once_publish_each_home_once(server: Server, fake: FakeSlack) -> None:
    for n in range(BURST):
        vel = server.slack.direct_message(f"{VEL_REFS[n % 4]} amber - vel {n}", user=VEL)
        sally = server.slack.direct_message(f"4.5 amber - sally {n}", user=SALLY)
        assert server.slack.event(vel).status == 200
        assert server.slack.event(sally).status == 200
    server.settle()

    [vel_home] = _published(fake, VEL)
    [sally_home] = _published(fake, SALLY)
    [chair_home] = _published(fake, CHAIR)
    assert f"vel {BURST - 1}" in _text(vel_home)
    assert f"sally {BURST - 1}" in _text(sally_home)
    assert "sally" not in _text(vel_home)
    assert "Service Improvement Board" in _text(chair_home)


def test_a_second_burst_is_published_again(server: Server, fake: FakeSlack) -> None:
    _send_burst(server, VEL, VEL_REFS, "first")
    server.settle()
    _send_burst(server, VEL, VEL_REFS, "second")
    server.settle()

    first, second = _published(fake, VEL)
    assert f"first {BURST - 1}" in _text(first)
    assert f"second {BURST - 1}" in _text(second)
    assert len(_published(fake, CHAIR)) == 2


def _red_line(call: Call) -> str:
    """The chair's board view: its line of red actions."""
    blocks = call.params["view"]["blocks"]
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Red: " in text, text
    return text[text.index("Red: ") :][:400]


def test_a_chair_opening_the_home_sees_a_change_made_elsewhere(
    server: Server, fake: FakeSlack
) -> None:
    """The console changes 2.3 (no Slack Home is redrawn for it); the chair then opens the
    Home: the board view is rebuilt from the plan as it now is, not the one drawn before."""
    server.slack.event(server.slack.app_home_opened(CHAIR))
    server.settle()
    [before] = _published(fake, CHAIR)
    assert "2.3" in _red_line(before)  # Social Work Practice Model, red in the seed plan

    console = Conversation(platform="console", user_id="Vel Kenny", channel="console")
    chat = server.services.application.chat
    chat.on_message(IncomingMessage(console, "2.3 green - model chosen at the console"))
    server.slack.event(server.slack.app_home_opened(CHAIR))
    server.settle()

    _, after = _published(fake, CHAIR)
    assert "2.3" not in _red_line(after)
    assert _red_line(after) != _red_line(before)
