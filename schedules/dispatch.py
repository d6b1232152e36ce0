"""Sending what is due, exactly once: claim under a unique key, send, then mark it sent.

One dispatcher sends on every platform it is given a notifier for (schedules/routing.py):
each message goes on each platform its recipient is linked to, as its own delivery with its
own claim key (storage.notifications.delivery_key), so a crash on one platform never resends
on another. A message that can go nowhere is recorded once under its own key: skipped when it
is too late to help, unreachable when its recipient is linked to none of these platforms (not
settled: once they are linked, the next sweep reaches them).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache, partial
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.digest import Digest, build_digest, digest_due_at
from bot.domain.plan import ActionView, BoardPlan, BoardView
from bot.domain.reminders import (
    ChairAlert,
    DueReminder,
    Escalation,
    due_escalations,
    plan_sends,
    reminder_message,
    sweep_windows,
)
from bot.domain.workdays import WorkingCalendar
from bot.ports import NotDeliverableError, Notifier, Sent
from schedules.delivery import Deliveries, settled
from schedules.pacing import in_waves
from schedules.routing import Route, Routes
from storage import conversations, notifications
from storage.boards import board_view
from storage.channels import board_channels
from storage.db import Database
from storage.models import Board
from storage.notifications import Claim, delivery_key
from storage.plan import action_views, actions_due_for_sweep, load_board_plan
from storage.sweep_reads import SweepBoards, sweep_boards

log = logging.getLogger(__name__)

ESCALATION = "escalation"
DIGEST = "digest"
MANUAL_DIGEST = "digest_manual"
# A digest this late is news no longer: it is logged as skipped rather than sent.
DIGEST_STALE_AFTER = timedelta(days=1)
EVENT_MEMORY = timedelta(days=7)
SweepInputs = list[tuple[BoardView, list[ActionView]]]
T = TypeVar("T")


@dataclass
class SweepResult:
    """Counts by delivery: a reminder sent on Slack and on Teams is two sent."""

    sent: int = 0
    skipped: int = 0
    taken: int = 0
    failed: int = 0
    # Due, but for someone (or a board) linked to none of the platforms we send on.
    unreachable: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass(frozen=True)
class _Delivery:
    """One reminder on one platform."""

    due: DueReminder
    route: Route

    @property
    def key(self) -> str:
        return delivery_key(self.due.key, self.route.platform)


class Dispatcher:
    """One sweep = one pass over what is due; safe to run from several processes at once.

    `notifier`: one platform's, or several (a Sequence, or Routes), one per platform.
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        notifier: Notifier | Sequence[Notifier] | Routes,
        stale_claim_after: timedelta = timedelta(minutes=10),
        send_workers: int = 4,
    ) -> None:
        self.db = db
        self.clock = clock
        self.routes = Routes.of(notifier)
        self.stale_claim_after = stale_claim_after
        self.send_workers = max(1, send_workers)
        self.deliveries = Deliveries(
            db=db, clock=clock, routes=self.routes, stale_after=stale_claim_after
        )

    def run_once(self) -> dict[str, SweepResult]:
        """A fixed handful of queries when nothing is due, however many boards there are:
        boards are read once, and each pass asks the send log about all its keys at once."""
        self._forget_old_events()
        boards = self._boards()
        inputs = self._sweep_inputs(self.clock.now(), boards.views)
        return {
            "reminders": self.send_due_reminders(inputs),
            "escalations": self.send_due_escalations(inputs),
            "digests": self.send_due_digests(boards),
        }

    # -- reminders -----------------------------------------------------------------------------

    def send_due_reminders(self, inputs: SweepInputs | None = None) -> SweepResult:
        """Reminders, milestone reminders, nudges and snoozed reminders; stale ones logged.

        Every board's due items are worked out first and their keys looked up in one bulk
        read, so a board whose reminders went already costs no query of its own."""
        now = self.clock.now()
        result = SweepResult()
        plans = []
        for board, actions in inputs if inputs is not None else self._sweep_inputs(now):
            calendar = _calendar(board.bank_holiday_region)
            due = plan_sends(board, actions, now=now, calendar=calendar)
            routes = {item.key: self.routes.to_person(item.owner) for item in due}
            plans.append((board, due, routes))
        status = self._statuses(
            key
            for _, due, routes in plans
            for item in due
            for key in (item.key, *(delivery_key(item.key, r.platform) for r in routes[item.key]))
        )
        for board, due, routes in plans:
            self._board_reminders(board, due, routes, status, now, result)
        return result

    def _board_reminders(
        self,
        board: BoardView,
        due: list[DueReminder],
        routes: dict[str, list[Route]],
        status: dict[str, str],
        now: datetime,
        result: SweepResult,
    ) -> None:
        todo: list[_Delivery] = []
        for item in due:
            claim = _reminder_claim(board, item)
            deliveries = [_Delivery(item, route) for route in routes[item.key]]
            if settled(status, claim.key):  # skipped as too late, in an earlier sweep
                result.taken += 1
            elif item.skip_reason is not None:
                keys = [d.key for d in deliveries]
                result.add(self.deliveries.skip(claim, item.skip_reason, keys, status))
            elif not deliveries:
                result.add(self.deliveries.unreachable(claim, item.owner.name, status))
            else:
                pending = [d for d in deliveries if not settled(status, d.key)]
                result.taken += len(deliveries) - len(pending)
                todo += pending
        # Everyone's first message, then everyone's second: no conversation gets a burst.
        waves = in_waves(todo, lambda d: (d.due.owner.id, d.route.platform))
        for outcome in self._in_parallel(partial(self._send_reminder, board, now=now), waves):
            result.add(outcome)

    def _statuses(self, keys: Iterable[str]) -> dict[str, str]:
        """The send log's word on many keys in one read (chunked by storage); none if no keys."""
        wanted = list(dict.fromkeys(keys))
        return self.deliveries.statuses(wanted) if wanted else {}

    def _in_parallel(self, send: Callable[[T], str], items: list[T]) -> list[str]:
        """Sends overlap (each is its own claim), in wave order; a pacer keeps per-DM limits."""
        if self.send_workers == 1 or len(items) < 2:
            return [send(item) for item in items]
        with ThreadPoolExecutor(self.send_workers, thread_name_prefix="send") as pool:
            return list(pool.map(send, items))

    def _forget_old_events(self) -> None:
        """Chat platforms retry within minutes; a week of handled event ids is plenty."""
        with self.db.session() as session:
            conversations.forget_events_before(session, self.clock.now() - EVENT_MEMORY)

    def _send_reminder(self, board: BoardView, delivery: _Delivery, *, now: datetime) -> str:
        due, route = delivery.due, delivery.route
        claim = replace(_reminder_claim(board, due), key=delivery.key)
        message = reminder_message(board, due, today=_local_today(board, now))
        send = partial(route.notifier.send_direct, due.owner, message, key=claim.key)
        return self.deliveries.deliver(claim, send, route, person=due.owner)

    def send_due_escalations(self, inputs: SweepInputs | None = None) -> SweepResult:
        """Each chair gets one message naming the actions newly gone silent, on each platform.

        As with reminders, all boards' escalation keys are looked up in one bulk read."""
        now = self.clock.now()
        result = SweepResult()
        plans = []
        for board, actions in inputs if inputs is not None else self._sweep_inputs(now):
            calendar = _calendar(board.bank_holiday_region)
            found = due_escalations(board, actions, now=now, calendar=calendar)
            by_chair: dict[int, list[Escalation]] = defaultdict(list)
            for escalation in found:
                by_chair[escalation.chair.id].append(escalation)
            routes = {chair: self.routes.to_person(e[0].chair) for chair, e in by_chair.items()}
            plans.append((board, by_chair, routes))
        status = self._statuses(
            key
            for _, by_chair, routes in plans
            for chair_id, escalations in by_chair.items()
            for e in escalations
            for key in (e.key, *(delivery_key(e.key, r.platform) for r in routes[chair_id]))
        )
        for board, by_chair, routes in plans:
            self._board_escalations(board, by_chair, routes, status, now, result)
        return result

    def _board_escalations(
        self,
        board: BoardView,
        by_chair: dict[int, list[Escalation]],
        routes: dict[int, list[Route]],
        status: dict[str, str],
        now: datetime,
        result: SweepResult,
    ) -> None:
        for chair_id, escalations in by_chair.items():
            if not routes[chair_id]:
                for e in escalations:
                    claim = _escalation_claim(board, e, now)
                    self.deliveries.unreachable(claim, e.chair.name, status)
                result.add("unreachable")
                continue
            for route in routes[chair_id]:
                keyed = [(e, delivery_key(e.key, route.platform)) for e in escalations]
                pending = [e for e, key in keyed if not settled(status, key)]
                if pending:
                    result.add(self._escalate(board, pending, route, now))

    def _escalate(
        self, board: BoardView, escalations: list[Escalation], route: Route, now: datetime
    ) -> str:
        claims = [
            replace(_escalation_claim(board, e, now), key=delivery_key(e.key, route.platform))
            for e in escalations
        ]
        chair = escalations[0].chair

        def send(won: set[str]) -> Sent:
            silent = tuple(
                (e.action, e.silent_days)
                for e in escalations
                if delivery_key(e.key, route.platform) in won
            )
            alert = ChairAlert(board.name, chair, silent, _local_today(board, now))
            return route.notifier.send_direct(chair, alert, key=min(won))

        return self.deliveries.deliver_batch(claims, send, route)

    def _boards(self) -> SweepBoards:
        with self.db.session(commit=False) as session:
            return sweep_boards(session)

    def _sweep_inputs(self, now: datetime, boards: list[BoardView] | None = None) -> SweepInputs:
        """Only actions with something due near now are read: reviews, milestones, snoozes."""
        with self.db.session(commit=False) as session:
            if boards is None:
                boards = sweep_boards(session).views
            by_id = {b.id: b for b in boards}
            if not by_id:
                return []
            windows = [sweep_windows(b, today=_local_today(b, now)) for b in by_id.values()]
            reviews = (min(w[0][0] for w in windows), max(w[0][1] for w in windows))
            milestones = (min(w[1][0] for w in windows), max(w[1][1] for w in windows))
            actions = actions_due_for_sweep(session, reviews=reviews, milestones=milestones)
            views = action_views(session, actions)
        by_board: dict[int, list[ActionView]] = defaultdict(list)
        for view in views:
            by_board[view.board_id].append(view)
        return [(by_id[board_id], found) for board_id, found in by_board.items()]

    # -- digests ---------------------------------------------------------------------------------

    def send_due_digests(self, boards: SweepBoards | None = None) -> SweepResult:
        """Each board's weekly digest, on every platform where the board has a channel.

        Every board's claim keys are worked out first and looked up in one bulk read: a
        week's digests that went already cost that one read, not a transaction per board."""
        now = self.clock.now()
        result = SweepResult()
        if boards is None:
            boards = self._boards()
        plans = [self._digest_plan(board, boards.channels, now) for board in boards.views]
        status = self._statuses(k for claim, _, keys in plans for k in (claim.key, *keys))
        for board, (claim, routes, keys) in zip(boards.views, plans, strict=True):
            self._board_digest(board, claim, routes, keys, status, now, result)
        return result

    def _digest_plan(
        self, board: BoardView, channels: dict[int, dict[str, str]], now: datetime
    ) -> tuple[Claim, list[Route], list[str]]:
        """This week's claim for the board's digest, its routes and their delivery keys."""
        due_at = digest_due_at(board, now=now, calendar=_calendar(board.bank_holiday_region))
        claim = Claim(
            key=f"digest:{board.id}:{due_at.date().isoformat()}",
            kind=DIGEST,
            board_id=board.id,
            due_at=due_at,
        )
        routes = self.routes.to_board(channels.get(board.id, {}))
        return claim, routes, [delivery_key(claim.key, r.platform) for r in routes]

    def _board_digest(
        self,
        board: BoardView,
        claim: Claim,
        routes: list[Route],
        keys: list[str],
        status: dict[str, str],
        now: datetime,
        result: SweepResult,
    ) -> None:
        """One board's digest; what the bulk read found settled costs no query here."""
        if settled(status, claim.key):
            result.taken += 1
        elif now - claim.due_at > DIGEST_STALE_AFTER:
            late = "more than a day late when the bot was running"
            result.add(self.deliveries.skip(claim, late, keys, status))
        elif not routes:
            result.add(self.deliveries.unreachable(claim, board.name, status))
        else:
            # Built once for every platform, from the plan as it stands when first claimed.
            digest = _Once(partial(self._due_digest, board.id, now, due_before=claim.due_at))
            for route, key in zip(routes, keys, strict=True):
                if settled(status, key):
                    result.taken += 1
                    continue
                post = partial(_post, route, digest, key)
                once = replace(claim, key=key)
                result.add(self.deliveries.deliver(once, post, route, channel=route.channel))

    def post_digest_now(self, board: Board) -> Sent:
        """`actionbot digest --post`: sent at once and logged, outside the weekly schedule; on
        every platform where the board has a channel. The first platform's message is returned."""
        now = self.clock.now()
        view = self._board_view(board)
        with self.db.session(commit=False) as session:
            routes = self.routes.to_board(board_channels(session, [board]).get(view.id, {}))
        if not routes:
            raise NotDeliverableError(self.routes.nowhere(board.name))
        key = f"{MANUAL_DIGEST}:{board.id}:{now.isoformat()}"
        digest = self.digest_for(board, now=now)
        sent: list[Sent] = []
        outcomes = []
        for route in routes:
            claim = Claim(
                delivery_key(key, route.platform), kind=MANUAL_DIGEST, board_id=view.id, due_at=now
            )
            post = partial(route.notifier.post_to_channel, route.channel, digest, key=claim.key)
            kept = partial(_kept, sent, post)
            outcomes.append(self.deliveries.deliver(claim, kept, route, channel=route.channel))
        if not sent:
            raise NotDeliverableError(f"the digest was not posted ({', '.join(outcomes)})")
        return sent[0]

    def digest_for(self, board: Board, *, now: datetime | None = None) -> Digest:
        """The digest as it would be posted now: red items and changes since the last one."""
        return self._digest(board, now or self.clock.now())

    def _due_digest(self, board_id: int, now: datetime, *, due_before: datetime) -> Digest:
        """The weekly digest of a board the sweep knows by its view: its row is read only
        now that its digest is claimed, not for every board every minute."""
        with self.db.session(commit=False) as session:
            board = session.get(Board, board_id)
        if board is None:
            raise NotDeliverableError(f"board {board_id} was removed before its digest went")
        return self._digest(board, now, due_before=due_before)

    def _digest(self, board: Board, now: datetime, *, due_before: datetime | None = None) -> Digest:
        with self.db.session(commit=False) as session:
            assert board.id is not None
            last = notifications.last_sent(
                session, board_id=board.id, kind=DIGEST, due_before=due_before
            )
            # The first digest has nothing to compare with: no "newly red", no deltas.
            since = last.sent_at if last and last.sent_at else None
            plan = load_board_plan(session, board, since=since)
        calendar = WorkingCalendar(board.bank_holiday_region)
        digest = build_digest(plan, today=_local_today(plan.board, now), calendar=calendar)
        return replace(digest, unreachable=self._unreachable_owners(plan))

    def _unreachable_owners(self, plan: BoardPlan) -> tuple[str, ...]:
        """Owners of open actions linked to none of our platforms: the "can't reach" line."""
        owners = {o.id: o for a in plan.actions if a.is_open for o in a.owners}
        return tuple(sorted(o.name for o in owners.values() if not self.routes.reaches(o)))

    def _board_view(self, board: Board) -> BoardView:
        with self.db.session(commit=False) as session:
            return board_view(session, board)


