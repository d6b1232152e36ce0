"""Building (and rendering) the weekly digest for a 1,000-action imported board.

Issue 12 item 6: ≤ 100 ms for a 1,000-action board with workstreams, owners, milestones and
history. The board is built by the real importer from generated plan files
(bench/plan_files.py): twelve weekly re-imports, each changing a tenth of the rows, so the
last week's changes give "newly red" and "recovered" real work; last week's digest is
recorded as sent a week ago, the baseline those are counted from.
Run: python bench/digest_build.py [--actions 1000] [--weeks 12] [--repeat 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select

from bench import plan_files
from bench.figures import Spread, emit
from bot.clock import ManualClock
from bot.domain.plan import PersonRef
from bot.ports import Sent
from handlers.slack.blocks import render_blocks
from handlers.text import render_text
from schedules.dispatch import Dispatcher
from storage.db import Database
from storage.models import Board
from storage.notifications import Claim, mark_sent, try_claim

BENCH = "digest_build"
BOARD = "Bench Improvement Board"


class NoNotifier:
    """The digest is built, not sent: nothing here is called."""

    platform = "bench"

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        raise AssertionError("the bench sends nothing")

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        raise AssertionError("the bench sends nothing")


def build(tmp: Path, actions: int, weeks: int, now: datetime) -> tuple[Database, Board]:
    url = f"sqlite:///{tmp / 'bench.db'}"
    plan_files.build_board(url, BOARD, actions=actions, weeks=weeks, tmp=tmp)
    db = Database.connect(url)
    last_week = now - timedelta(days=7)
    with db.session() as session:  # last week's digest, the baseline for "newly red"
        board = session.exec(select(Board).where(Board.name == BOARD)).one()
        assert board.id is not None
        claim = Claim(f"digest:{board.id}:last-week", "digest", board.id, last_week)
        row = try_claim(session, claim, now=last_week, stale_after=timedelta(minutes=10))
        assert row is not None
        assert row.id is not None
        mark_sent(session, row.id, now=last_week, platform="bench", channel="C", message_ref="1")
        return db, board


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=plan_files.HISTORY_WEEKS)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db, board = build(Path(tmp), args.actions, args.weeks, now)
        dispatcher = Dispatcher(db=db, clock=ManualClock(now), notifier=NoNotifier())
        stages: dict[str, list[float]] = {"load + build": [], "render text": [], "Block Kit": []}
        for _ in range(args.repeat):
            started = time.perf_counter()
            digest = dispatcher.digest_for(board, now=now)
            built = time.perf_counter()
            render_text(digest)
            texted = time.perf_counter()
            blocks = render_blocks(digest)
            done = time.perf_counter()
            stages["load + build"].append(built - started)
            stages["render text"].append(texted - built)
            stages["Block Kit"].append(done - texted)
        print(
            f"Digest for a {args.actions}-action board imported over {args.weeks} weeks: "
            f"{len(digest.red)} red, {len(digest.newly_red)} newly red, "
            f"{len(digest.recovered)} recovered, {len(blocks)} blocks"
        )
        for stage, samples in stages.items():
            spread = Spread.of(samples)
            print(f"  {stage:<14} p50 {spread.p50:7.1f} ms   p99 {spread.p99:7.1f} ms")
            goal: dict[str, object] = {}
            if stage == "load + build":
                goal = {"goal": "p50 ≤ 100 ms", "ok": spread.p50 <= 100}
            emit(BENCH, f"digest {stage}, {args.actions} actions", **spread.figures(), **goal)
        db.dispose()


if __name__ == "__main__":
    main()
