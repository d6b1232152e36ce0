"""Leader election: only the lease holder runs the scheduler, and a dead leader is replaced.

The last test starts real `actionbot`-like processes against PostgreSQL (run as a script,
this module is that process: `python -m tests.schedules.test_leader EVENTS_FILE`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.clock import ManualClock, SystemClock
from bot.config import Settings
from bot.domain.plan import PersonRef
from bot.ports import Sent
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.wiring import Services, build_services
from schedules.dispatch import Dispatcher, SweepResult
from schedules.leader import SCHEDULER_LEASE, LeaderElection, run_with_leadership
from storage import lease
from storage.db import Database
from storage.models import Notification
from tests.postgres_support import requires_postgres
from tests.schedules.support import RecordingNotifier

ROOT = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
RENEW_EVERY = 1.0  # the multi-process test's figures: a takeover is due within ~4 s
TTL = 3.0
TAKEOVER_LIMIT = 60.0


# -- in process (SQLite, or PostgreSQL in PG mode) -----------------------------------------------


@dataclass
class FakeScheduler:
    started: bool = False
    stopped: bool = False

    def start(self) -> None:
        self.started = True

    def shutdown(self, wait: bool = True) -> None:
        self.stopped = True


@dataclass
class SchedulerFactory:
    built: list[FakeScheduler] = field(default_factory=list)

    def __call__(self) -> FakeScheduler:
        self.built.append(FakeScheduler())
        return self.built[-1]

    def running(self) -> list[FakeScheduler]:
        return [s for s in self.built if s.started and not s.stopped]


def _election(
    db: Database, clock: ManualClock, holder: str, *, renew_every: float = 10, ttl: float = 30
) -> LeaderElection:
    return LeaderElection(
        db=db,
        clock=clock,
        make_scheduler=SchedulerFactory(),
        holder=holder,
        renew_every=renew_every,
        ttl=ttl,
    )


def _factory(election: LeaderElection) -> SchedulerFactory:
    assert isinstance(election.make_scheduler, SchedulerFactory)
    return election.make_scheduler


def _lease_holder(db: Database, now: datetime) -> str | None:
    with db.session(commit=False) as session:
        return lease.current_holder(session, SCHEDULER_LEASE, now)


def _until(condition: Callable[[], bool], *, seconds: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def test_only_the_lease_holder_runs_a_scheduler_and_a_lapsed_one_is_replaced(
    db: Database, clock: ManualClock
) -> None:
    a, b = _election(db, clock, "a"), _election(db, clock, "b")
    assert a.renew_once()
    assert not b.renew_once()
    assert (len(_factory(a).running()), _factory(b).built) == (1, [])

    clock.advance(timedelta(seconds=31))  # a stalled past its lease
    assert b.renew_once()
    assert not a.renew_once()
    assert (_factory(a).running(), len(_factory(b).running())) == ([], 1)
    assert _lease_holder(db, clock.now()) == "b"


def test_each_term_gets_a_fresh_scheduler(db: Database, clock: ManualClock) -> None:
    a, b = _election(db, clock, "a"), _election(db, clock, "b")
    assert a.renew_once()
    a.resign()
    assert b.renew_once()
    b.resign()
    assert a.renew_once()
    first, second = _factory(a).built
    assert first is not second
    assert first.stopped
    assert second.started
    assert not second.stopped


def test_the_thread_leads_at_once_and_stopping_it_releases_the_lease(
    db: Database, clock: ManualClock
) -> None:
    election = _election(db, clock, "a", renew_every=0.05, ttl=1.0)
    election.start()
    try:
        assert _until(lambda: bool(_factory(election).running()), seconds=10)
        assert _lease_holder(db, clock.now()) == "a"
    finally:
        election.stop(timeout=10)
    assert not election.is_alive()
    assert _factory(election).running() == []
    assert _lease_holder(db, clock.now()) is None


def test_a_lease_must_outlive_its_renewal(db: Database, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="outlive"):
        _election(db, clock, "a", renew_every=10.0, ttl=10.0)


def test_run_with_leadership_sweeps_with_the_real_scheduler_until_stopped(
    services: Services,
) -> None:
    notifier = RecordingNotifier()
    stop = threading.Event()
    election = run_with_leadership(
        services, services.dispatcher(notifier), stop=stop, renew_every=0.05, ttl=1.0
    )
    try:
        assert _until(lambda: bool(notifier.sent), seconds=15)  # the catch-up sweep ran
        # The first sweep can run before the election records the scheduler it started.
        assert _until(lambda: election.is_leader, seconds=15)
    finally:
        stop.set()
        election.join(timeout=15)
    assert not election.is_alive()
    assert not election.is_leader
    assert _lease_holder(services.db, services.clock.now()) is None


# -- several real processes (PostgreSQL only) ------------------------------------------------


class FileNotifier:
    """Writes each send to the shared events file: a double send would show as a spare line."""

    platform = "console"
    shared_channel = "channel"

    def __init__(self, events: Path) -> None:
        self.events = events

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        _append(self.events, f"sent dm:{person.name}")
        return Sent(channel=f"dm:{person.name}", message_ref=str(time.time()))

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        _append(self.events, f"sent {channel}")
        return Sent(channel=channel or "channel", message_ref=str(time.time()))


class TickingDispatcher(Dispatcher):
    """The real sweep, with a line in the events file each time this process runs one."""

    def __init__(self, *, events: Path, db: Database) -> None:
        super().__init__(db=db, clock=SystemClock(), notifier=FileNotifier(events))
        self.events = events

    def run_once(self) -> dict[str, SweepResult]:
        _append(self.events, "tick")
        return super().run_once()


def _append(events: Path, what: str) -> None:
    """One short O_APPEND write per line, so lines from several processes never interleave."""
    with events.open("a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {time.time():.3f} {what}\n")


def worker_main(events: Path) -> None:
    """One `actionbot serve`-like process: competes for the lease until SIGTERM."""
    settings = Settings(scheduler_interval_seconds=1, _env_file=None)
    services = build_services(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    dispatcher = TickingDispatcher(events=events, db=services.db)
    election = run_with_leadership(
        services, dispatcher, stop=stop, renew_every=RENEW_EVERY, ttl=TTL
    )
    _append(events, f"holder {election.holder}")
    while election.is_alive():
        election.join(timeout=0.5)
    services.db.dispose()


@dataclass(frozen=True)
class Event:
    pid: int
    at: float
    what: str


def _events(path: Path) -> list[Event]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]  # not a line still being written
    parsed = [line.split(" ", 2) for line in lines]
    found = [Event(int(pid), float(at), what) for pid, at, what in parsed]
    return sorted(found, key=lambda e: (e.at, e.pid))


def _tickers(path: Path, since: float) -> set[int]:
    return {e.pid for e in _events(path) if e.what == "tick" and e.at >= since}


def _spawn(db_url: str, events: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        env.pop(name, None)
    with log.open("wb") as out:
        command = [sys.executable, "-m", "tests.schedules.test_leader", str(events)]
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Whatever a test starts is killed, however it ends."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
    for process in started:
        process.wait(timeout=10)


def _sole_ticker(events: Path, *, since: float, seconds: float) -> int:
    """Wait for one process to sweep; then, for two more seconds, check it sweeps alone."""
    assert _until(lambda: bool(_tickers(events, since)), seconds=seconds, every=0.02)
    first_tick = min(e.at for e in _events(events) if e.what == "tick" and e.at >= since)
    time.sleep(2 * RENEW_EVERY + 0.5)
    tickers = _tickers(events, since)
    assert len(tickers) == 1, f"several processes swept at once: {tickers}, since {first_tick}"
    return tickers.pop()


def _lease_pid(db: Database) -> int | None:
    holder = _lease_holder(db, datetime.now(UTC))
    return int(holder.split(":")[1]) if holder else None


def _assert_terms_never_overlap(events: Path) -> None:
    """Each process's sweeps form one unbroken run: no sweep by two holders interleaved."""
    order = [e.pid for e in _events(events) if e.what == "tick"]
    runs = [pid for i, pid in enumerate(order) if i == 0 or order[i - 1] != pid]
    assert len(runs) == len(set(runs)), f"sweeps interleaved between processes: {runs}"


