"""The chat port for a terminal: direct messages and channel posts, printed."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import TextIO

from bot.clock import Clock
from bot.domain.plan import PersonRef
from bot.domain.reminders import ReminderMessage
from bot.ports import NotDeliverableError, Notifier, Sent
from handlers.text import render_text

PLATFORM = "console"
CHANNEL = "console-channel"
# Every board's posts show on the one screen: the console needs no channel linked per board.
SHARED_CHANNEL = "console"


def dm_channel(person_id: int) -> str:
    """Each person's direct-message "channel", so a reply finds the reminder it answers."""
    return f"console-dm:{person_id}"


def rendered(content: object) -> str:
    """Anything the core sends, as the console shows it."""
    try:
        return render_text(content)
    except TypeError:
        return str(content)


def dm_header(person: PersonRef) -> str:
    return f"→ DM to {person.name}"


def channel_header(channel: str, content: object) -> str:
    board = getattr(content, "board_name", None)
    where = f"#{channel}" if channel else "#console"
    return f"{where} ({board})" if board else where


@dataclass(frozen=True)
class ReminderThread:
    """A reminder someone received: replying "in its thread" updates that action."""

    message_ref: str
    action_ref: str
    action_title: str
    board_name: str


class ConsoleNotifier:
    """Prints what would be sent; messages for people not at the terminal wait in their inbox.

    `reader` is the person at the terminal (None prints everything). Message refs are
    Slack-like "<seconds>.<counter>" so a later run never reuses an earlier run's ref.
    Like any platform it messages people by their account here, linked as for Slack: on the
    console everyone has one, their name (given as each person enters the plan).
    """

    platform = PLATFORM
    shared_channel = SHARED_CHANNEL

    def __init__(self, out: TextIO, *, clock: Clock) -> None:
        self.out = out
        self.clock = clock
        self.reader: int | None = None
        self._lock = threading.RLock()
        self._count = 0
        self._threads: dict[int, list[ReminderThread]] = defaultdict(list)
        self._held: dict[int, list[str]] = defaultdict(list)
        self._names: dict[int, str] = {}

    # -- the Notifier port ------------------------------------------------------------------

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        if not person.chat_id(PLATFORM):
            raise NotDeliverableError(f"no console account linked for {person.name}")
        with self._lock:
            ref = self._next_ref()
            if isinstance(content, ReminderMessage):
                thread = ReminderThread(
                    ref, content.action.ref, content.action.title, content.board_name
                )
                self._threads[person.id].append(thread)
            text = f"{dm_header(person)}\n{rendered(content)}"
            if self.reader is None or self.reader == person.id:
                self.write(text)
            else:
                self._held[person.id].append(text)
                self._names[person.id] = person.name
        return Sent(channel=dm_channel(person.id), message_ref=ref)

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        with self._lock:
            ref = self._next_ref()
            self.write(f"→ {channel_header(channel, content)}\n{rendered(content)}")
        return Sent(channel=CHANNEL, message_ref=ref)

    # -- for the console session ------------------------------------------------------------

    def write(self, text: str) -> None:
        """One block at a time, so a background sweep never splits another message."""
        with self._lock:
            self.out.write(text.rstrip("\n") + "\n\n")
            self.out.flush()

    def last_reminder(self, person_id: int) -> ReminderThread | None:
        with self._lock:
            threads = self._threads.get(person_id)
            return threads[-1] if threads else None

    def reminders_for(self, person_id: int) -> list[ReminderThread]:
        with self._lock:
            return list(self._threads.get(person_id, ()))

    def take_held(self, person_id: int) -> list[str]:
        """Messages that arrived while someone else was at the terminal, now read."""
        with self._lock:
            self._names.pop(person_id, None)
            return self._held.pop(person_id, [])

    def held_counts(self) -> dict[str, int]:
        """Unread messages by name, for "also sent to …"."""
        with self._lock:
            return {self._names[pid]: len(texts) for pid, texts in self._held.items() if texts}

    def _next_ref(self) -> str:
        self._count += 1
        return f"{int(self.clock.now().timestamp())}.{self._count:06d}"


class EchoNotifier:
    """Sends through another platform and prints what went, for `actionbot remind`."""

    def __init__(self, inner: Notifier, out: TextIO) -> None:
        self.inner = inner
        self.platform = inner.platform
        self.out = out

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        sent = self.inner.send_direct(person, content, key=key)
        self._echo(f"{dm_header(person)} ({self.platform})", content)
        return sent

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        sent = self.inner.post_to_channel(channel, content, key=key)
        self._echo(f"→ {channel_header(channel, content)} ({self.platform})", content)
        return sent

    def find_sent(
        self, key: str, *, person: PersonRef | None = None, channel: str | None = None
    ) -> Sent | None:
        """Passed through, so a resend after a crash still checks the real platform."""
        finder = getattr(self.inner, "find_sent", None)
        return finder(key, person=person, channel=channel) if finder else None

    def _echo(self, header: str, content: object) -> None:
        self.out.write(f"{header}\n{rendered(content)}\n\n")
        self.out.flush()
