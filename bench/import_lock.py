"""How long a large plan import blocks everyone else's writes on SQLite.

Run: python bench/import_lock.py [--actions 5000]
Builds a plan of N actions from the bundled St Helens sample (its rows repeated under new
titles and priorities), imports it with `actionbot import` into a fresh SQLite file while
another thread commits a small write every 50 ms, and prints the import time and the longest
any of those writes waited. No assertions: figures for the closing note.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from bot.cli import CliOptions, app
from bot.clock import ManualClock
from storage.db import Database
from storage.models import InboundEvent

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "sample" / "st_helens_plan.csv"
WRITE_EVERY = 0.05


def generated_plan(target: Path, actions: int) -> Path:
    """The sample's rows over and over, each copy with its own title and priority."""
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for number in range(actions):
            row = dict(rows[number % len(rows)])
            row["action"] = f"{row['action'][:200]} (copy {number})"
            row["priority"] = f"{row['priority']} {number // 100}"
            writer.writerow(row)
    return target


class Writer(threading.Thread):
    """A small write transaction every 50 ms; records how long each one took."""

    def __init__(self, db: Database) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.waits: list[float] = []
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            start = time.perf_counter()
            try:
                with self.db.session() as session:
                    session.add(
                        InboundEvent(
                            platform="bench", event_id=f"e{number}", received_at=datetime.now(UTC)
                        )
                    )
            except OperationalError:  # "database is locked": waited the whole busy timeout
                self.failures += 1
            self.waits.append(time.perf_counter() - start)
            self.stop.wait(WRITE_EVERY)


def measure(folder: Path, actions: int) -> tuple[float, float, int, int]:
    """(import seconds, longest writer wait in seconds, writes, writes refused) for one import."""
    url = f"sqlite:///{folder / 'bench.db'}"
    plan = generated_plan(folder / "big_plan.csv", actions)
    db = Database.connect(url)
    writer = Writer(db)
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        writer.start()
        time.sleep(0.2)
        clock = ManualClock(datetime(2022, 10, 31, 9, 0, tzinfo=UTC))
        start = time.perf_counter()
        result = CliRunner().invoke(
            app,
            ["import", str(plan), "--board", "Bench board", "--as-of", "2022-10-31"],
            obj=CliOptions(clock=clock),
        )
        took = time.perf_counter() - start
        time.sleep(0.2)
    finally:
        writer.stop.set()
        writer.join()
        db.dispose()
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old
    if result.exit_code != 0:
        raise SystemExit(f"import failed: {result.output}")
    return took, max(writer.waits), len(writer.waits), writer.failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actions", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        took, longest, writes, refused = measure(Path(folder), args.actions)
    print(f"import of {args.actions} actions: {took:.2f} s")
    print(
        f"longest wait of a 50 ms writer: {longest * 1000:.0f} ms "
        f"({writes} writes, {refused} refused as 'database is locked')"
    )


if __name__ == "__main__":
    main()
