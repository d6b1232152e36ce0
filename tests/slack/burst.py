"""A burst of owners' updates over signed HTTP at a real `actionbot serve`, killed mid-burst.

Shared by tests/slack/test_kill_burst.py (a few hundred updates per case) and
bench/kill_burst.py (thousands). The process under test is the real CLI in a subprocess; the
stand-in Slack runs here and records every message the bot posts. Each update carries a
marker ("note k17x"), so the history and the posted confirmations can be counted per update.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from storage import inbox
from storage.db import Database
from storage.models import Action, ActionOwner, ActionUpdate, Person
from storage.people import link_chat_id
from tests.slack.fake_slack import FakeSlack, SlackSender

SECRET = "burst-test-secret"
MARKER = re.compile(r"note k(\d+)x")


@dataclass(frozen=True)
class Owner:
    user_id: str
    ref: str


@dataclass
class BurstResult:
    sent: int
    acked: int
    applied: int
    lost: int
    doubled: int
    unanswered: int
    retried_by_slack: int
    exit_code: int | None
    ack_seconds: list[float] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"sent {self.sent}, acked {self.acked}, applied {self.applied}, lost {self.lost}, "
            f"doubled {self.doubled}, acked but unanswered {self.unanswered}, "
            f"resent as Slack retries {self.retried_by_slack}, first process exit {self.exit_code}"
        )


def prepare(db_url: str) -> list[Owner]:
    """The Worcestershire plan; every person linked; one (owner, action) pair per action."""
    db = Database.connect(db_url)
    now = datetime.now(UTC)
    load_sample_board(db, SAMPLE_BOARDS[1], now=now, today=now.astimezone(ZoneInfo("UTC")).date())
    owners: list[Owner] = []
    with db.session() as session:
        for person in session.exec(select(Person)).all():
            link_chat_id(session, person, platform="slack", external_id=f"U{person.id:05d}")
        for action in session.exec(select(Action).order_by(Action.id)).all():  # type: ignore[arg-type]
            owner = session.exec(
                select(ActionOwner).where(ActionOwner.action_id == action.id)
            ).first()
            if owner is not None:
                owners.append(Owner(f"U{owner.person_id:05d}", action.ref))
    db.dispose()
    return owners


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_serve(
    db_url: str, slack: FakeSlack, port: int, *, lease: float = 3.0
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": "xoxb-burst-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url + "/api/",
        "SCHEDULER_ENABLED": "false",
        "LOAD_SAMPLE_PLAN": "false",
        "INBOX_LEASE_SECONDS": str(lease),
        "LOG_LEVEL": "INFO",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    env.pop("SLACK_APP_TOKEN", None)
    command = [sys.executable, "-c", "from handlers.cli.main import main; main()", "serve"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_ready(process, port)
    return process


def wait_ready(process: subprocess.Popen[bytes], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("serve never became ready")


def text_for(number: int, owner: Owner) -> str:
    return f"{owner.ref} amber - note k{number}x from the owner"


def run_burst(
    db_url: str,
    slack: FakeSlack,
    owners: list[Owner],
    *,
    total: int,
    clients: int,
    stop_signal: signal.Signals,
    stop_after: int,
    settle_timeout: float = 300,
) -> BurstResult:
    """Send `total` updates from `clients` threads; signal the server after `stop_after` acks."""
    port = free_port()
    server = start_serve(db_url, slack, port)
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET, response_base=slack.url)
    acked: set[int] = set()
    refused: list[int] = []
    ack_seconds: list[float] = []
    lock = threading.Lock()
    signalled = threading.Event()

    def send(number: int, *, retry: bool = False) -> bool:
        owner = owners[number % len(owners)]
        event = sender.direct_message(text_for(number, owner), user=owner.user_id)
        try:
            answer = sender.event(
                event, event_id=f"EvBURST{number:06d}", retry_num=1 if retry else None
            )
        except OSError:
            return False
        if answer.status == 200:
            with lock:
                ack_seconds.append(answer.seconds)
        return answer.status == 200

    def client(numbers: range) -> None:
        for number in numbers:
            ok = send(number)
            with lock:
                (acked.add if ok else refused.append)(number)
                if len(acked) >= stop_after and not signalled.is_set():
                    signalled.set()
                    server.send_signal(stop_signal)

    threads = [
        threading.Thread(target=client, args=(range(start, total, clients),))
        for start in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    exit_code = server.wait(timeout=60)
    stderr = server.stderr.read().decode() if server.stderr else ""
    first_acked = set(acked)

    # Slack retries what it never got a 200 for; the restarted server takes over the rest.
    second = start_serve(db_url, slack, port)
    try:
        for number in refused:
            if send(number, retry=True):
                acked.add(number)
        settle(db_url, expected=acked, timeout=settle_timeout)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    applied = applied_counts(db_url)
    answered = answered_counts(slack)
    result = BurstResult(
        sent=total,
        acked=len(first_acked),
        applied=sum(1 for n in first_acked if applied[n] == 1),
        lost=sum(1 for n in acked if applied[n] == 0),
        doubled=sum(1 for n in applied if applied[n] > 1),
        unanswered=sum(1 for n in acked if answered[n] == 0),
        retried_by_slack=len(refused),
        exit_code=exit_code,
        ack_seconds=ack_seconds,
    )
    if stop_signal is signal.SIGTERM:
        assert "stopped cleanly" in stderr, stderr[-2000:]
    return result


def applied_counts(db_url: str) -> Counter[int]:
    db = Database.connect(db_url, upgrade=False)
    with db.session(commit=False) as session:
        texts = session.exec(select(ActionUpdate.text)).all()
    db.dispose()
    return Counter(int(m.group(1)) for text in texts if (m := MARKER.search(text or "")))


def answered_counts(slack: FakeSlack) -> Counter[int]:
    posts = slack.answered("chat.postMessage")
    return Counter(int(m.group(1)) for call in posts if (m := MARKER.search(call.text)))


def settle(db_url: str, *, expected: set[int], timeout: float) -> None:
    """Wait until the inbox is empty and every acknowledged update is in the history.

    Returns at the deadline regardless: what is missing then is reported as lost.
    """
    deadline = time.monotonic() + timeout
    db = Database.connect(db_url, upgrade=False)
    try:
        while time.monotonic() < deadline:
            with db.session(commit=False) as session:
                waiting = inbox.unfinished_count(session)
            if waiting == 0 and expected <= set(applied_counts(db_url)):
                return
            time.sleep(0.1)
    finally:
        db.dispose()
