"""Replies parsed per second on the phrase table (tests/domain/phrases.csv), one core.

Run: python bench/parse_rate.py [--runs N]   (goal, issue 8: cold >= 2,000 replies/s)

Each run is a fresh Python process pinned to one CPU, so nothing a previous run loaded or
compiled is reused, and it prints what a restarted bot pays:

- import: loading bot.domain.updates (its regexes are compiled here, once);
- first call: the first parse_update in the process, on a reply that is not in the table; it
  pays the lazy loading behind the first date (the `holidays` package loads its country tables
  on first use), shown apart so that the cold figure neither hides it nor is swamped by it;
- dateparser: the fallback for the few dates our grammar sees but can't build ('Tuesday the
  16th') is the only caller of dateparser, which is slow to import and to warm up; the table
  reply that first reaches it is timed on its own line (load + parse) and left out of the cold
  rate, and the number of table replies that reach the fallback is shown;
- cold: every table reply parsed once, in table order; rate, then p50 / p99 / max per reply,
  and the rate again with the first call (and dateparser's first call) counted in;
- warm: the table parsed again 20 times in the same process (what a long-running bot sees).

Nothing in the parser caches by reply text (only compiled regexes and the per-year bank-holiday
tables are kept), so cold and warm differ by one-time costs and a warmed-up CPU, nothing more.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "domain" / "phrases.csv"
GOAL = 2_000  # replies per second, cold (issue 8)
WARM_ROUNDS = 20
TODAY = date(2026, 12, 1)
# Not in the table: a date with a year, so the first call reaches the bank-holiday calendar.
FIRST_REPLY = "Amber - recruitment slipped, review date now 14 May 2027"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes to measure (3)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure()))
        return
    runs = [_run_child() for _ in range(args.runs)]
    _report(runs)


class _Run(TypedDict):
    figures: dict[str, float]
    first_loaded: list[str]  # modules the first call imported
    slowest_cold: str  # the reply behind the cold max


def _run_child() -> _Run:
    """One measurement in a new interpreter: no module, regex or table survives from before."""
    out = subprocess.run(
        [sys.executable, __file__, "--child"], check=True, capture_output=True, text=True
    ).stdout
    run: _Run = json.loads(out)
    return run


def _pin_to_one_cpu() -> None:
    """The goal is per core; pinning also stops the scheduler moving the process mid-run."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _measure() -> _Run:
    _pin_to_one_cpu()
    sys.path.insert(0, str(ROOT))
    texts = _table_texts()
    start = time.perf_counter()
    from bot.domain import dates
    from bot.domain.updates import parse_update
    from bot.domain.workdays import WorkingCalendar

    import_s = time.perf_counter() - start
    fallback = dates.fallback_date
    fallback_texts: list[str] = []

    def counted(text: str, *, today: date) -> date | None:
        fallback_texts.append(text)
        return fallback(text, today=today)

    dates.fallback_date = counted
    calendar = WorkingCalendar("ENG")

    def parse(text: str) -> float:
        began = time.perf_counter()
        parse_update(text, today=TODAY, calendar=calendar)
        return time.perf_counter() - began

    loaded = set(sys.modules)
    first_s = parse(FIRST_REPLY)
    lazy = sorted(set(sys.modules) - loaded)
    cold: list[float] = []
    dateparser_first_s = 0.0
    for text in texts:
        loaded_before = "dateparser" in sys.modules
        took = parse(text)
        if not loaded_before and "dateparser" in sys.modules:
            dateparser_first_s = took  # its own line, not the cold rate's
        else:
            cold.append(took)
    fallback_replies = len(fallback_texts)
    warm = [parse(text) for _ in range(WARM_ROUNDS) for text in texts]
    figures = {
        "replies": len(texts),
        "import_ms": import_s * 1e3,
        "first_ms": first_s * 1e3,
        "dateparser_first_ms": dateparser_first_s * 1e3,
        "fallback_calls": fallback_replies,
        "cold_rate": len(cold) / sum(cold),
        "cold_with_first_rate": (len(cold) + 1 + (1 if dateparser_first_s else 0))
        / (sum(cold) + first_s + dateparser_first_s),
        **_latencies("cold", cold),
        "warm_rate": len(warm) / sum(warm),
        **_latencies("warm", warm),
    }
    slowest = texts[cold.index(max(cold))]
    return {"figures": figures, "first_loaded": lazy, "slowest_cold": slowest}


def _table_texts() -> list[str]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def _latencies(name: str, seconds: list[float]) -> dict[str, float]:
    """p50 / p99 / max in microseconds: a rate alone hides the few replies that are slow."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        f"{name}_p50_us": cuts[49] * 1e6,
        f"{name}_p99_us": cuts[98] * 1e6,
        f"{name}_max_us": max(seconds) * 1e6,
    }


_COLUMNS = (
    ("import ms", "import_ms", "{:.1f}"),
    ("1st call ms", "first_ms", "{:.1f}"),
    ("cold /s", "cold_rate", "{:,.0f}"),
    ("p50 µs", "cold_p50_us", "{:.0f}"),
    ("p99 µs", "cold_p99_us", "{:.0f}"),
    ("max µs", "cold_max_us", "{:.0f}"),
    ("cold+1st /s", "cold_with_first_rate", "{:,.0f}"),
    ("warm /s", "warm_rate", "{:,.0f}"),
    ("p50 µs", "warm_p50_us", "{:.0f}"),
    ("p99 µs", "warm_p99_us", "{:.0f}"),
)


def _report(results: list[_Run]) -> None:
    runs = [result["figures"] for result in results]
    print(
        f"parse_update over {TABLE.relative_to(ROOT)} ({int(runs[0]['replies'])} replies), "
        f"one fresh process per run, pinned to one CPU; warm = {WARM_ROUNDS} more passes"
    )
    print(f"{'':8}" + "".join(f"{title:>13}" for title, _, _ in _COLUMNS))
    for number, run in enumerate(runs, 1):
        print(f"{'run ' + str(number):8}" + _row(run))
    middle = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    if len(runs) > 1:
        print(f"{'median':8}" + _row(middle))
    verdict = "met" if middle["cold_rate"] >= GOAL else "NOT met"
    print(
        f"goal: cold >= {GOAL:,}/s on one core: {verdict} ({middle['cold_rate']:,.0f}/s; "
        f"{middle['cold_with_first_rate']:,.0f}/s counting the first call)"
    )
    calls = int(middle["fallback_calls"])
    if middle["dateparser_first_ms"]:
        print(
            f"dateparser (the fallback, {calls} of {int(runs[0]['replies'])} table replies): "
            "first call "
            + ", ".join(f"{run['dateparser_first_ms']:.0f} ms" for run in runs)
            + " (load + first parse; left out of the cold rate above)"
        )
    else:
        print("dateparser (the fallback): not reached by the table")
    lazy = results[0]["first_loaded"]
    packages = ", ".join(sorted({name.split(".")[0] for name in lazy})) or "none"
    print(f"the first call imported {len(lazy)} modules lazily, from: {packages}")
    print(f"slowest cold reply in run 1: {results[0]['slowest_cold'][:80]!r}")


def _row(run: dict[str, float]) -> str:
    return "".join(f"{form.format(run[key]):>13}" for _, key, form in _COLUMNS)


if __name__ == "__main__":
    main()
