"""How long `actionbot` takes to start, against a bare `python -c "import sqlmodel"`.

Run: python bench/startup.py [--runs 15] [--source DIR]
(--source: run the actionbot in another copy of the code instead, e.g. an older commit's
`git archive` unpacked, for before/after figures on the same machine under the same load.)
Each command runs N times in a fresh process, interleaved with the baseline so both see the
same machine load; prints p50/p95 wall time and the ratio of p50s (goal: ≤ 2× for `--help`
and `rag`). Then `actionbot serve` is started N/3 times on a free port with dummy Slack
tokens (a local stand-in answers auth.test) and timed from process start until it answers a
signed url_verification over HTTP (goal: ≤ 1.0 s). The `rag` database is a fresh SQLite
file with the bundled St Helens plan imported through the CLI. No assertions: figures.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import emit  # noqa: E402

PYTHON = sys.executable
# The console script as installed (pip install -e .); the same entry point run by hand if not.
SCRIPT = Path(PYTHON).with_name("actionbot")
ACTIONBOT = (
    [str(SCRIPT)]
    if SCRIPT.exists()
    else [PYTHON, "-c", "from handlers.cli.main import main; main()"]
)
BOARD = "St Helens"
SIGNING_SECRET = "bench-signing-secret"
BASELINE = "python -c 'import sqlmodel'"
RATIO_GOAL = 2.0  # × the baseline's p50, for `--help` and `rag`
SERVE_GOAL = 1.0  # seconds from start to answering url_verification


def from_source(folder: Path) -> list[str]:
    """The CLI as the code in `folder` has it, not the installed (editable) copy."""
    code = (
        "import sys; sys.meta_path[:] = [f for f in sys.meta_path "
        "if 'editable' not in type(f).__module__]; "
        f"sys.path.insert(0, {str(folder)!r}); sys.argv[0] = 'actionbot'; "
        "from handlers.cli.main import main; main()"
    )
    return [PYTHON, "-c", code]


def run_once(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")
    return took


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def interleaved(
    commands: dict[str, list[str]], env: dict[str, str], runs: int
) -> dict[str, list[float]]:
    """Baseline, then each command, round after round: load drifts hit all of them alike."""
    times: dict[str, list[float]] = {BASELINE: [], **{name: [] for name in commands}}
    baseline = [PYTHON, "-c", "import sqlmodel"]
    for _ in range(runs):
        times[BASELINE].append(run_once(baseline, env))
        for name, argv in commands.items():
            times[name].append(run_once(argv, env))
    return times


# -- serve -----------------------------------------------------------------------------------


class _SlackStandIn(BaseHTTPRequestHandler):
    """Answers every Web API method with ok: auth.test is all `serve` asks before serving."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"ok": True, "user_id": "UBENCH", "team_id": "TBENCH"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


@contextmanager
def slack_stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlackStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def url_verification(port: int) -> bool:
    """A signed url_verification, as Slack sends it when the Request URL is set."""
    body = json.dumps({"type": "url_verification", "challenge": "bench"}).encode()
    stamp = str(int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310 - http://127.0.0.1
            return bool(json.loads(answer.read()).get("challenge") == "bench")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def serve_ready(env: dict[str, str], actionbot: list[str], timeout: float = 30.0) -> float:
    """Seconds from spawning `actionbot serve` until url_verification is answered."""
    port = free_port()
    start = time.perf_counter()
    process = subprocess.Popen(
        [*actionbot, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while time.perf_counter() - start < timeout:
            if process.poll() is not None:
                raise SystemExit(f"serve exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            if url_verification(port):
                return time.perf_counter() - start
            time.sleep(0.01)
        raise SystemExit(f"serve not ready in {timeout} s")
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- main ------------------------------------------------------------------------------------


def prepared(folder: Path, actionbot: list[str]) -> dict[str, str]:
    """An environment with no .env influence and a database holding the sample plan."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TEAMS_", "DATABASE_URL"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.db'}",
        LOAD_SAMPLE_PLAN="false",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    plan = ROOT / "bot" / "sample" / "st_helens_plan.csv"
    run_once([*actionbot, "import", str(plan), "--board", BOARD], env)
    return env


def report(times: dict[str, list[float]]) -> None:
    base = statistics.median(times[BASELINE])
    print(f"{'command':<34} {'p50 ms':>8} {'p95 ms':>8} {'× baseline':>11}")
    for name, values in times.items():
        p50 = statistics.median(values)
        print(
            f"{name:<34} {p50 * 1000:8.0f} {percentile(values, 0.95) * 1000:8.0f} "
            f"{p50 / base:10.2f}×"
        )
    for name, values in times.items():
        if name == BASELINE:
            continue
        p50 = statistics.median(values)
        emit(
            "startup",
            name,
            n=len(values),
            p50_ms=round(p50 * 1000, 1),
            p95_ms=round(percentile(values, 0.95) * 1000, 1),
            baseline=f"{BASELINE} p50 {base * 1000:.0f} ms",
            baseline_p50_ms=round(base * 1000, 1),
            ratio=round(p50 / base, 2),
            goal=f"p50 ≤ {RATIO_GOAL:g}× baseline",
            ok=p50 / base <= RATIO_GOAL,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--source", type=Path, help="another copy of the code to time")
    args = parser.parse_args()
    actionbot = from_source(args.source.resolve()) if args.source else ACTIONBOT
    with tempfile.TemporaryDirectory() as folder:
        env = prepared(Path(folder), actionbot)
        commands = {
            "actionbot --help": [*actionbot, "--help"],
            f"actionbot rag --board '{BOARD}'": [*actionbot, "rag", "--board", BOARD],
        }
        where = args.source or "this checkout"
        print(f"startup of {where}, {args.runs} interleaved runs each, {os.cpu_count()} CPUs")
        report(interleaved(commands, env, args.runs))
        if args.no_serve:
            return
        with slack_stand_in() as api:
            serve_env = {
                **env,
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": api,
            }
            ready, base = [], []
            for _ in range(max(3, args.runs // 3)):  # interleaved too: the load is the same
                base.append(run_once([PYTHON, "-c", "import sqlmodel"], env))
                ready.append(serve_ready(serve_env, actionbot))
        p50 = statistics.median(ready)
        print(
            f"actionbot serve → url_verification: p50 {p50 * 1000:.0f} ms, "
            f"max {max(ready) * 1000:.0f} ms over {len(ready)} starts (goal ≤ 1000 ms); "
            f"{p50 / statistics.median(base):.2f}× the baseline run beside it"
        )
        emit(
            "startup",
            "actionbot serve → url_verification",
            n=len(ready),
            p50_ms=round(p50 * 1000, 1),
            p95_ms=round(percentile(ready, 0.95) * 1000, 1),
            max_ms=round(max(ready) * 1000, 1),
            baseline=f"{BASELINE} p50 {statistics.median(base) * 1000:.0f} ms",
            baseline_p50_ms=round(statistics.median(base) * 1000, 1),
            ratio=round(p50 / statistics.median(base), 2),
            goal=f"serve ≤ {SERVE_GOAL:g} s",
            ok=p50 <= SERVE_GOAL,
        )


if __name__ == "__main__":
    main()
