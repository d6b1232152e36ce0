"""How long a large plan import blocks everyone else's writes on SQLite.

Run: python bench/import_lock.py [--actions 5000]
Builds a plan of N actions from the bundled St Helens sample (its rows repeated under new
titles and priorities), imports it with `actionbot import` into a fresh SQLite file while
another thread commits a small write every 50 ms, and prints the import time and the longest
any of those writes waited. No assertions: figures for the closing note.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from typer.testing import CliRunner

from bench.figures import emit
from bot.clock import ManualClock
from handlers.cli.main import CliOptions, app
from storage.db import Database
from tests.test_cli_limits import Writer, big_plan


def measure(folder: Path, actions: int) -> tuple[float, float, int, int]:
    """(import seconds, longest writer wait in seconds, writes, writes refused) for one import."""
    url = f"sqlite:///{folder / 'bench.db'}"
    plan = big_plan(folder / "big_plan.csv", actions)
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
    return took, max(writer.waits), len(writer.waits), writer.refused


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
    emit(
        "import_lock",
        f"import of {args.actions:,} actions",
        value=round(took, 2),
        unit="s",
        actions=args.actions,
    )
    emit(
        "import_lock",
        "longest wait of a 50 ms writer",
        value=round(longest * 1000),
        unit="ms",
        max_ms=round(longest * 1000, 1),
        writes=writes,
        refused=refused,
    )


if __name__ == "__main__":
    main()
