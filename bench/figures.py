"""One way to print timings across the benchmarks, and one line bench/run_all.py reads.

Every bench ends each figure it reports with a machine-readable line, so run_all can put
every bench's figures in one table without parsing their prose:

    BENCH_RESULT {"bench": "slack_rag", "measure": "/rag red ack", "p50_ms": 4.1, ...}

Call `emit(bench, measure, **figures)`; the keys run_all knows (all optional, JSON values):

    n                     how many samples
    p50_ms p95_ms p99_ms  the subject's percentiles, milliseconds
    max_ms
    base_p50_ms base_p99_ms   the baseline's (the empty Bolt app, a bare import, …)
    baseline              what the baseline was ("empty Bolt", "python -c 'import sqlmodel'")
    ratio                 subject ÷ baseline (run_all shows "×N"), usually at p99
    value unit            a single figure that is not a percentile ("1.21", "× min", "s")
    goal                  the issue's goal for it, as text ("p99 ≤ 100 ms")
    ok                    true/false when the bench itself judged the goal

Anything else is kept in the JSON and ignored by the table.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: p99 of 300 samples is the 297th, a value that was seen."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Spread:
    """p50 / p95 / p99 / max of some samples, in milliseconds."""

    n: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        ms = sorted(v * 1000 for v in seconds)
        if not ms:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        median = statistics.median(ms)
        return cls(len(ms), median, percentile(ms, 0.95), percentile(ms, 0.99), ms[-1])

    def figures(self, prefix: str = "") -> dict[str, float | int]:
        """As emit() keys: p50_ms … (or base_p50_ms … with prefix "base_")."""
        values = {"p50_ms": self.p50, "p95_ms": self.p95, "p99_ms": self.p99}
        figures: dict[str, float | int] = {f"{prefix}{k}": round(v, 2) for k, v in values.items()}
        if not prefix:
            figures |= {"n": self.n, "max_ms": round(self.max, 2)}
        return figures


def percentile_line(label: str, seconds: Sequence[float]) -> str:
    s = Spread.of(seconds)
    return (
        f"{label} n={s.n:<4} p50 {s.p50:7.1f} ms   p95 {s.p95:7.1f} ms"
        f"   p99 {s.p99:7.1f} ms   max {s.max:7.1f} ms"
    )


def emit(bench: str, measure: str, **figures: Any) -> None:
    """One BENCH_RESULT line on stdout (see the module docstring for the keys)."""
    record = {"bench": bench, "measure": measure, **figures}
    print(RESULT_PREFIX + json.dumps(record, default=str), flush=True)


def parse_results(text: str) -> list[dict[str, Any]]:
    """Every BENCH_RESULT line in a bench's output, in order (run_all's side of emit)."""
    found = []
    for line in text.splitlines():
        if line.startswith(RESULT_PREFIX):
            try:
                found.append(json.loads(line.removeprefix(RESULT_PREFIX)))
            except json.JSONDecodeError:
                print(f"unreadable result line: {line[:120]}", file=sys.stderr)
    return found
