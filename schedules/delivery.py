"""Claim, send, mark: one delivery of one message on one platform, exactly once.

A delivery is claimed under its own key (the message's and the platform's) before it is
sent and marked sent after; a claim whose sender died is taken over once stale, after asking
the platform whether the message went already. What can go nowhere is written down once
under the message's key: skipped (too late) or unreachable (not settled: sent once linked).

The sender pool's claims and marks are committed in batches (GroupCommit): a commit per
batch rather than two per message is most of a send's CPU saved, and with threads sharing
one GIL that CPU bounds the rate. Nothing else changes: a sender sends only once its claim
is committed, and reports "sent" only once its mark is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import timedelta
from typing import Generic, TypeVar

from bot.clock import Clock
from bot.domain.plan import PersonRef
from bot.ports import DeliveryLog, NotDeliverableError, Sent
from schedules.routing import Route, Routes
from storage import notifications
from storage.db import Database
from storage.notifications import Claim, SentMark, Won

log = logging.getLogger(__name__)
In = TypeVar("In")
Out = TypeVar("Out")


def settled(status: dict[str, str], key: str) -> bool:
    """Sent or skipped: left alone. Claimed (in flight) and unreachable are not settled."""
    return status.get(key) in (notifications.SENT, notifications.SKIPPED)


class Deliveries:
    """The send log's side of a sweep; each method is its own short unit of work."""

    def __init__(
        self, *, db: Database, clock: Clock, routes: Routes, stale_after: timedelta
    ) -> None:
        self.db = db
        self.clock = clock
        self.routes = routes
        self.stale_after = stale_after
        # The sender pool's claims and marks, each committed in batches (see GroupCommit).
        self._claims = GroupCommit(self._claim_all)
        self._marks = GroupCommit(self._mark_all)

    def statuses(self, keys: list[str]) -> dict[str, str]:
        with self.db.session(commit=False) as session:
            return notifications.statuses(session, keys)

    def deliver(
        self,
        claim: Claim,
        send: Callable[[], Sent],
        route: Route,
        *,
        person: PersonRef | None = None,
        channel: str | None = None,
    ) -> str:
        won = self._claims(claim)
        if won is None:
            return "taken"
        row_id, retrying = won.id, won.attempts > 1
        try:
            earlier = (
                self._sent_before_crash(claim.key, route, person, channel) if retrying else None
            )
            sent = earlier or send()
        except NotDeliverableError as reason:
            self._mark(row_id, notifications.SKIPPED, str(reason))
            return "skipped"
        except Exception:
            # Left claimed: a later sweep takes it over once it is stale, so nothing is lost.
            log.exception("sending %s failed; it will be retried", claim.key)
            return "failed"
        self._marks(SentMark(row_id, route.platform, sent.channel, sent.message_ref))
        return "sent"

    def _claim_all(self, claims: list[Claim]) -> list[Won | None]:
        with self.db.session() as session:
            return notifications.try_claim_many(
                session, claims, now=self.clock.now(), stale_after=self.stale_after
            )

    def _mark_all(self, marks: list[SentMark]) -> list[None]:
        with self.db.session() as session:
            notifications.mark_sent_many(session, marks, now=self.clock.now())
        return [None] * len(marks)

    def _mark_sent(self, row_ids: list[int], sent: Sent, route: Route) -> None:
        with self.db.session() as session:
            for row_id in row_ids:
                notifications.mark_sent(
                    session,
                    row_id,
                    now=self.clock.now(),
                    platform=route.platform,
                    channel=sent.channel,
                    message_ref=sent.message_ref,
                )

    def _sent_before_crash(
        self, key: str, route: Route, person: PersonRef | None, channel: str | None
    ) -> Sent | None:
        """A taken-over claim may have gone out just before its sender died: look first."""
        if not isinstance(route.notifier, DeliveryLog):
            return None
        return route.notifier.find_sent(key, person=person, channel=channel)

    def deliver_batch(
        self, claims: list[Claim], send: Callable[[set[str]], Sent], route: Route
    ) -> str:
        """Several claims, one message: it names only what this sender won."""
        now = self.clock.now()
        with self.db.session() as session:
            rows = [
                row
                for claim in claims
                if (
                    row := notifications.try_claim(
                        session, claim, now=now, stale_after=self.stale_after
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
        self._mark_sent(list(won.values()), sent, route)
        return "sent"

    def skip(
        self, claim: Claim, reason: str, deliveries: Sequence[str], status: dict[str, str]
    ) -> str:
        """Too late to help: recorded once for the message, unless it went somewhere already."""
        if any(settled(status, key) for key in deliveries):
            return "taken"
        with self.db.session() as session:
            row = notifications.try_claim(
                session, claim, now=self.clock.now(), stale_after=self.stale_after
            )
            if row is None or row.id is None:
                return "taken"
            notifications.mark_status(session, row.id, notifications.SKIPPED, reason)
        return "skipped"

    def unreachable(self, claim: Claim, who: str, status: dict[str, str]) -> str:
        """Linked to none of our platforms: written down once (and said in the digest and by
        `actionbot people`), never marked sent, so it goes out once they are linked."""
        if claim.key not in status:
            with self.db.session() as session:
                notifications.record_once(
                    session,
                    claim,
                    status=notifications.UNREACHABLE,
                    detail=self.routes.nowhere(who),
                    now=self.clock.now(),
                )
        return "unreachable"

    def _mark(self, row_id: int, status: str, detail: str) -> None:
        with self.db.session() as session:
            notifications.mark_status(session, row_id, status, detail)


class GroupCommit(Generic[In, Out]):
    """Work from several sender threads done in one transaction each time: a claim or a mark
    costs one commit per batch, not one each, and nobody returns before theirs is committed.

    The first caller to find no batch running runs it; whoever arrives meanwhile waits and
    goes in the next one, which that caller runs too. A failed batch fails each of its callers.
    """

    def __init__(self, run: Callable[[list[In]], list[Out]]) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._pending: list[tuple[In, Future[Out]]] = []
        self._running = False

    def __call__(self, item: In) -> Out:
        future: Future[Out] = Future()
        with self._lock:
            self._pending.append((item, future))
            leads, self._running = not self._running, True
        if leads:
            self._drain()
        return future.result()

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._running = False
                    return
            try:
                results = self._run([item for item, _ in batch])
            except BaseException as failure:  # each caller raises it, as if it ran alone
                for _, future in batch:
                    future.set_exception(failure)
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)
