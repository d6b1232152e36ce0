"""What the core needs from a chat platform. Slack, the console and (later) Teams implement it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.plan import PersonRef


@dataclass(frozen=True)
class Sent:
    """Where a message landed, so a threaded reply can be traced back to it."""

    channel: str
    message_ref: str


class NotDeliverableError(Exception):
    """The person can't be reached on this platform (e.g. no linked account)."""


class Notifier(Protocol):
    platform: str

    def send_direct(self, person: PersonRef, content: object) -> Sent:
        """A direct message; raises NotDeliverableError when the person has no account here."""
        ...

    def post_to_channel(self, channel: str, content: object) -> Sent: ...
