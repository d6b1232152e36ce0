"""Keeping to a platform's per-conversation rate (Slack: about one message a second each)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from bot.domain.plan import PersonRef
from bot.ports import Notifier, Sent

T = TypeVar("T")


def in_waves(items: Sequence[T], recipient: Callable[[T], Hashable]) -> list[T]:
    """Everyone's first message, then everyone's second...: no conversation gets a burst."""
    seen: dict[Hashable, int] = {}
    ranked: list[tuple[int, int, T]] = []
    for order, item in enumerate(items):
        wave = seen.get(recipient(item), 0)
        seen[recipient(item)] = wave + 1
        ranked.append((wave, order, item))
    return [item for _, _, item in sorted(ranked, key=lambda r: (r[0], r[1]))]


class PacedNotifier:
    """Waits out the interval per conversation instead of provoking 429s and their back-off."""

    def __init__(
        self,
        inner: Notifier,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.platform = inner.platform
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        self._wait(f"person:{person.id}")
        return self.inner.send_direct(person, content, key=key)

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        self._wait(f"channel:{channel}")
        return self.inner.post_to_channel(channel, content, key=key)

    def find_sent(
        self, key: str, *, person: PersonRef | None = None, channel: str | None = None
    ) -> Sent | None:
        finder = getattr(self.inner, "find_sent", None)
        return finder(key, person=person, channel=channel) if finder else None

    def _wait(self, conversation: str) -> None:
        with self._lock:
            now = self._clock()
            ready = self._last.get(conversation, now - self.interval) + self.interval
            self._last[conversation] = max(now, ready)
        if ready > now:
            self._sleep(ready - now)
