"""Replies parsed per second on the phrase table (tests/domain/phrases.csv), one core.

Run: python bench/parse_rate.py [--runs N]   (goal, issue 8: cold >= 2,000 replies/s)

Each run is a fresh Python process pinned to one CPU, so nothing a previous run loaded or
compiled is reused, and it prints what a restarted bot pays:

- import: loading bot.domain.updates (its regexes are compiled here, once);
- first call: the first parse_update in the process, on a reply that is not in the table; it
  pays the lazy loading behind the first date (the `holidays` package loads its country tables
  on first use), shown apart so that the cold figure neither hides it nor is swamped by it;
- dateparser: the fallback for the few dates our grammar sees but can't build ('Tuesday the
  16th') builds the date from the words' own day and month where it can (dates.direct_date)
  and asks dateparser, which is slow to import and to warm up, only for the rest; the table
  reply that first reaches dateparser is timed on its own line (load + parse) and left out of
  the cold rate, and the number of table replies that reach the fallback, and dateparser, is
  shown;
- cold: every table reply parsed once, in table order; rate, then p50 / p99 / max per reply,
  and the rate again with the first call (and dateparser's first call) counted in;
- warm: the table parsed again 20 times in the same process (what a long-running bot sees);
- days the grammar can't place ('review on the 16th please', 'the 4th of next month'): replies
  no run has seen, each parsed twice, interleaved, with the fast path (dates.direct_date) and
  with dateparser alone (after dateparser's first call), as rates and their ratio.

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
from collections.abc import Callable
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
    parsed_by_dateparser = dates.dateparser_date
    fallback_texts: list[str] = []
    dateparser_texts: list[str] = []

    def counted(text: str, *, today: date) -> date | None:
        fallback_texts.append(text)
        return fallback(text, today=today)

    def counted_dateparser(text: str, *, today: date) -> date | None:
        dateparser_texts.append(text)
        return parsed_by_dateparser(text, today=today)

    dates.fallback_date = counted
    dates.dateparser_date = counted_dateparser
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
    dateparser_replies = len(dateparser_texts)
    warm = [parse(text) for _ in range(WARM_ROUNDS) for text in texts]
    fast_s, dateparser_s = _fallback_replies(parse)
    figures = {
        "replies": len(texts),
        "import_ms": import_s * 1e3,
        "first_ms": first_s * 1e3,
        "dateparser_first_ms": dateparser_first_s * 1e3,
        "fallback_calls": fallback_replies,
        "dateparser_calls": dateparser_replies,
        "cold_rate": len(cold) / sum(cold),
        "cold_with_first_rate": (len(cold) + 1 + (1 if dateparser_first_s else 0))
        / (sum(cold) + first_s + dateparser_first_s),
        **_latencies("cold", cold),
        "warm_rate": len(warm) / sum(warm),
        **_latencies("warm", warm),
        "fallback_fast_rate": len(fast_s) / sum(fast_s),
        "fallback_dateparser_rate": len(dateparser_s) / sum(dateparser_s),
        "fallback_speedup": sum(dateparser_s) / sum(fast_s),
    }
    slowest = texts[cold.index(max(cold))]
    return {"figures": figures, "first_loaded": lazy, "slowest_cold": slowest}


def _fallback_texts() -> list[str]:
    """Replies whose day only the fallback reads, none of them in the table."""
    shapes = (
        "review on the {} please",
        "new date Wednesday the {}",
        "review on the {} of next month",
        "moved to the {}, thanks",
    )
    return [shape.format(_ordinal(day)) for shape in shapes for day in range(1, 29)]


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _fallback_replies(parse: Callable[[str], float]) -> tuple[list[float], list[float]]:
    """Each reply with the fast path, then with dateparser alone: interleaved, same process."""
    from bot.domain import dates

    direct = dates.direct_date
    dates.dateparser_date("the 2nd", today=TODAY)  # its load is the table's line, not this one
    fast: list[float] = []
    slow: list[float] = []
    for text in _fallback_texts():
        fast.append(parse(text))
        dates.direct_date = lambda text, *, today: None  # decline all: dateparser reads it
        slow.append(parse(text))
        dates.direct_date = direct
    return fast, slow


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
    calls, slow_calls = int(middle["fallback_calls"]), int(middle["dateparser_calls"])
    print(
        f"the fallback: {calls} of {int(runs[0]['replies'])} table replies, "
        f"{calls - slow_calls} built from their own day and month, {slow_calls} sent to dateparser"
    )
    if middle["dateparser_first_ms"]:
        print(
            "dateparser: first call "
            + ", ".join(f"{run['dateparser_first_ms']:.0f} ms" for run in runs)
            + " (load + first parse; left out of the cold rate above)"
        )
    else:
        print("dateparser: not reached by the table")
    lazy = results[0]["first_loaded"]
    packages = ", ".join(sorted({name.split(".")[0] for name in lazy})) or "none"
    print(f"the first call imported {len(lazy)} modules lazily, from: {packages}")
    print(f"slowest cold reply in run 1: {results[0]['slowest_cold'][:80]!r}")
    print(
        f"days only the fallback reads ({len(_fallback_texts())} never-seen replies): "
        f"{middle['fallback_fast_rate']:,.0f}/s built directly, "
        f"{middle['fallback_dateparser_rate']:,.0f}/s through dateparser "
        f"({middle['fallback_speedup']:.1f}x)"
    )
    _emit(runs, middle)


def _emit(runs: list[dict[str, float]], middle: dict[str, float]) -> None:
    """The headline figures as BENCH_RESULT lines (medians over the runs) for run_all."""
    sys.path.insert(0, str(ROOT))
    from bench.figures import emit

    n = len(runs)
    common = {"runs": n, "replies": int(runs[0]["replies"])}
    emit(
        "parse_rate",
        "cold replies/s (one core)",
        value=round(middle["cold_rate"]),
        unit="/s",
        p50_ms=round(middle["cold_p50_us"] / 1e3, 3),
        p99_ms=round(middle["cold_p99_us"] / 1e3, 3),
        goal=f"≥ {GOAL:,}/s",
        ok=middle["cold_rate"] >= GOAL,
        with_first_rate=round(middle["cold_with_first_rate"]),
        **common,
    )
    emit(
        "parse_rate",
        "warm replies/s",
        value=round(middle["warm_rate"]),
        unit="/s",
        p50_ms=round(middle["warm_p50_us"] / 1e3, 3),
        p99_ms=round(middle["warm_p99_us"] / 1e3, 3),
        **common,
    )
    emit(
        "parse_rate",
        "first call (lazy loads)",
        value=round(middle["first_ms"], 1),
        unit="ms",
        dateparser_first_ms=round(middle["dateparser_first_ms"], 1),
        **common,
    )


def _row(run: dict[str, float]) -> str:
    return "".join(f"{form.format(run[key]):>13}" for _, key, form in _COLUMNS)


if __name__ == "__main__":
    main()
