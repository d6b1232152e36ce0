"""Keeping to a platform's per-conversation rate (Slack: about one message a second each)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import TypeVar

from bot.domain.plan import PersonRef
from bot.ports import Notifier, Sent

T = TypeVar("T")

# Slack allows about one message a second per conversation; the margin keeps a little under
# it, so its limiter (which counts on its own clock) trips rarely rather than now and then.
SLACK_INTERVAL = 1.0
MARGIN = 0.025


def in_waves(items: Sequence[T], recipient: Callable[[T], Hashable]) -> list[T]:
    """Everyone's first message, then everyone's second...: no conversation gets a burst."""
    seen: dict[Hashable, int] = {}
    ranked: list[tuple[int, int, T]] = []
    for order, item in enumerate(items):
        wave = seen.get(recipient(item), 0)
        seen[recipient(item)] = wave + 1
        ranked.append((wave, order, item))
    return [item for _, _, item in sorted(ranked, key=lambda r: (r[0], r[1]))]


class _Gate:
    """One conversation: its sends go one at a time, `done` is when the last one returned."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done: float | None = None


class PacedNotifier:
    """Waits out the interval per conversation instead of provoking 429s and their back-off.

    The interval is counted from when the previous message's answer came back, not from when
    it was sent: Slack accepted it before answering, and the next one reaches Slack after it
    leaves here, so Slack sees at least `interval` between them however long each call takes.
    Sends to one conversation go one at a time; other conversations never wait on it.
    """

    def __init__(
        self,
        inner: Notifier,
        *,
        interval: float = SLACK_INTERVAL + MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.platform = inner.platform
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._gates: dict[str, _Gate] = {}
        self._lock = threading.Lock()

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        send = partial(self.inner.send_direct, person, content, key=key)
        return self._paced(f"person:{person.id}", send)

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        send = partial(self.inner.post_to_channel, channel, content, key=key)
        return self._paced(f"channel:{channel}", send)

    def find_sent(
        self, key: str, *, person: PersonRef | None = None, channel: str | None = None
    ) -> Sent | None:
        finder = getattr(self.inner, "find_sent", None)
        return finder(key, person=person, channel=channel) if finder else None

    def _paced(self, conversation: str, send: Callable[[], Sent]) -> Sent:
        with self._lock:
            gate = self._gates.setdefault(conversation, _Gate())
        with gate.lock:
            if gate.done is not None:
                wait = gate.done + self.interval - self._clock()
                if wait > 0:
                    self._sleep(wait)
            try:
                return send()
            finally:
                gate.done = self._clock()
