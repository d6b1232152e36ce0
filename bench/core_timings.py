"""Handler-level timings, in process: /rag answers and a message update.

On the real sample plans, and on a 500-action board built by the real importer from
generated plan files with twelve weeks of history (bench/plan_files.py; --actions 0 skips it).
Run: python bench/core_timings.py [--repeat N] [--actions 500]
Prints p50 / p95 / p99 / max in milliseconds, each with a BENCH_RESULT line (bench/figures.py).
No assertions: figures for the closing note.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import plan_files
from bench.figures import Spread, emit
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.updates import parse_update
from bot.domain.workdays import WorkingCalendar
from handlers.application.conversation import Conversation, IncomingMessage, RagRequest
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.wiring import Services, build_services

IMPORTED = "Bench Improvement Board"


def timed(label: str, repeat: int, work: Callable[[int], object]) -> None:
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        work(i)
        samples.append(time.perf_counter() - start)
    s = Spread.of(samples)
    print(
        f"{label:<48} p50 {s.p50:7.2f} ms   p95 {s.p95:7.2f} ms   p99 {s.p99:7.2f} ms"
        f"   max {s.max:7.2f} ms   (n={repeat})",
        flush=True,
    )
    emit("core_timings", label, **s.figures())


def asker(services: Services, request: RagRequest) -> Callable[[int], object]:
    return lambda _i: services.rag.answer(request)


def build(tmp: Path, actions: int) -> Services:
    """The imported board first (the CLI makes the database), then the sample plans."""
    clock = ManualClock(datetime.now(UTC))
    url = f"sqlite:///{tmp / 'bench.db'}"
    if actions:
        # the same board slack_rag.py builds, so run_all builds it once (BENCH_BOARD_CACHE)
        plan_files.build_board(url, IMPORTED, actions=actions, tmp=tmp, channel="C0BOARD")
    settings = Settings(database_url=url, scheduler_enabled=False, _env_file=None)
    services = build_services(settings, clock=clock)
    for sample in SAMPLE_BOARDS:
        load_sample_board(services.db, sample, now=clock.now(), today=clock.now().date())
    return services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--actions", type=int, default=500, help="imported board (0: none)")
    args = parser.parse_args()
    repeat = args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        services = build(Path(tmp), args.actions)
        calendar = WorkingCalendar()
        today = services.clock.now().date()
        timed(
            "parse_update('amber - slipped to 14 April')",
            repeat,
            lambda _: parse_update("amber - slipped to 14 April", today=today, calendar=calendar),
        )
        boards = [b.name for b in SAMPLE_BOARDS] + ([IMPORTED] if args.actions else [])
        for board in boards:
            for query in ("", "red", "1.1", "overdue"):
                conv = Conversation(platform="cli", user_id="bench", channel="bench")
                request = RagRequest(conv, query, board_hint=board)
                timed(
                    f"/rag {query or '(board)'} on {board[:24]}", repeat, asker(services, request)
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
