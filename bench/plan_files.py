"""Plan files of realistic shape, and boards built from them by the real importer.

Benchmarks used to bulk-insert boards with no workstreams or history and send updates to
refs that missed; that flatters every read. Here a board is what a council would have after
twelve weekly re-imports of its plan: workstreams with refs (1.1, 1.2 …), hundreds of owners
(first names and surnames from the seed plans, recombined), one to four dated milestones per
action, review dates over a year, mixed RAG, and a history built by importing week 0, 1, …
11 in turn, each week changing a tenth of the rows (RAG, latest update, review date, ticked
milestones). Titles, updates, outcomes, measures and milestone text are the seed plans'
(bot/sample, copies of ../shared/data) cycled.

    write_plan(path, actions=500, seed=0, week=3)      # one week's CSV
    built = build_board(db_url, "Bench Board", actions=500, weeks=12, tmp=Path(tmp))
    built.refs, built.owners_of["2.3"], built.sole_refs  # refs that hit, by real owners

The import runs `actionbot import` in a subprocess (the real CLI, its real startup) with the
clock set to each week's Monday, so history has twelve weeks of timestamps: the CLI has no
clock setting, so the subprocess calls the console script's typer app with a ManualClock
handed in the way the CLI's own tests do (CliOptions). `clock=False` runs the plain
`actionbot` executable instead; history then all says "now".

Run: python bench/plan_files.py [--actions 500] [--weeks 12] [--out DIR]  (writes the files)
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "bot" / "sample"
HISTORY_WEEKS = 12
CHAIR = "Nigel Richardson"  # Worcestershire's independent chair, as in the sample plan
HEADER = (
    "Ref",
    "Workstream Ref",
    "Workstream",
    "Action",
    "Outcomes",
    "Measures",
    "Owners",
    "Review Date",
    "RAG",
    "Latest Update",
    "Milestones",
)
RAGS = ("Green", "Amber", "Red", "Not started", "Complete")
RAG_WEIGHTS = (40, 30, 15, 8, 7)
CHANGED_PER_WEEK = 0.10  # share of rows each weekly re-import changes
ACTIONS_PER_WORKSTREAM = 25
OWNERS_PER_ACTION = 2  # hundreds of owners at 500 actions: one owner per two actions


@dataclass(frozen=True)
class Seeds:
    """What the real plans say, to be cycled: nothing in a generated file is made up text."""

    workstreams: tuple[str, ...]
    titles: tuple[str, ...]
    outcomes: tuple[str, ...]
    measures: tuple[str, ...]
    updates: tuple[str, ...]
    milestones: tuple[str, ...]
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]


def _read(name: str) -> list[dict[str, str]]:
    with (SAMPLE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _unique(values: Sequence[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(v.split()) for v in values if v and v.strip()))


def _person_names() -> list[tuple[str, str]]:
    """(first, surname) of every seed owner the real reader finds with a plain two-word name
    (it strips St Helens' job titles and reads Worcestershire's capitals)."""
    from bot.domain.workdays import WorkingCalendar
    from bot.plan_io.reader import read_plan_files
    from handlers.application.sample import SAMPLE_BOARDS, sample_file

    found = []
    for sample in SAMPLE_BOARDS:
        files = [sample_file(f) for f in sample.files]
        for row in read_plan_files(files, as_of=sample.as_of, calendar=WorkingCalendar()):
            found += [tuple(p.name.split()) for p in row.owners if len(p.name.split()) == 2]
    return [(first, last) for first, last in found]


@functools.cache
def load_seeds() -> Seeds:
    st_helens = _read("st_helens_plan.csv")
    sip = _read("worcestershire_sip.csv")
    milestones = _read("worcestershire_milestones.csv")
    names = _person_names()
    return Seeds(
        workstreams=_unique([r["priority"] for r in st_helens] + [r["workstream"] for r in sip]),
        titles=_unique([r["project"] for r in sip] + [r["action"] for r in st_helens]),
        outcomes=_unique([r["outcomes_expected"] for r in st_helens]),
        measures=_unique([r["measure"] for r in st_helens]),
        updates=_unique([r["commentary"] for r in sip] + [r["latest_update"] for r in st_helens]),
        milestones=_unique([r["description"] for r in milestones]),
        first_names=_unique([first for first, _ in names]),
        surnames=_unique([last for _, last in names]),
    )


def default_start(today: date | None = None, weeks: int = HISTORY_WEEKS) -> date:
    """Week 0's Monday: weeks-1 weeks before this week's, so the last week imported is now."""
    today = today or datetime.now(UTC).date()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


def week_date(week: int, start: date | None = None) -> date:
    return (start or default_start()) + timedelta(weeks=week)


def owner_names(actions: int, seed: int = 0) -> list[str]:
    """Real first names and surnames recombined: as many people as a plan this big has."""
    seeds = load_seeds()
    pairs = [f"{f} {s}" for s in seeds.surnames for f in seeds.first_names]
    random.Random(seed).shuffle(pairs)
    return pairs[: max(8, min(len(pairs), actions // OWNERS_PER_ACTION))]


@dataclass
class _Row:
    ref: str
    workstream_ref: int
    workstream: str
    title: str
    outcomes: str
    measures: str
    owners: list[str]
    review: date
    month_only: bool
    rag: str
    update: str
    milestones: list[tuple[date, str]]
    done: set[int] = field(default_factory=set)


def _workday(day: date) -> date:
    """Review dates fall on working days, as a secretariat sets them."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _initial_rows(actions: int, seed: int, start: date) -> list[_Row]:
    seeds = load_seeds()
    rng = random.Random(seed)
    people = owner_names(actions, seed)
    streams = max(1, round(actions / ACTIONS_PER_WORKSTREAM))
    rows = []
    for i in range(actions):
        stream = i % streams
        name = seeds.workstreams[stream % len(seeds.workstreams)]
        if stream >= len(seeds.workstreams):
            name = f"{name} ({stream // len(seeds.workstreams) + 1})"
        number = i // streams + 1
        owners = rng.sample(people, rng.choice((1, 1, 1, 2, 2, 3)))
        count = rng.randint(1, 4)
        dues = sorted(_workday(start + timedelta(days=rng.randint(-30, 330))) for _ in range(count))
        texts = [seeds.milestones[(i * 4 + m) % len(seeds.milestones)] for m in range(count)]
        rows.append(
            _Row(
                ref=f"{stream + 1}.{number}",
                workstream_ref=stream + 1,
                workstream=name,
                title=seeds.titles[i % len(seeds.titles)],
                outcomes=seeds.outcomes[i % len(seeds.outcomes)],
                measures=seeds.measures[i % len(seeds.measures)],
                owners=owners,
                review=_workday(start + timedelta(days=rng.randint(-30, 365))),
                month_only=rng.random() < 0.1,
                rag=rng.choices(RAGS, RAG_WEIGHTS)[0],
                update=seeds.updates[i % len(seeds.updates)],
                milestones=list(zip(dues, texts, strict=True)),
            )
        )
    return rows


