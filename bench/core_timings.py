"""Handler-level timings on the real sample plans: /rag answers and a message update.

Run: python bench/core_timings.py [--repeat N]
Prints p50 / p95 / max in milliseconds. No assertions: figures for the closing note.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.updates import parse_update
from bot.domain.workdays import WorkingCalendar
from handlers.application.conversation import Conversation, IncomingMessage, RagRequest
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.wiring import Services, build_services


def timed(label: str, repeat: int, work: Callable[[int], object]) -> None:
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        work(i)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(
        f"{label:<48} p50 {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms"
        f"   max {samples[-1]:7.2f} ms   (n={repeat})"
    )


def build(tmp: Path) -> Services:
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    settings = Settings(database_url=f"sqlite:///{tmp / 'bench.db'}", scheduler_enabled=False)
    services = build_services(settings, clock=clock)
    for sample in SAMPLE_BOARDS:
        load_sample_board(services.db, sample, now=clock.now(), today=clock.now().date())
    return services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        services = build(Path(tmp))
        calendar = WorkingCalendar()
        today = services.clock.now().date()
        timed(
            "parse_update('amber - slipped to 14 April')",
            repeat,
            lambda _: parse_update("amber - slipped to 14 April", today=today, calendar=calendar),
        )
        for board in (b.name for b in SAMPLE_BOARDS):
            for query in ("", "red", "1.1", "overdue"):
                conv = Conversation(platform="cli", user_id="bench", channel="bench")
                request = RagRequest(conv, query, board_hint=board)
                timed(
                    f"/rag {query or '(board)'} on {board[:24]}",
                    repeat,
                    lambda _, r=request: services.rag.answer(r),
                )

        def update(i: int) -> None:
            conv = Conversation(platform="console", user_id="Nigel Richardson", channel="dm")
            rag = ("amber", "red", "green")[i % 3]
            text = f"1.{1 + i % 8} {rag} - bench update number {i}"
            services.chat.on_message(IncomingMessage(conv, text))

        timed("update by message (parse, check, write, commit)", repeat, update)
        services.db.dispose()


if __name__ == "__main__":
    main()
