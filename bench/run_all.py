"""Every benchmark in bench/, one after another, and one table of what they found.

    python bench/run_all.py [--quick] [--only a,b] [--skip a,b] [--markdown] [--logs DIR]

Each bench runs in its own process (so one's imports, caches and threads don't colour the
next) with sizes chosen so the whole run takes about ten minutes on two cores; --quick runs
smaller ones in two or three. A bench reports by printing BENCH_RESULT lines (see
bench/figures.py, `emit`); run_all reads them and prints one row per line: bench, measure,
p50, p99, baseline, ratio or figure, goal. A bench that printed none is listed as such, with
its exit status. Each bench's whole output is kept in --logs (a temporary folder by default,
named at the end). Boards built by the importer for one bench are reused by the next
(BENCH_BOARD_CACHE, see bench/plan_files.py).

--markdown prints the table as Markdown, with the date and the machine, for the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import parse_results

BENCH_DIR = Path(__file__).resolve().parent
HELPERS = {"figures", "measure", "plan_files", "run_all"}  # in bench/, but not benches
COVERED = {"rag_http_500": "slack_rag runs the same /rag measures"}


@dataclass(frozen=True)
class Spec:
    full: tuple[str, ...]
    quick: tuple[str, ...]
    timeout: float = 600.0


# Sizes per bench: the where it names them, else the script's own defaults.
SPECS: dict[str, Spec] = {
    "slack_rag": Spec(("-n", "300"), ("-n", "60", "--burst", "5")),
    "slack_button": Spec(("-n", "300"), ("-n", "60")),
    "rag_http_500": Spec(("-n", "300"), ("-n", "60")),
    "core_timings": Spec(("--repeat", "300"), ("--repeat", "50")),
    "digest_build": Spec(("--actions", "1000", "--repeat", "20"), ("--repeat", "5")),
    "sweep_scale": Spec(
        ("--repeats", "20", "--due-repeats", "5", "--digest-repeats", "2"),
        ("--sizes", "1000,10000", "--repeats", "5", "--due-repeats", "2", "--digest-repeats", "1"),
    ),
    "slack_delivery": Spec(("--latency", "0.1"), ("--actions", "200", "--owners", "50")),
    "parse_rate": Spec(("--runs", "3"), ("--runs", "1")),
    "startup": Spec(("--runs", "15"), ("--runs", "3")),
    # 100,000 actions (the size) takes minutes on its own, past the ~12-minute run:
    # run it separately with `python bench/big_board.py --actions 100000`.
    "big_board": Spec(("--actions", "10000"), ("--actions", "5000"), timeout=600),
    "teams_button": Spec(("--presses", "300"), ("--presses", "50")),
    "kill_burst": Spec(("-n", "1000"), ("-n", "200")),
    "fuzz_edge": Spec(("-n", "20000"), ("-n", "3000")),
    "import_lock": Spec(("--actions", "5000"), ("--actions", "1000")),
}
COLUMNS = ("bench", "measure", "p50", "p99", "baseline", "ratio / figure", "goal")


def benches() -> list[str]:
    """Every script in bench/ but the helpers, in SPECS order, then any new ones."""
    found = sorted(p.stem for p in BENCH_DIR.glob("*.py") if p.stem not in HELPERS)
    return [b for b in SPECS if b in found] + [b for b in found if b not in SPECS]


@dataclass
class Outcome:
    bench: str
    status: int | str
    seconds: float
    results: list[dict[str, Any]]


def run(
    bench: str, args: tuple[str, ...], *, timeout: float, logs: Path, env: dict[str, str]
) -> Outcome:
    command = [sys.executable, str(BENCH_DIR / f"{bench}.py"), *args]
    print(f"▸ {bench} {' '.join(args)}", flush=True)
    began = time.perf_counter()
    log = logs / f"{bench}.log"
    try:
        done = subprocess.run(
            command, cwd=BENCH_DIR.parent, env=env, capture_output=True, text=True, timeout=timeout
        )
        status: int | str = done.returncode
        output = done.stdout + ("\n--- stderr ---\n" + done.stderr if done.stderr else "")
    except subprocess.TimeoutExpired as late:
        status = f"timed out after {timeout:g} s"
        output = _text(late.stdout) + "\n--- stderr ---\n" + _text(late.stderr)
    seconds = time.perf_counter() - began
    log.write_text(output, encoding="utf-8")
    results = parse_results(output)
    print(f"  {seconds:6.1f} s, exit {status}, {len(results)} result lines → {log}", flush=True)
    return Outcome(bench, status, seconds, results)


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


def _ms(value: Any) -> str:
    return f"{value:.1f} ms" if isinstance(value, int | float) else ""


def row(result: dict[str, Any]) -> tuple[str, ...]:
    """One BENCH_RESULT as table cells; a missing key is an empty cell."""
    base = ""
    if "base_p50_ms" in result or "base_p99_ms" in result:
        base = f"{result.get('baseline', 'baseline')} {_ms(result.get('base_p50_ms'))}"
        base += f" / {_ms(result.get('base_p99_ms'))}"
    elif result.get("baseline"):
        base = str(result["baseline"])
    if isinstance(result.get("ratio"), int | float):
        figure = f"×{result['ratio']:g}"
    elif "value" in result:
        figure = f"{result['value']} {result.get('unit', '')}".strip()
    else:
        figure = ""
    goal = str(result.get("goal", ""))
    if "ok" in result:
        goal = f"{goal} {'✓' if result['ok'] else '✗'}".strip()
    return (
        str(result.get("bench", "")),
        str(result.get("measure", "")),
        _ms(result.get("p50_ms")),
        _ms(result.get("p99_ms")),
        base,
        figure,
        goal,
    )


def table(outcomes: list[Outcome], *, markdown: bool) -> str:
    rows = [row(r) for o in outcomes for r in o.results]
    for o in outcomes:
        if not o.results:
            rows.append((o.bench, f"(no BENCH_RESULT lines; exit {o.status})", "", "", "", "", ""))
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def _names(text: str | None) -> set[str]:
    return {n.strip() for n in (text or "").split(",") if n.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a few minutes")
    parser.add_argument("--only", help="comma-separated benches to run")
    parser.add_argument("--skip", help="comma-separated benches not to run")
    parser.add_argument("--markdown", action="store_true", help="the table as Markdown")
    parser.add_argument("--logs", type=Path, help="keep each bench's output here")
    args = parser.parse_args()
    only, skip = _names(args.only), _names(args.skip)
    chosen = [b for b in benches() if (not only or b in only) and b not in skip]
    logs = args.logs or Path(tempfile.mkdtemp(prefix="bench-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="bench-boards-") as cache:
        env = {**os.environ, "BENCH_BOARD_CACHE": cache, "PYTHONUNBUFFERED": "1"}
        for bench in chosen:
            if bench in COVERED and not only:
                print(f"▸ {bench}: skipped ({COVERED[bench]})")
                continue
            spec = SPECS.get(bench, Spec((), ()))
            sizes = spec.quick if args.quick else spec.full
            outcomes.append(run(bench, sizes, timeout=spec.timeout, logs=logs, env=env))
    total = sum(o.seconds for o in outcomes)
    print()
    print(f"{started:%Y-%m-%d %H:%M} UTC · {machine()} · {'quick' if args.quick else 'full'}")
    print(f"{len(outcomes)} benches in {total:.0f} s; logs in {logs}")
    print()
    print(table(outcomes, markdown=args.markdown))
    failed = [o.bench for o in outcomes if o.status != 0]
    if failed:
        print(f"\nfailed or timed out: {', '.join(failed)}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
