"""How fast Slack hears back, beside an empty Bolt app: `/rag` and owners' DM updates.

    python bench/slack_rag.py [-n 300] [--actions 500] [--weeks 12] [--burst 10]

The board is built by the real importer from generated plan files (bench/plan_files.py):
500 actions in workstreams, ~250 owners, 1–4 milestones each, twelve weekly re-imports of
history. Everyone on it is linked to a Slack id, so App Home refreshes happen as they would.
Each measure alternates a request to the empty Bolt app (bench/measure.py) with one to ours,
n of each, and prints ack and time-to-answer p50/p95/p99 with the ratio to the floor:

    /rag, /rag red, /rag overdue, /rag @person     the chair, in the board's channel
    DM update                                      "2.3 amber - slipped to 14 April" by an
                                                   owner of 2.3, one at a time
    DM update, back to back                        --burst owners at once, acks only awaited

Figures only; nothing is asserted. Each figure ends with a BENCH_RESULT line (bench/figures.py).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr
from sqlmodel import select

from bench import plan_files
from bench.measure import (
    DEFAULT_N,
    Timing,
    ab,
    answered_at,
    empty_bolt,
    is_respond,
    mark,
    posted_to,
    report,
    wait_call,
)
from bot.config import Settings
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.slack.server import EVENTS_PATH, start_in_thread
from handlers.wiring import Services, build_services
from storage.models import Person
from storage.people import link_chat_id
from tests.slack.fake_slack import FakeSlack, Response, SlackSender, running

BENCH = "slack_rag"
SECRET = "bench-secret"
OWNER_NAME, OWNER_ID = "Kath O'Dwyer", "U0KODWYER"  # owns St Helens 6.2 alone (sample board)
CHAIR_ID = "U0HBROOKS"
CHANNEL = "C0BOARD"
BOARD = "Bench Improvement Board"
UPDATES = ("amber - slipped to 14 April", "green - back on track for 30 April")
RAG_GOALS = {"answer": 100.0}  # issue 12: the /rag answer reaches Slack within p99 100 ms


def bench_settings(db_path: Path, fake: FakeSlack) -> Settings:
    """Slack pointed at the stand-in, no scheduler, nothing read from a .env file."""
    return Settings(
        database_url=f"sqlite:///{db_path}",
        slack_bot_token=SecretStr("xoxb-bench"),
        slack_signing_secret=SecretStr(SECRET),
        slack_api_url=fake.url + "/api/",
        scheduler_enabled=False,
        log_level="WARNING",
        _env_file=None,
    )


def build(db_path: Path, fake: FakeSlack) -> Services:
    """The small sample board (St Helens), for benches that want it (fuzz_edge)."""
    services = build_services(bench_settings(db_path, fake))
    now = datetime.now(UTC)
    load_sample_board(services.db, SAMPLE_BOARDS[0], now=now, today=now.date())
    with services.db.session() as session:
        owner = session.exec(select(Person).where(Person.name == OWNER_NAME)).one()
        link_chat_id(session, owner, platform="slack", external_id=OWNER_ID)
    return services


def slack_id(name: str) -> str:
    return "U" + hashlib.sha256(name.encode()).hexdigest()[:9].upper()


def dm_of(user: str) -> str:
    return "D" + user[1:]


@dataclass(frozen=True)
class Bench:
    services: Services
    settings: Settings
    built: plan_files.BuiltBoard
    fake: FakeSlack
    ours: SlackSender
    floor: SlackSender


@contextmanager
def imported_bench(tmp: Path, fake: FakeSlack, *, actions: int, weeks: int) -> Iterator[Bench]:
    """The imported board, everyone on it linked, our server and the empty one running."""
    settings = bench_settings(tmp / "bench.db", fake)
    built = plan_files.build_board(
        settings.database_url,
        BOARD,
        actions=actions,
        weeks=weeks,
        tmp=tmp,
        channel=CHANNEL,
    )
    services = build_services(settings)
    link_everyone(services, [built.chair, *built.owners])
    url, stop = start_in_thread(services.application)
    try:
        with empty_bolt(services.application, settings, SECRET) as empty_url:
            ours = SlackSender(url + EVENTS_PATH, SECRET, response_base=fake.url)
            floor = SlackSender(empty_url, SECRET, response_base=fake.url)
            yield Bench(services, settings, built, fake, ours, floor)
    finally:
        stop()
        services.db.dispose()


def link_everyone(services: Services, names: list[str]) -> None:
    """As `people sync` would leave a council: every person reachable on Slack."""
    with services.db.session() as session:
        for person in session.exec(select(Person)).all():
            if person.name in names:
                link_chat_id(session, person, platform="slack", external_id=slack_id(person.name))


def chair_id(bench: Bench) -> str:
    return slack_id(bench.built.chair)


def rag_trial(bench: Bench, sender: SlackSender, text: str) -> Callable[[int], Timing]:
    def trial(_i: int) -> Timing:
        since = mark(bench.fake)
        response = sender.command(text, user_id=chair_id(bench), channel_id=CHANNEL)
        return answered_at(bench.fake, response, is_respond, since=since)

    return trial


def update_pairs(built: plan_files.BuiltBoard) -> list[tuple[str, str]]:
    """(ref, owner): each owner once, on an action they own, so bursts are of different people."""
    pairs: dict[str, str] = {}
    for ref, owners in built.owners_of.items():
        for owner in owners:
            pairs.setdefault(owner, ref)
    return [(ref, owner) for owner, ref in pairs.items()]


def send_update(bench: Bench, sender: SlackSender, i: int) -> tuple[Response, str, int]:
    """One owner's DM: their ref and the issue's words (alternating, so each one changes)."""
    pairs = update_pairs(bench.built)
    ref, owner = pairs[i % len(pairs)]
    words = UPDATES[(i // len(pairs)) % len(UPDATES)]
    user = slack_id(owner)
    since = mark(bench.fake)
    response = sender.event(sender.direct_message(f"{ref} {words}", user=user))
    return response, dm_of(user), since


def update_trial(bench: Bench, sender: SlackSender) -> Callable[[int], Timing]:
    def trial(i: int) -> Timing:
        response, dm, since = send_update(bench, sender, i)
        return answered_at(bench.fake, response, posted_to(dm), since=since)

    return trial


def burst_trial(bench: Bench, sender: SlackSender, size: int) -> Callable[[int], list[Timing]]:
    """`size` different owners' updates back to back: each waits for its ack only."""

    def trial(round_: int) -> list[Timing]:
        start = abs(round_) * size
        sent = [send_update(bench, sender, start + k) for k in range(size)]
        timings = []
        for response, dm, since in sent:
            call = wait_call(bench.fake, posted_to(dm), since=since)
            timings.append(Timing(response.seconds, call.at - response.started))
        return timings

    return trial


