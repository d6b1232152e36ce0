"""What the core needs from a chat platform. Slack, the console and (later) Teams implement it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.domain.plan import PersonRef


@dataclass(frozen=True)
class Sent:
    """Where a message landed, so a threaded reply can be traced back to it."""

    channel: str
    message_ref: str


class NotDeliverableError(Exception):
    """The person can't be reached on this platform (e.g. no linked account)."""


class Notifier(Protocol):
    """`key` is the claim key of a scheduled send: a platform that can tag its messages with
    it lets the dispatcher check, before resending after a crash, that it didn't go already."""

    platform: str

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        """A direct message; raises NotDeliverableError when the person has no account here."""
        ...

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent: ...


@runtime_checkable
class DeliveryLog(Protocol):
    """A notifier that can find a message it sent earlier by its claim key."""

    def find_sent(
        self, key: str, *, person: PersonRef | None = None, channel: str | None = None
    ) -> Sent | None: ...