def _advance(rows: list[_Row], week: int, seed: int, start: date) -> None:
    """One week's re-import: a tenth of the rows get a new RAG, update and review date, and
    milestones past due are mostly ticked. Deterministic in (seed, week)."""
    seeds = load_seeds()
    rng = random.Random(seed * 1000 + week)
    today = week_date(week, start)
    for i in rng.sample(range(len(rows)), max(1, round(len(rows) * CHANGED_PER_WEEK))):
        row = rows[i]
        row.rag = rng.choices(RAGS, RAG_WEIGHTS)[0]
        said = seeds.updates[(i + week * 7) % len(seeds.updates)]
        row.update = f"w/c {today:%d %b %Y}: {said}"
        if row.review <= today + timedelta(days=7):
            row.review = _workday(today + timedelta(days=rng.randint(14, 120)))
            row.month_only = False
        elif rng.random() < 0.3:
            row.review = _workday(row.review + timedelta(weeks=rng.choice((2, 4))))
        row.done |= {m for m, (due, _) in enumerate(row.milestones) if due < today and m % 3}


def plan_rows(
    actions: int, *, seed: int = 0, week: int = 0, start: date | None = None
) -> list[_Row]:
    """The rows of week `week`: week 0's, moved on by each week's changes in turn."""
    start = start or default_start()
    rows = _initial_rows(actions, seed, start)
    for k in range(1, week + 1):
        _advance(rows, k, seed, start)
    return rows


def _cells(row: _Row) -> list[str]:
    review = f"{row.review:%B %Y}" if row.month_only else f"{row.review.day} {row.review:%B %Y}"
    milestones = "\n".join(
        f"{'[x] ' if m in row.done else ''}{due.day:02d} {due:%b %Y} - {text}"
        for m, (due, text) in enumerate(row.milestones)
    )
    return [
        row.ref,
        str(row.workstream_ref),
        row.workstream,
        row.title,
        row.outcomes,
        row.measures,
        "; ".join(row.owners),
        review,
        row.rag,
        row.update,
        milestones,
    ]


