"""A reminder's RAG button pressed, beside an empty Bolt app doing the same Slack calls.

    python bench/slack_button.py [-n 300] [--actions 500] [--weeks 12]

On the imported 500-action board (bench/plan_files.py), each press is an owner's, on a fresh
reminder-shaped message for an action they own (so no press repeats another). Prints, with
the empty Bolt app's floor interleaved (its press handler acks, posts in the thread and edits
the message once): the HTTP ack (Slack allows 3 s), the confirmation posted in the reminder's
thread, and the reminder edited in place (chat.update). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select

from bench import plan_files
from bench.measure import DEFAULT_N, Timing, ab, mark, report, wait_call
from bench.slack_rag import Bench, dm_of, imported_bench, slack_id, update_pairs
from handlers.slack.blocks import TAP_RAG, update_buttons
from storage.models import Action
from tests.slack.fake_slack import Call, SlackSender, running

BENCH = "slack_button"


def action_ids(bench: Bench) -> dict[str, int]:
    with bench.services.db.session(commit=False) as session:
        return {ref: id_ for ref, id_ in session.exec(select(Action.ref, Action.id)).all() if id_}


def current_rags(bench: Bench) -> dict[str, str]:
    """Each press must change something: a press of the RAG it already has is no update."""
    with bench.services.db.session(commit=False) as session:
        return {ref: str(rag) for ref, rag in session.exec(select(Action.ref, Action.rag)).all()}


def press_trial(
    bench: Bench, sender: SlackSender, ids: dict[str, int], rags: dict[str, str]
) -> Callable[[int], Timing]:
    pairs = update_pairs(bench.built)
    floor = sender is bench.floor

    def trial(i: int) -> Timing:
        ref, owner = pairs[i % len(pairs)]
        ts = f"17004{int(floor)}0000.{i % 1_000_000:06d}"
        message = {"type": "message", "ts": ts, "text": ref, "blocks": [update_buttons(ids[ref])]}
        rag = next(r for r in ("amber", "green", "red") if r != rags[ref])
        if not floor:
            rags[ref] = rag
        user = slack_id(owner)
        payload = sender.block_actions(
            user=user,
            message=message,
            channel=dm_of(user),
            action_id=f"{TAP_RAG}{rag}",
            value=str(ids[ref]),
        )
        since = mark(bench.fake)
        response = sender.interactive(payload)
        if response.status != 200:
            raise SystemExit(f"press {i} answered {response.status}: {response.body[:300]}")
        posted = wait_call(bench.fake, _where("chat.postMessage", "thread_ts", ts), since=since)
        edited = wait_call(bench.fake, _where("chat.update", "ts", ts), since=since)
        started = response.started
        return Timing(response.seconds, posted.at - started, edited.at - started)

    return trial


def _where(method: str, param: str, ts: str) -> Callable[[Call], bool]:
    return lambda c: c.method == method and c.status == 200 and c.params.get(param) == ts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=DEFAULT_N, help="presses of each")
    parser.add_argument("--actions", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=plan_files.HISTORY_WEEKS)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running() as fake,
        imported_bench(Path(tmp), fake, actions=args.actions, weeks=args.weeks) as bench,
    ):
        ids, rags = action_ids(bench), current_rags(bench)
        print(f"RAG button on a {args.actions}-action imported board, n={args.n}, interleaved")
        base, ours = ab(
            press_trial(bench, bench.floor, ids, rags),
            press_trial(bench, bench.ours, ids, rags),
            args.n,
        )
        report(BENCH, "button", base, ours, goals={}, whats=("ack", "answer", "edited"))


if __name__ == "__main__":
    main()
