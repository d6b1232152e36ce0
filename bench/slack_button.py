"""How fast a button press is answered, over real signed HTTP against a stand-in Slack.

    python bench/slack_button.py [-n 200]

Prints p50 / p95 / max for a reminder's RAG button: the HTTP ack (Slack allows 3 s), the
confirmation posted in the reminder's thread, and the reminder edited in place (chat.update).
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select

from bench.figures import percentile_line
from bench.slack_rag import OWNER_ID, SECRET, build
from handlers.slack.blocks import TAP_RAG, update_buttons
from handlers.slack.server import EVENTS_PATH, start_in_thread
from storage.models import Action
from tests.slack.fake_slack import Call, FakeSlack, SlackSender, running

DM = "D" + OWNER_ID[1:]


def press(slack: SlackSender, fake: FakeSlack, action_id: int, i: int) -> tuple[float, ...]:
    """A fresh reminder-shaped message each time, so no press is a repeat of another."""
    ts = f"1700400000.{i:06d}"
    message = {"type": "message", "ts": ts, "text": "6.2", "blocks": [update_buttons(action_id)]}
    rag = ("amber", "green")[i % 2]
    payload = slack.block_actions(
        user=OWNER_ID,
        message=message,
        channel=DM,
        action_id=f"{TAP_RAG}{rag}",
        value=str(action_id),
    )
    response = slack.interactive(payload)
    if response.status != 200:
        raise SystemExit(f"press {i} answered {response.status}: {response.body}")
    posted = fake.wait_for(lambda: _where(fake, "chat.postMessage", "thread_ts", ts), timeout=10)
    edited = fake.wait_for(lambda: _where(fake, "chat.update", "ts", ts), timeout=10)
    return response.seconds, posted.at - response.started, edited.at - response.started


def _where(fake: FakeSlack, method: str, param: str, ts: str) -> list[Call]:
    return [c for c in fake.answered(method) if c.params.get(param) == ts]


def report(name: str, values: list[float]) -> None:
    print(percentile_line(f"button {name:<13}", values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="presses (default 200)")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp, running() as fake:
        services = build(Path(tmp) / "bench.db", fake)
        with services.db.session(commit=False) as session:
            action_id = session.exec(select(Action.id).where(Action.ref == "6.2")).one()
        assert action_id is not None
        url, stop = start_in_thread(services.application)
        slack = SlackSender(url + EVENTS_PATH, SECRET, response_base=fake.url)
        try:
            figures = [press(slack, fake, action_id, i) for i in range(n)]
        finally:
            stop()
            services.db.dispose()
        names = ("ack", "confirmation", "chat.update")
        for index, name in enumerate(names):
            report(name, [row[index] for row in figures])


if __name__ == "__main__":
    main()