def run_rag(bench: Bench, n: int, name: str = BENCH) -> None:
    person = bench.built.owners[0]
    queries = {"/rag": "", "/rag red": "red", "/rag overdue": "overdue"}
    queries["/rag @person"] = f"<@{slack_id(person)}|{person.split()[0].lower()}>"
    for query, text in queries.items():
        base, ours = ab(rag_trial(bench, bench.floor, text), rag_trial(bench, bench.ours, text), n)
        report(name, query, base, ours, goals=RAG_GOALS)


def run_updates(bench: Bench, n: int, burst: int) -> None:
    base, ours = ab(update_trial(bench, bench.floor), update_trial(bench, bench.ours), n)
    report(BENCH, "DM update", base, ours, goals={})
    rounds = max(1, n // burst)
    base_b, ours_b = ab(
        burst_trial(bench, bench.floor, burst),
        burst_trial(bench, bench.ours, burst),
        rounds,
        warm_up=1,
    )
    report(BENCH, f"DM update ×{burst} back to back", flat(base_b), flat(ours_b), goals={})


def flat(rounds: list[list[Timing]]) -> list[Timing]:
    return [t for r in rounds for t in r]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=DEFAULT_N, help="requests of each kind")
    parser.add_argument("--actions", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=plan_files.HISTORY_WEEKS)
    parser.add_argument("--burst", type=int, default=10, help="updates sent back to back")
    parser.add_argument("--only", choices=("rag", "updates", "all"), default="all")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running() as fake,
        imported_bench(Path(tmp), fake, actions=args.actions, weeks=args.weeks) as bench,
    ):
        print(
            f"{args.actions}-action board imported over {args.weeks} weeks, "
            f"{len(bench.built.owners)} owners; n={args.n} each, interleaved with empty Bolt"
        )
        if args.only in ("rag", "all"):
            run_rag(bench, args.n)
        if args.only in ("updates", "all"):
            run_updates(bench, args.n, args.burst)


if __name__ == "__main__":
    main()
