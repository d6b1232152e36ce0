"""How fast Slack hears back: `/rag` and a DM update over real HTTP, against a stand-in Slack.

    python bench/slack_rag.py [-n 200]

Prints p50 / p95 / max for the HTTP ack (Slack allows 3 s) and for the answer arriving
(the response_url post, or the confirmation DM). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr
from sqlmodel import select

from bench.figures import percentile_line
from bot.config import Settings
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.slack.server import EVENTS_PATH, start_in_thread
from handlers.wiring import Services, build_services
from storage.models import Person
from storage.people import link_chat_id
from tests.slack.fake_slack import Call, FakeSlack, Response, SlackSender, running

SECRET = "bench-secret"
OWNER_NAME, OWNER_ID = "Kath O'Dwyer", "U0KODWYER"  # owns St Helens 6.2 alone
CHAIR_ID = "U0HBROOKS"


def bench_settings(db_path: Path, fake: FakeSlack) -> Settings:
    """Slack pointed at the stand-in, no scheduler, nothing read from a .env file."""
    return Settings(
        database_url=f"sqlite:///{db_path}",
        slack_bot_token=SecretStr("xoxb-bench"),
        slack_signing_secret=SecretStr(SECRET),
        slack_api_url=fake.url + "/api/",
        scheduler_enabled=False,
        log_level="WARNING",
        _env_file=None,
    )


def build(db_path: Path, fake: FakeSlack) -> Services:
    services = build_services(bench_settings(db_path, fake))
    now = datetime.now(UTC)
    load_sample_board(services.db, SAMPLE_BOARDS[0], now=now, today=now.date())
    with services.db.session() as session:
        owner = session.exec(select(Person).where(Person.name == OWNER_NAME)).one()
        link_chat_id(session, owner, platform="slack", external_id=OWNER_ID)
    return services


def measure(
    fake: FakeSlack, n: int, send: Callable[[int], Response], arrived: Callable[[], list[Call]]
) -> tuple[list[float], list[float]]:
    """Sequential requests: time to the HTTP ack, and time until the stand-in hears the answer."""
    acks: list[float] = []
    answers: list[float] = []
    for i in range(n):
        before = len(arrived())
        response = send(i)
        if response.status != 200:
            raise SystemExit(f"request {i} answered {response.status}: {response.body}")
        acks.append(response.seconds)
        call = fake.wait_for(arrived, n=before + 1, timeout=10)
        answers.append(call.at - response.started)
    return acks, answers


def _rag(slack: SlackSender, text: str, _i: int) -> Response:
    return slack.command(text, user_id=CHAIR_ID)


def report(name: str, acks: list[float], answers: list[float]) -> None:
    for what, values in (("ack", acks), ("answer", answers)):
        print(percentile_line(f"{name:<22} {what:<7}", values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="requests of each kind (default 200)")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp, running() as fake:
        services = build(Path(tmp) / "bench.db", fake)
        url, stop = start_in_thread(services.application)
        slack = SlackSender(url + EVENTS_PATH, SECRET, response_base=fake.url)
        try:
            for text in ("", "red"):
                rag = partial(_rag, slack, text)
                report(f"/rag {text}".strip(), *measure(fake, n, rag, fake.responses))
            dm = "D" + OWNER_ID[1:]

            def update(i: int) -> Response:
                words = f"6.2 {('amber', 'green')[i % 2]} - bench update {i}"
                return slack.event(slack.direct_message(words, user=OWNER_ID))

            def confirmations() -> list[Call]:
                return [c for c in fake.answered("chat.postMessage") if c.answer["channel"] == dm]

            report("DM update", *measure(fake, n, update, confirmations))
        finally:
            stop()
            services.db.dispose()


if __name__ == "__main__":
    main()
