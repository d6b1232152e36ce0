"""Building (and rendering) the weekly digest for a 1,000-action board.

The board holds the real seed actions cycled to 1,000, with 150 RAG changes in the history
since the last digest (so "newly red" and "recovered" have work to do).
Run: python bench/digest_build.py [--actions 1000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, timedelta
from pathlib import Path

import sweep_scale
from sqlmodel import select
from sweep_scale import NOW, CountingNotifier

from bot.clock import ManualClock
from bot.domain.plan import FieldChange
from handlers.slack.blocks import render_blocks
from handlers.text import render_text
from schedules.dispatch import Dispatcher
from storage.db import Database
from storage.history import record_update
from storage.models import Action, Board
from storage.notifications import Claim, mark_sent, try_claim


def build(db: Database, actions: int) -> Board:
    sweep_scale.BOARDS = 1
    sweep_scale.build(db, actions, due=50)
    last_week = NOW - timedelta(days=7)
    with db.session() as session:  # last week's digest, the baseline for "newly red"
        claim = Claim("digest:1:last-week", "digest", 1, last_week)
        row = try_claim(session, claim, now=last_week, stale_after=timedelta(minutes=10))
        assert row is not None
        assert row.id is not None
        mark_sent(session, row.id, now=last_week, platform="bench", channel="C", message_ref="1")
    with db.session() as session:
        for action in session.exec(select(Action)).all():
            action.created_at = NOW - timedelta(days=60)  # on the board long before last week
        for n, action in enumerate(session.exec(select(Action).limit(150)).all()):
            assert action.id is not None
            after = ("red", "amber", "green")[n % 3]
            record_update(
                session,
                action_id=action.id,
                person_id=None,
                source="bench",
                text="bench",
                changes=[FieldChange("rag", action.rag, after)],
                now=NOW - timedelta(days=2),
            )
            action.rag = after
        return session.exec(select(Board)).one()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.connect(f"sqlite:///{Path(tmp) / 'bench.db'}")
        board = build(db, args.actions)
        dispatcher = Dispatcher(db=db, clock=ManualClock(NOW), notifier=CountingNotifier())
        stages = {"load + build": [], "render text": [], "render Block Kit": []}
        for _ in range(args.repeat):
            started = time.perf_counter()
            digest = dispatcher.digest_for(board, now=NOW.astimezone(UTC))
            built = time.perf_counter()
            render_text(digest)
            texted = time.perf_counter()
            blocks = render_blocks(digest)
            done = time.perf_counter()
            stages["load + build"].append(built - started)
            stages["render text"].append(texted - built)
            stages["render Block Kit"].append(done - texted)
        print(
            f"Digest for a {args.actions}-action board: {len(digest.red)} red, "
            f"{len(digest.newly_red)} newly red, {len(digest.recovered)} recovered, "
            f"{len(blocks)} blocks"
        )
        for stage, samples in stages.items():
            print(
                f"  {stage:<18} p50 {statistics.median(samples) * 1000:7.1f} ms   "
                f"max {max(samples) * 1000:7.1f} ms"
            )
        db.dispose()


if __name__ == "__main__":
    main()
