"""`/rag` over signed HTTP on a 500-action board, beside an empty Bolt handler, same run.

The empty handler (a Bolt app whose /rag only acks) shows what Bolt, waitress and HTTP cost
on their own; the difference is ours. Actions are the real seed actions cycled to 500.
Run: python bench/rag_http_500.py [-n 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sweep_scale
from slack_bolt import Ack, App
from slack_rag import CHAIR_ID, SECRET, bench_settings, measure, report
from waitress.server import create_server

from bot.config import Settings
from handlers.slack.app import make_client
from handlers.slack.server import EVENTS_PATH, bolt_wsgi_app, start_in_thread
from handlers.wiring import build_services
from tests.slack.fake_slack import FakeSlack, SlackSender, running


def empty_app(settings: Settings) -> App:
    app = App(client=make_client(settings), signing_secret=SECRET, name="empty")

    @app.command("/rag")
    def rag(ack: Ack) -> None:
        ack()

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp, running() as fake:
        settings = bench_settings(Path(tmp) / "bench.db", fake)
        services = build_services(settings)
        sweep_scale.BOARDS = 1
        sweep_scale.build(services.db, 500, due=40)
        url, stop = start_in_thread(services.application)
        empty = create_server(
            bolt_wsgi_app(services.application, empty_app(settings)), host="127.0.0.1", port=0
        )
        threading.Thread(target=empty.run, daemon=True).start()
        empty_url = f"http://127.0.0.1:{empty.effective_port}"
        try:
            print(f"/rag on a 500-action board, {n} sequential signed requests each")
            run_empty(fake, empty_url, n)
            ours = SlackSender(url + EVENTS_PATH, SECRET, response_base=fake.url)
            for text in ("", "red", "1.1"):

                def send(_i: int, text: str = text) -> object:
                    return ours.command(text, user_id=CHAIR_ID)

                report(f"/rag {text}".strip(), *measure(fake, n, send, fake.responses))
        finally:
            empty.close()
            stop()
            services.db.dispose()


def run_empty(fake: FakeSlack, url: str, n: int) -> None:
    sender = SlackSender(url + EVENTS_PATH, SECRET, response_base=fake.url)
    acks = []
    for _ in range(n):
        response = sender.command("", user_id=CHAIR_ID)
        acks.append(response.seconds)
    report("empty Bolt handler", acks, acks)


if __name__ == "__main__":
    main()
