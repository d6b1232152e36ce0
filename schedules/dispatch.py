"""Sending what is due, exactly once: claim under a unique key, send, then mark it sent."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.digest import Digest, build_digest, digest_due_at
from bot.domain.plan import ActionView, BoardView
from bot.domain.reminders import DueReminder, due_reminders, reminder_message, reminder_window
from bot.domain.workdays import WorkingCalendar
from bot.ports import NotDeliverableError, Notifier, Sent
from storage import notifications
from storage.boards import board_view, list_boards
from storage.db import Database
from storage.models import Board
from storage.notifications import Claim
from storage.plan import action_views, actions_reviewed_between, load_board_plan

log = logging.getLogger(__name__)

REMINDER = "reminder"
DIGEST = "digest"
MANUAL_DIGEST = "digest_manual"
# A digest this late is news no longer: it is logged as skipped rather than sent.
DIGEST_STALE_AFTER = timedelta(days=1)
DEFAULT_LOOKBACK = timedelta(days=7)


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
    ) -> None:
        self.db = db
        self.clock = clock
        self.notifier = notifier
        self.stale_claim_after = stale_claim_after

    def run_once(self) -> dict[str, SweepResult]:
        return {"reminders": self.send_due_reminders(), "digests": self.send_due_digests()}

    # -- reminders -----------------------------------------------------------------------------

    def send_due_reminders(self) -> SweepResult:
        now = self.clock.now()
        result = SweepResult()
        for board, reminder in self._due_reminders(now):
            message = reminder_message(board, reminder, today=_local_today(board, now))
            claim = Claim(
                key=reminder.key,
                kind=REMINDER,
                board_id=board.id,
                due_at=reminder.send_at,
                action_id=reminder.action.id,
                person_id=reminder.owner.id,
            )
            send = partial(self.notifier.send_direct, reminder.owner, message)
            result.add(self._deliver(claim, send))
        return result

    def _due_reminders(self, now: datetime) -> list[tuple[BoardView, DueReminder]]:
        """Only actions whose review date falls in the reminder window are read."""
        with self.db.session(commit=False) as session:
            boards = {b.id: board_view(session, b) for b in list_boards(session)}
            if not boards:
                return []
            windows = [reminder_window(b, today=_local_today(b, now)) for b in boards.values()]
            start = min(w[0] for w in windows)
            end = max(w[1] for w in windows)
            views = action_views(session, actions_reviewed_between(session, start, end))
        by_board: dict[int, list[ActionView]] = defaultdict(list)
        for view in views:
            by_board[view.board_id].append(view)
        due: list[tuple[BoardView, DueReminder]] = []
        for board_id, actions in by_board.items():
            board = boards[board_id]
            calendar = WorkingCalendar(board.bank_holiday_region)
            found = due_reminders(board, actions, now=now, calendar=calendar)
            due.extend((board, reminder) for reminder in found)
        return due

    # -- digests ---------------------------------------------------------------------------------

    def send_due_digests(self) -> SweepResult:
        now = self.clock.now()
        result = SweepResult()
        with self.db.session(commit=False) as session:
            boards = [board_view(session, b) for b in list_boards(session)]
        for board in boards:
            due_at = digest_due_at(board, now=now)
            claim = Claim(
                key=f"digest:{board.id}:{due_at.date().isoformat()}",
                kind=DIGEST,
                board_id=board.id,
                due_at=due_at,
            )
            if now - due_at > DIGEST_STALE_AFTER:
                result.add(self._skip(claim, "more than a day late when the bot was running"))
                continue
            result.add(self._deliver(claim, partial(self._post_digest, board, now)))
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
            since = last.sent_at if last and last.sent_at else now - DEFAULT_LOOKBACK
            plan = load_board_plan(session, board, since=since)
        calendar = WorkingCalendar(board.bank_holiday_region)
        return build_digest(plan, today=_local_today(plan.board, now), calendar=calendar)

    def _post_digest(self, board: BoardView, now: datetime) -> Sent:
        with self.db.session(commit=False) as session:
            row = session.get(Board, board.id)
            assert row is not None
        digest = self.digest_for(row, now=now)
        if not board.channel_id and self.notifier.platform != "console":
            raise NotDeliverableError(f"{board.name} has no channel to post to")
        return self.notifier.post_to_channel(board.channel_id or "", digest)

    def _board_view(self, board: Board) -> BoardView:
        with self.db.session(commit=False) as session:
            return board_view(session, board)

    # -- claim, send, mark -----------------------------------------------------------------------

    def _deliver(self, claim: Claim, send: Callable[[], Sent]) -> str:
        now = self.clock.now()
        with self.db.session() as session:
            row = notifications.try_claim(
                session, claim, now=now, stale_after=self.stale_claim_after
            )
            row_id = row.id if row else None
        if row_id is None:
            return "taken"
        try:
            sent = send()
        except NotDeliverableError as reason:
            self._mark(row_id, notifications.SKIPPED, str(reason))
            return "skipped"
        except Exception:
            # Left claimed: a later sweep takes it over once it is stale, so nothing is lost.
            log.exception("sending %s failed; it will be retried", claim.key)
            return "failed"
        with self.db.session() as session:
            notifications.mark_sent(
                session,
                row_id,
                now=self.clock.now(),
                platform=self.notifier.platform,
                channel=sent.channel,
                message_ref=sent.message_ref,
            )
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
