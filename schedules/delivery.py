"""Claim, send, mark: one delivery of one message on one platform, exactly once.

A delivery is claimed under its own key (the message's and the platform's) before it is
sent and marked sent after; a claim whose sender died is taken over once stale, after asking
the platform whether the message went already. What can go nowhere is written down once
under the message's key: skipped (too late) or unreachable (not settled: sent once linked).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.clock import Clock
from bot.domain.plan import PersonRef
from bot.ports import DeliveryLog, NotDeliverableError, Sent
from schedules.routing import Route, Routes
from storage import notifications
from storage.db import Database
from storage.notifications import Claim

log = logging.getLogger(__name__)


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
        now = self.clock.now()
        with self.db.session() as session:
            row = notifications.try_claim(session, claim, now=now, stale_after=self.stale_after)
            row_id, retrying = (row.id, row.attempts > 1) if row else (None, False)
        if row_id is None:
            return "taken"
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
        self._mark_sent([row_id], sent, route)
        return "sent"

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