@pytest.mark.postgres
@requires_postgres
def test_processes_elect_one_leader_and_replace_a_killed_one_without_double_sending(
    db_url: str, db: Database, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    now = datetime.now(UTC)
    load_sample_board(db, SAMPLE_BOARDS[1], now=now, today=now.astimezone(LONDON).date())
    events = tmp_path / "events.log"
    workers.extend(_spawn(db_url, events, tmp_path / f"worker{i}.log") for i in range(3))
    by_pid = {w.pid: w for w in workers}
    try:
        leader = _sole_ticker(events, since=0.0, seconds=60)
        assert _lease_pid(db) == leader
        takeovers = []
        for _ in range(2):  # kill the leader twice: three terms, three holders
            killed_at = time.time()
            by_pid[leader].send_signal(signal.SIGKILL)
            by_pid[leader].wait(timeout=10)
            # Ticks are looked for from when the process is certainly dead: one it wrote
            # between `killed_at` and the signal landing is not a second leader.
            dead_at = time.time()
            successor = _sole_ticker(events, since=dead_at, seconds=TAKEOVER_LIMIT)
            first = min(e.at for e in _events(events) if e.what == "tick" and e.pid == successor)
            takeovers.append(first - killed_at)
            assert successor != leader
            assert _lease_pid(db) == successor
            leader = successor
        print(f"\ntakeover after SIGKILL: {', '.join(f'{t:.2f} s' for t in takeovers)}")
        assert max(takeovers) < TAKEOVER_LIMIT

        by_pid[leader].send_signal(signal.SIGTERM)  # a clean stop frees the lease at once
        by_pid[leader].wait(timeout=30)
        assert _lease_pid(db) is None
        _assert_terms_never_overlap(events)
        _assert_each_send_happened_once(db, events)
    except BaseException:
        _print_logs(tmp_path)
        raise


def _assert_each_send_happened_once(db: Database, events: Path) -> None:
    with db.session(commit=False) as session:
        sent = session.exec(select(Notification).where(Notification.status == "sent")).all()
    lines = [e for e in _events(events) if e.what.startswith("sent ")]
    print(f"sends: {len(lines)} lines, {len(sent)} claimed and marked sent")
    assert len(lines) == len(sent)


def _print_logs(folder: Path) -> None:
    for log in sorted(folder.glob("*.log")):
        print(f"--- {log.name}\n{log.read_text(encoding='utf-8', errors='replace')[-4000:]}")


if __name__ == "__main__":
    worker_main(Path(sys.argv[1]))
