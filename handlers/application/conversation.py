"""What an adapter tells the core about an incoming chat event, platform-neutral."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Conversation:
    """Where a message was said: enough to reply in place and to find the reminder it answers."""

    platform: str
    user_id: str
    channel: str
    thread: str | None = None
    is_direct: bool = True

    @property
    def key(self) -> str:
        """Questions are remembered per conversation, so two threads don't cross answers."""
        return f"{self.platform}:{self.channel}:{self.thread or '-'}"


@dataclass(frozen=True)
class IncomingMessage:
    conversation: Conversation
    text: str
    event_id: str | None = None
    # Delivered again after an attempt that may have been applied (a worker replaying its
    # inbox after a crash): an event already handled is answered again, never applied again.
    redelivered: bool = False
    # A pressed choice ("Fri 30 Apr", "Keep the current date") rather than typed words: it
    # answers the open question or nothing, never standing alone as a new update.
    answers_question: bool = False
    # Typed into a box on one action's card (Teams' "Add update"): that action is meant, as a
    # reply in a reminder's thread means the reminder's; a ref in the words still wins.
    about_action: int | None = None
    # The board the person is on, by name, for a platform that knows (the console's current
    # board): a ref is looked for there first, before the thread's or the channel's board.
    board_hint: str | None = None


@dataclass(frozen=True)
class RagRequest:
    conversation: Conversation
    text: str
    board_hint: str | None = None
    mentioned_user_ids: tuple[str, ...] = ()
    # Is the asker a member of this channel? Supplied by a platform that can tell (Slack);
    # None (the console) means the question is not asked.
    in_channel: Callable[[str], bool] | None = None
