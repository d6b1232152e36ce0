"""Kill `serve` mid-burst: acked / applied / lost / doubled, for SIGKILL and SIGTERM.

    python bench/kill_burst.py [-n 1000]

A real `actionbot serve` (the CLI, in a subprocess, on a SQLite file) takes n owners'
updates over signed HTTP from 1 client and from 8 at once, and is sent SIGKILL or SIGTERM
after a third of them are acknowledged; then it is started again, and what never got a 200
is resent as Slack would retry it. Prints the counts for each case and the ack times.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import Spread, emit, percentile_line
from tests.slack.burst import prepare, run_burst
from tests.slack.fake_slack import running


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    n = parser.parse_args().n
    for stop_signal in (signal.SIGKILL, signal.SIGTERM):
        for clients in (1, 8):
            with tempfile.TemporaryDirectory() as tmp, running() as fake:
                url = f"sqlite:///{Path(tmp) / 'burst.db'}"
                owners = prepare(url)
                result = run_burst(
                    url,
                    fake,
                    owners,
                    total=n,
                    clients=clients,
                    stop_signal=stop_signal,
                    stop_after=n // 3,
                )
            print(f"{stop_signal.name} with {clients} client(s): {result.line()}")
            print("  " + percentile_line("ack", result.ack_seconds))
            emit(
                "kill_burst",
                f"{stop_signal.name}, {clients} client(s): lost / doubled",
                **Spread.of(result.ack_seconds).figures(),
                value=f"{result.lost} / {result.doubled}",
                goal="0 lost, 0 doubled",
                ok=result.lost == 0 and result.doubled == 0,
                sent=result.sent,
                acked=result.acked,
                applied=result.applied,
                lost=result.lost,
                doubled=result.doubled,
                unanswered=result.unanswered,
            )


if __name__ == "__main__":
    main()
