"""What the core needs from a chat platform. Slack, the console and (later) Teams implement it.

A deployment may send on several platforms at once: the dispatcher holds one Notifier per
platform and sends each message on every platform its recipient is linked to (a person's
accounts are `PersonRef.chat_ids`, platform → account id; a board's channels are stored per
platform). A notifier is asked only for people and channels it has, and never decides where.
"""

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
    """One platform's outgoing messages. `platform` names it as accounts are linked ("slack").

    `key` is the claim key of a scheduled send: a platform that can tag its messages with
    it lets the dispatcher check, before resending after a crash, that it didn't go already."""

    platform: str

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        """A direct message to the person's account here (`person.chat_id(self.platform)`);
        raises NotDeliverableError when the platform refuses it for good."""
        ...

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent: ...


@runtime_checkable
class DeliveryLog(Protocol):
    """A notifier that can find a message it sent earlier by its claim key."""

    def find_sent(
        self, key: str, *, person: PersonRef | None = None, channel: str | None = None
    ) -> Sent | None: ...


@runtime_checkable
class SharedChannel(Protocol):
    """A notifier with one place every board's posts go when it has no channel of its own
    there (the console's screen). Platforms without one post only where a board is linked."""

    shared_channel: str