class _Once:
    """A value worked out on first use only (the digest, for however many platforms)."""

    def __init__(self, make: Callable[[], Digest]) -> None:
        self._make = make
        self._value: Digest | None = None

    def __call__(self) -> Digest:
        if self._value is None:
            self._value = self._make()
        return self._value


def _post(route: Route, digest: Callable[[], Digest], key: str) -> Sent:
    return route.notifier.post_to_channel(route.channel, digest(), key=key)


def _kept(into: list[Sent], send: Callable[[], Sent]) -> Sent:
    into.append(send())
    return into[-1]


def _reminder_claim(board: BoardView, due: DueReminder) -> Claim:
    return Claim(
        key=due.key,
        kind=due.kind.value,
        board_id=board.id,
        due_at=due.send_at,
        action_id=due.action.id,
        person_id=due.owner.id,
    )


def _escalation_claim(board: BoardView, escalation: Escalation, now: datetime) -> Claim:
    return Claim(
        key=escalation.key,
        kind=ESCALATION,
        board_id=board.id,
        due_at=now,
        action_id=escalation.action.id,
        person_id=escalation.chair.id,
    )


@cache
def _calendar(region: str) -> WorkingCalendar:
    """One calendar per region for the life of the process, not one per board per pass."""
    return WorkingCalendar(region)


def _local_today(board: BoardView, now: datetime) -> date:
    return now.astimezone(ZoneInfo(board.timezone)).date()
