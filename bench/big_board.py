"""A 100,000-action board through the real CLI: import, re-import, rag, digest, export.

Issue 12 item 7 ("Big boards work"). The plan file is bench/plan_files.py's (the seed plans'
workstreams, titles, updates and milestones cycled; review dates over a year; RAGs mixed),
with two changes for a county-wide board: owners drawn from a few thousand people (the seed
plans' first names and surnames recombined with a middle initial), and the Worcestershire
layout (no Outcomes or Measures columns, and each latest update cut to its first ~100
characters: St Helens' cells run to ~1 KB, which would put a 100,000-action file past the
importer's 50 MB file limit; this one is ~45 MB).

Each step runs `actionbot …` in a fresh subprocess and is timed by wall clock, with its peak
resident memory and CPU seconds (user + system) from wait4()'s rusage (that process alone,
not the bench's): on a shared machine the CPU figure is the one to compare.

Run: python bench/big_board.py [--actions 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plan_files  # bench/ is not a package: found by the path above

from bench.figures import emit

BOARD = "County Programme Board"
AS_OF = plan_files.week_date(0)
HEADER = tuple(h for h in plan_files.HEADER if h not in ("Outcomes", "Measures"))
INITIALS = "ABCDEFGHJKLMNPRSTW"
UPDATE_CHARS = 100
PEOPLE_PER_ACTION = 30  # ~3,300 people at 100,000 actions

# (step, seconds goal, MB goal): issue 12 item 7.
GOALS = {
    "import": (60.0, 300.0),
    "re-import (no change)": (60.0, 300.0),
    "rag": (1.0, 300.0),
    "digest": (2.0, 300.0),
    "export csv": (30.0, 300.0),
    "export xlsx": (30.0, 300.0),
}


def people(actions: int) -> list[str]:
    """First names × middle initials × surnames from the seed plans: distinct real-looking
    names, as many as a programme of this size has."""
    seeds = plan_files.load_seeds()
    names = [
        f"{first} {initial}. {last}"
        for initial in INITIALS
        for last in seeds.surnames
        for first in seeds.first_names
    ]
    return names[: max(8, actions // PEOPLE_PER_ACTION)]


def write_big_plan(path: Path, *, actions: int) -> Path:
    """plan_files' week-0 rows, owners spread over `people(actions)`, Worcestershire columns."""
    pool = people(actions)
    rows = plan_files.plan_rows(actions, week=0, start=AS_OF)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number, row in enumerate(rows):
            count = len(row.owners)
            row.owners = [pool[(number * 7 + k * 131) % len(pool)] for k in range(count)]
            row.update = _first_words(row.update, UPDATE_CHARS)
            cells = dict(zip(plan_files.HEADER, plan_files._cells(row), strict=True))
            writer.writerow([cells[name] for name in HEADER])
    return path


def _first_words(text: str, most: int) -> str:
    if len(text) <= most:
        return text
    return text[:most].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float
    cpu_seconds: float  # user + system: what the step costs when the machine is shared
    peak_mb: float
    output: str


def run(name: str, args: list[str], *, db_url: str) -> Step:
    """One command in a fresh process; its own peak RSS (ru_maxrss, kB on Linux)."""
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "NO_COLOR": "1",
    }
    for secret in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TEAMS_APP_ID"):
        env.pop(secret, None)
    command = [str(Path(sys.executable).with_name("actionbot")), *args]
    began = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, cwd=plan_files.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    text = output.decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"actionbot {' '.join(args)} failed:\n{text[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Step(name, seconds, cpu, usage.ru_maxrss / 1024, text)


def steps(folder: Path, plan: Path, db_url: str) -> list[Step]:
    board = ["--board", BOARD]
    load = ["import", str(plan), *board, "--as-of", AS_OF.isoformat(), "--json"]
    done = [run("import", load, db_url=db_url), run("re-import (no change)", load, db_url=db_url)]
    if '"changed": false' not in done[1].output:
        raise SystemExit("the re-import changed something:\n" + done[1].output[:2000])
    done.append(run("rag", ["rag", *board], db_url=db_url))
    done.append(run("digest", ["digest", *board], db_url=db_url))
    csv_out, xlsx_out = folder / "export.csv", folder / "export.xlsx"
    done.append(run("export csv", ["export", *board, "--output", str(csv_out)], db_url=db_url))
    xlsx = ["export", *board, "--format", "xlsx", "--output", str(xlsx_out)]
    done.append(run("export xlsx", xlsx, db_url=db_url))
    again = ["import", str(csv_out), *board, "--as-of", AS_OF.isoformat(), "--json"]
    done.append(run("import of the export", again, db_url=db_url))
    if '"changed": false' not in done[-1].output:
        raise SystemExit("importing the export changed something:\n" + done[-1].output[:2000])
    return done


def table(found: list[Step]) -> str:
    lines = [f"{'step':<24}{'seconds':>9}{'cpu s':>8}{'goal':>7}{'peak MB':>10}{'goal':>7}  ok"]
    for step in found:
        goal_s, goal_mb = GOALS.get(step.name, GOALS["import"])
        ok = step.seconds <= goal_s and step.peak_mb <= goal_mb
        lines.append(
            f"{step.name:<24}{step.seconds:>9.2f}{step.cpu_seconds:>8.2f}{goal_s:>7.0f}"
            f"{step.peak_mb:>10.0f}"
            f"{goal_mb:>7.0f}  {'yes' if ok else 'NO'}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        plan = write_big_plan(folder / "big_plan.csv", actions=args.actions)
        db = folder / "big_board.db"
        db.unlink(missing_ok=True)
        size = plan.stat().st_size / 1024 / 1024
        print(f"{args.actions:,} actions, {len(people(args.actions)):,} people, {size:.0f} MB CSV")
        found = steps(folder, plan, f"sqlite:///{db}")
        print(table(found))
        report(found, actions=args.actions)


def report(found: list[Step], *, actions: int) -> None:
    """One BENCH_RESULT per step (seconds), and one for the largest peak RSS."""
    for step in found:
        goal_s, goal_mb = GOALS.get(step.name, GOALS["import"])
        emit(
            "big_board",
            f"{step.name} ({actions:,} actions)",
            value=round(step.seconds, 2),
            unit="s",
            goal=f"≤ {goal_s:g} s",
            ok=step.seconds <= goal_s,
            cpu_s=round(step.cpu_seconds, 2),
            peak_mb=round(step.peak_mb, 1),
            goal_mb=goal_mb,
        )
    biggest = max(found, key=lambda step: step.peak_mb)
    goal_mb = min(mb for _s, mb in GOALS.values())
    emit(
        "big_board",
        f"peak RSS, largest step ({biggest.name})",
        value=round(biggest.peak_mb),
        unit="MB",
        goal=f"≤ {goal_mb:g} MB",
        ok=all(step.peak_mb <= GOALS.get(step.name, GOALS["import"])[1] for step in found),
    )


if __name__ == "__main__":
    main()
