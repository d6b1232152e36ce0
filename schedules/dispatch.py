"""Sending what is due, exactly once: claim under a unique key, send, then mark it sent."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.digest import Digest, build_digest, digest_due_at
from bot.domain.plan import ActionView, BoardView, PersonRef
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
from bot.ports import DeliveryLog, NotDeliverableError, Notifier, Sent
from schedules.pacing import in_waves
from storage import conversations, notifications
from storage.boards import all_board_views, board_view
from storage.db import Database
from storage.models import Board
from storage.notifications import Claim
from storage.plan import action_views, actions_due_for_sweep, load_board_plan

log = logging.getLogger(__name__)

ESCALATION = "escalation"
DIGEST = "digest"
MANUAL_DIGEST = "digest_manual"
# A digest this late is news no longer: it is logged as skipped rather than sent.
DIGEST_STALE_AFTER = timedelta(days=1)
EVENT_MEMORY = timedelta(days=7)
SweepInputs = list[tuple[BoardView, list[ActionView]]]


@dataclass
class SweepResult:
    sent: int = 0
    skipped: int = 0
    taken: int = 0
    failed: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


class Dispatcher:
    """One sweep = one pass over what is due; safe to run from several processes at once."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        notifier: Notifier,
        stale_claim_after: timedelta = timedelta(minutes=10),
        send_workers: int = 4,
    ) -> None:
        self.db = db
        self.clock = clock
        self.notifier = notifier
        self.stale_claim_after = stale_claim_after
        self.send_workers = max(1, send_workers)

    def run_once(self) -> dict[str, SweepResult]:
        self._forget_old_events()
        inputs = self._sweep_inputs(self.clock.now())
        return {
            "reminders": self.send_due_reminders(inputs),
            "escalations": self.send_due_escalations(inputs),
            "digests": self.send_due_digests(),
        }

    # -- reminders -----------------------------------------------------------------------------

    def send_due_reminders(self, inputs: SweepInputs | None = None) -> SweepResult:
        """Reminders, milestone reminders, nudges and snoozed reminders; stale ones logged."""
        now = self.clock.now()
        result = SweepResult()
        for board, actions in inputs if inputs is not None else self._sweep_inputs(now):
            calendar = WorkingCalendar(board.bank_holiday_region)
            due = in_waves(
                plan_sends(board, actions, now=now, calendar=calendar), lambda d: d.owner.id
            )
            settled = self._settled([d.key for d in due])
            todo = [item for item in due if item.key not in settled]
            result.taken += len(due) - len(todo)
            for outcome in self._in_parallel(partial(self._send_reminder, board, now=now), todo):
                result.add(outcome)
        return result

    def _in_parallel(
        self, send: Callable[[DueReminder], str], items: list[DueReminder]
    ) -> list[str]:
        """Sends overlap (each is its own claim), in wave order; a pacer keeps per-DM limits."""
        if self.send_workers == 1 or len(items) < 2:
            return [send(item) for item in items]
        with ThreadPoolExecutor(self.send_workers, thread_name_prefix="send") as pool:
            return list(pool.map(send, items))

    def _forget_old_events(self) -> None:
        """Chat platforms retry within minutes; a week of handled event ids is plenty."""
        with self.db.session() as session:
            conversations.forget_events_before(session, self.clock.now() - EVENT_MEMORY)

    def _settled(self, keys: list[str]) -> set[str]:
        with self.db.session(commit=False) as session:
            return notifications.settled_keys(session, keys)

    def _send_reminder(self, board: BoardView, due: DueReminder, *, now: datetime) -> str:
        claim = Claim(
            key=due.key,
            kind=due.kind.value,
            board_id=board.id,
            due_at=due.send_at,
            action_id=due.action.id,
            person_id=due.owner.id,
        )
        if due.skip_reason is not None:
            return self._skip(claim, due.skip_reason)
        message = reminder_message(board, due, today=_local_today(board, now))
        send = partial(self.notifier.send_direct, due.owner, message, key=claim.key)
        return self._deliver(claim, send, person=due.owner)

    def send_due_escalations(self, inputs: SweepInputs | None = None) -> SweepResult:
        """Each chair gets one message naming the actions newly gone silent."""
        now = self.clock.now()
        result = SweepResult()
        for board, actions in inputs if inputs is not None else self._sweep_inputs(now):
            calendar = WorkingCalendar(board.bank_holiday_region)
            found = due_escalations(board, actions, now=now, calendar=calendar)
            settled = self._settled([e.key for e in found])
            by_chair: dict[int, list[Escalation]] = defaultdict(list)
            for escalation in found:
                if escalation.key not in settled:
                    by_chair[escalation.chair.id].append(escalation)
            for escalations in by_chair.values():
                result.add(self._escalate(board, escalations, now))
        return result

    def _escalate(self, board: BoardView, escalations: list[Escalation], now: datetime) -> str:
        claims = [
            Claim(
                key=e.key,
                kind=ESCALATION,
                board_id=board.id,
                due_at=now,
                action_id=e.action.id,
                person_id=e.chair.id,
            )
            for e in escalations
        ]

        def send(won: set[str]) -> Sent:
            silent = tuple((e.action, e.silent_days) for e in escalations if e.key in won)
            alert = ChairAlert(board.name, escalations[0].chair, silent, _local_today(board, now))
            return self.notifier.send_direct(escalations[0].chair, alert, key=min(won))

        return self._deliver_batch(claims, send)

    def _sweep_inputs(self, now: datetime) -> SweepInputs:
        """Only actions with something due near now are read: reviews, milestones, snoozes."""
        with self.db.session(commit=False) as session:
            boards = {b.id: b for b in all_board_views(session)}
            if not boards:
                return []
            windows = [sweep_windows(b, today=_local_today(b, now)) for b in boards.values()]
            reviews = (min(w[0][0] for w in windows), max(w[0][1] for w in windows))
            milestones = (min(w[1][0] for w in windows), max(w[1][1] for w in windows))
            actions = actions_due_for_sweep(session, reviews=reviews, milestones=milestones)
            views = action_views(session, actions)
        by_board: dict[int, list[ActionView]] = defaultdict(list)
        for view in views:
            by_board[view.board_id].append(view)
        return [(boards[board_id], found) for board_id, found in by_board.items()]

    # -- digests ---------------------------------------------------------------------------------

    def send_due_digests(self) -> SweepResult:
        now = self.clock.now()
        result = SweepResult()
        with self.db.session(commit=False) as session:
            boards = all_board_views(session)
        for board in boards:
            calendar = WorkingCalendar(board.bank_holiday_region)
            due_at = digest_due_at(board, now=now, calendar=calendar)
            claim = Claim(
                key=f"digest:{board.id}:{due_at.date().isoformat()}",
                kind=DIGEST,
                board_id=board.id,
                due_at=due_at,
            )
            if now - due_at > DIGEST_STALE_AFTER:
                result.add(self._skip(claim, "more than a day late when the bot was running"))
                continue
            post = partial(self._post_digest, board, now, key=claim.key)
            result.add(self._deliver(claim, post, channel=board.channel_id))
        return result

    def post_digest_now(self, board: Board) -> Sent:
        """`actionbot digest --post`: sent at once and logged, outside the weekly schedule."""
        now = self.clock.now()
        view = self._board_view(board)
        claim = Claim(
            key=f"{MANUAL_DIGEST}:{board.id}:{now.isoformat()}",
            kind=MANUAL_DIGEST,
            board_id=view.id,
            due_at=now,
        )
        sent: list[Sent] = []

        def post() -> Sent:
            sent.append(self._post_digest(view, now))
            return sent[0]

        outcome = self._deliver(claim, post)
        if not sent:
            raise NotDeliverableError(f"the digest was not posted ({outcome})")
        return sent[0]

    def digest_for(self, board: Board, *, now: datetime | None = None) -> Digest:
        """The digest as it would be posted now: red items and changes since the last one."""
        now = now or self.clock.now()
        with self.db.session(commit=False) as session:
            assert board.id is not None
            last = notifications.last_sent(session, board_id=board.id, kind=DIGEST)
            # The first digest has nothing to compare with: no "newly red", no deltas.
            since = last.sent_at if last and last.sent_at else None
            plan = load_board_plan(session, board, since=since)
        calendar = WorkingCalendar(board.bank_holiday_region)
        return build_digest(plan, today=_local_today(plan.board, now), calendar=calendar)

    def _post_digest(self, board: BoardView, now: datetime, *, key: str | None = None) -> Sent:
        with self.db.session(commit=False) as session:
            row = session.get(Board, board.id)
            assert row is not None
        digest = self.digest_for(row, now=now)
        if not board.channel_id and self.notifier.platform != "console":
            raise NotDeliverableError(f"{board.name} has no channel to post to")
        return self.notifier.post_to_channel(board.channel_id or "", digest, key=key)

    def _board_view(self, board: Board) -> BoardView:
        with self.db.session(commit=False) as session:
            return board_view(session, board)

    # -- claim, send, mark -----------------------------------------------------------------------

    def _deliver(
        self,
        claim: Claim,
        send: Callable[[], Sent],
        *,
        person: PersonRef | None = None,
        channel: str | None = None,
    ) -> str:
        now = self.clock.now()
        with self.db.session() as session:
            row = notifications.try_claim(
                session, claim, now=now, stale_after=self.stale_claim_after
            )
            row_id, retrying = (row.id, row.attempts > 1) if row else (None, False)
        if row_id is None:
            return "taken"
        try:
            earlier = self._sent_before_crash(claim.key, person, channel) if retrying else None
            sent = earlier or send()
        except NotDeliverableError as reason:
            self._mark(row_id, notifications.SKIPPED, str(reason))
            return "skipped"
        except Exception:
            # Left claimed: a later sweep takes it over once it is stale, so nothing is lost.
            log.exception("sending %s failed; it will be retried", claim.key)
            return "failed"
        self._mark_sent([row_id], sent)
        return "sent"

    def _mark_sent(self, row_ids: list[int], sent: Sent) -> None:
        with self.db.session() as session:
            for row_id in row_ids:
                notifications.mark_sent(
                    session,
                    row_id,
                    now=self.clock.now(),
                    platform=self.notifier.platform,
                    channel=sent.channel,
                    message_ref=sent.message_ref,
                )

    def _sent_before_crash(
        self, key: str, person: PersonRef | None, channel: str | None
    ) -> Sent | None:
        """A taken-over claim may have gone out just before its sender died: look first."""
        if not isinstance(self.notifier, DeliveryLog):
            return None
        return self.notifier.find_sent(key, person=person, channel=channel)

    def _deliver_batch(self, claims: list[Claim], send: Callable[[set[str]], Sent]) -> str:
        """Several claims, one message: it names only what this sender won."""
        now = self.clock.now()
        with self.db.session() as session:
            rows = [
                row
                for claim in claims
                if (
                    row := notifications.try_claim(
                        session, claim, now=now, stale_after=self.stale_claim_after
                    )
                )
            ]
            won = {row.key: row.id for row in rows if row.id is not None}
        if not won:
            return "taken"
        try:
            sent = send(set(won))
        except NotDeliverableError as reason:
            for row_id in won.values():
                self._mark(row_id, notifications.SKIPPED, str(reason))
            return "skipped"
        except Exception:
            log.exception("sending %s failed; it will be retried", sorted(won))
            return "failed"
        self._mark_sent(list(won.values()), sent)
        return "sent"

    def _skip(self, claim: Claim, reason: str) -> str:
        with self.db.session() as session:
            row = notifications.try_claim(
                session, claim, now=self.clock.now(), stale_after=self.stale_claim_after
            )
            if row is None or row.id is None:
                return "taken"
            notifications.mark_status(session, row.id, notifications.SKIPPED, reason)
        return "skipped"

    def _mark(self, row_id: int, status: str, detail: str) -> None:
        with self.db.session() as session:
            notifications.mark_status(session, row_id, status, detail)


def _local_today(board: BoardView, now: datetime) -> date:
    return now.astimezone(ZoneInfo(board.timezone)).date()
