"""Hostile traffic at the Slack endpoint: statuses, throughput and memory over time.

    python bench/fuzz_edge.py [-n 50000]

The seeded generator of tests/slack/hostile.py against the real server on 127.0.0.1, with
a stand-in Slack; prints the status counts, requests per second and the process's resident
memory every 10,000 requests, so a leak shows as a rising line.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import emit
from bench.slack_rag import OWNER_ID, SECRET, build
from handlers.slack.server import start_server
from tests.slack.fake_slack import running
from tests.slack.hostile import HostileRequests, send


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=50_000)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp, running() as fake:
        services = build(Path(tmp) / "fuzz.db", fake)
        server = start_server(services.application)
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        generator = HostileRequests(SECRET, seed=7, linked_user=OWNER_ID)
        statuses: Counter[int] = Counter()
        started = time.perf_counter()
        rss_start = rss_mb()
        print(f"RSS at start {rss_start:.0f} MB")
        for number in range(1, n + 1):
            statuses[send(connection, generator.next())] += 1
            if number % 10_000 == 0:
                rate = number / (time.perf_counter() - started)
                print(f"{number:>7} requests  {rate:6.0f}/s  RSS {rss_mb():.0f} MB")
        rate = n / (time.perf_counter() - started)
        server.worker.wait_idle(timeout=120)
        server.stop()
        rss_end = rss_mb()
        print(f"after the inbox drained: RSS {rss_end:.0f} MB; statuses {dict(statuses)}")
        errors = sum(v for s, v in statuses.items() if s >= 500)
        print(f"5xx: {errors}, hang-ups: {statuses[0]}")
    counts = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    emit(
        "fuzz_edge",
        f"{n:,} hostile requests: statuses (0 = hang-up)",
        value=counts,
        goal="no 5xx, no hang-ups",
        ok=errors == 0 and statuses[0] == 0,
        statuses={str(status): count for status, count in sorted(statuses.items())},
        errors_5xx=errors,
        hang_ups=statuses[0],
    )
    emit("fuzz_edge", "hostile requests/s", value=round(rate), unit="/s", n=n)
    emit(
        "fuzz_edge",
        "RSS after the inbox drained",
        value=round(rss_end),
        unit="MB",
        rss_start_mb=round(rss_start, 1),
        growth_mb=round(rss_end - rss_start, 1),
    )


if __name__ == "__main__":
    main()
