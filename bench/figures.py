"""One way to print timings across the benchmarks: p50, p95 and max in milliseconds."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile_line(label: str, seconds: Sequence[float]) -> str:
    ms = sorted(v * 1000 for v in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (
        f"{label} n={len(ms):<4} p50 {statistics.median(ms):7.1f} ms"
        f"   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms"
    )