def write_plan(
    path: Path, *, actions: int, seed: int = 0, week: int = 0, start: date | None = None
) -> Path:
    """Week `week`'s plan as a CSV in the importer's columns; the same arguments, the same
    bytes (given the same `start`, which defaults to eleven weeks before this Monday)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(_cells(r) for r in plan_rows(actions, seed=seed, week=week, start=start))
    return path


@dataclass(frozen=True)
class BuiltBoard:
    """A board the importer built, and who owns what on it, so benches hit real refs."""

    db_url: str
    board: str
    chair: str
    refs: tuple[str, ...]
    owners_of: dict[str, tuple[str, ...]]
    import_seconds: tuple[float, ...]  # each week's `actionbot import`, wall clock

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(sorted({name for names in self.owners_of.values() for name in names}))

    def refs_of(self, owner: str) -> tuple[str, ...]:
        return tuple(ref for ref, names in self.owners_of.items() if owner in names)

    @property
    def sole_refs(self) -> tuple[tuple[str, str], ...]:
        """(ref, owner) where the action has one owner: an update that owner may make."""
        return tuple((ref, names[0]) for ref, names in self.owners_of.items() if len(names) == 1)


_WITH_CLOCK = """
import sys
from datetime import datetime, UTC
from bot.clock import ManualClock
from handlers.cli.main import app
from handlers.cli.state import CliOptions
when = datetime.fromisoformat(sys.argv[1]).replace(tzinfo=UTC)
app(args=sys.argv[2:], prog_name="actionbot", obj=CliOptions(clock=ManualClock(when)))
"""


def actionbot(
    args: Sequence[str], *, db_url: str, at: date | None = None, clock: bool = True
) -> subprocess.CompletedProcess[str]:
    """One `actionbot` command in its own process; `at` sets its clock (10:00 UTC that day)."""
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TEAMS_APP_ID"):
        env.pop(name, None)
    if at is not None and clock:
        command = [sys.executable, "-c", _WITH_CLOCK, f"{at.isoformat()}T10:00:00", *args]
    else:
        command = [str(Path(sys.executable).with_name("actionbot")), *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"actionbot {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def build_board(
    db_url: str,
    board: str,
    *,
    actions: int,
    weeks: int = HISTORY_WEEKS,
    tmp: Path,
    seed: int = 0,
    chair: str = CHAIR,
    clock: bool = True,
    start: date | None = None,
    channel: str | None = None,
) -> BuiltBoard:
    """Import weeks 0 … weeks-1 in turn through the real CLI, then name the chair (and the
    board's Slack channel). With BENCH_BOARD_CACHE set to a folder, a SQLite board built
    once is copied for the next bench that asks for the same one (run_all sets it)."""
    start = start or default_start(weeks=weeks)
    key = f"{actions}-{weeks}-{seed}-{start}-{chair}-{channel}-{clock}-{board}"
    cached = _cache_file(db_url, key)
    if cached is not None and cached.exists():
        shutil.copyfile(cached, _sqlite_path(db_url))
        return _built(db_url, board, chair, actions, seed, weeks, start, ())
    seconds = []
    for week in range(weeks):
        path = write_plan(
            Path(tmp) / f"plan_week_{week:02d}.csv",
            actions=actions,
            seed=seed,
            week=week,
            start=start,
        )
        at = week_date(week, start)
        args = ["import", str(path), "--board", board, "--as-of", at.isoformat(), "--json"]
        began = time.perf_counter()
        actionbot(args, db_url=db_url, at=at, clock=clock)
        seconds.append(time.perf_counter() - began)
    last = week_date(weeks - 1, start)
    roles = ["board", board, "--chair", chair, *(["--channel", channel] if channel else [])]
    actionbot(roles, db_url=db_url, at=last, clock=clock)
    if cached is not None:
        shutil.copyfile(_sqlite_path(db_url), cached)
    return _built(db_url, board, chair, actions, seed, weeks, start, tuple(seconds))


def _built(
    db_url: str,
    board: str,
    chair: str,
    actions: int,
    seed: int,
    weeks: int,
    start: date,
    seconds: tuple[float, ...],
) -> BuiltBoard:
    final = plan_rows(actions, seed=seed, week=weeks - 1, start=start)
    owners_of = {row.ref: tuple(row.owners) for row in final}
    return BuiltBoard(db_url, board, chair, tuple(owners_of), owners_of, seconds)


def _sqlite_path(db_url: str) -> Path:
    return Path(db_url.removeprefix("sqlite:///"))


def _cache_file(db_url: str, key: str) -> Path | None:
    folder = os.environ.get("BENCH_BOARD_CACHE")
    if not folder or not db_url.startswith("sqlite:///"):
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(folder) / f"board-{digest}.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=HISTORY_WEEKS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path())
    parser.add_argument("--import", dest="db_url", help="also build a board in this database")
    args = parser.parse_args()
    if args.db_url:
        built = build_board(
            args.db_url, "Bench Board", actions=args.actions, weeks=args.weeks, tmp=args.out
        )
        summary = {
            "owners": len(built.owners),
            "refs": len(built.refs),
            "import_s": [round(s, 2) for s in built.import_seconds],
        }
        print(json.dumps(summary))
        return
    for week in range(args.weeks):
        path = args.out / f"plan_week_{week:02d}.csv"
        print(write_plan(path, actions=args.actions, seed=args.seed, week=week))


if __name__ == "__main__":
    main()
