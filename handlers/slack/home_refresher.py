"""App Homes redrawn after updates, coalesced: once per person per burst, off the request path.

Redrawing every affected Home after every update was most of the server's work under load
(an owner's three quick updates redrew their Home and each chair's three times). Instead a
change only notes who to redraw; a worker thread waits until updates have been quiet for
`delay` seconds (at most `LONGEST` delays after the first), then reads every pending Home in
one batch (HomeHandler.homes: each board once) and publishes each once.

It is a `Stoppable` (handlers/hosting/server.py): `wait_idle` waits for pending redraws, and
`stop` publishes what is pending at once, then ends the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from weakref import WeakKeyDictionary

from slack_bolt import App
from slack_sdk import WebClient

log = logging.getLogger(__name__)

# A steady stream of updates still redraws Homes this many delays after the first.
LONGEST = 5
# client, the people to redraw, the replies of every change since the last redraw.
PublishAll = Callable[[WebClient, set[str], list[object]], None]


class HomeRefresher:
    def __init__(self, publish_all: PublishAll, *, delay: float) -> None:
        self.publish_all = publish_all
        self.delay = delay
        self._changed = threading.Condition()
        self._users: set[str] = set()
        self._replies: list[object] = []
        self._client: WebClient | None = None
        self._first = self._last = 0.0
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None

    def request(self, client: WebClient, user_id: str, replies: Sequence[object] = ()) -> None:
        """Noted, not done: returns at once, so the update's answer is never held up."""
        with self._changed:
            if self._stopping:
                log.info("home refresh for %s not made: stopping", user_id)
                return
            now = time.monotonic()
            if not self._users:
                self._first = now
            self._last = now
            self._users.add(user_id)
            self._replies.extend(replies)
            self._client = client
            self._start()
            self._changed.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until every noted redraw is published (tests and a clean stop read the effects)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._users or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def stop(self) -> int:
        """Publishes what is pending now, without waiting out the delay; hands nothing back."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)
        return 0

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="home-refresh", daemon=True)
            self._thread.start()

    def _due(self) -> float:
        return min(self._last + self.delay, self._first + LONGEST * self.delay)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._stopping and (not self._users or time.monotonic() < self._due()):
                    left = self._due() - time.monotonic() if self._users else None
                    self._changed.wait(left)
                if not self._users:
                    return  # stopping, nothing left
                users, replies, client = self._users, self._replies, self._client
                self._users, self._replies, self._busy = set(), [], True
            try:
                assert client is not None
                self.publish_all(client, users, replies)
            except OSError as failure:  # Slack or the database out of reach (URLError too)
                log.warning("home refresh for %d people not made: %s", len(users), failure)
            except Exception:
                # A stale Home is not worth more than a log line: the next change redraws it.
                log.exception("home refresh for %d people failed", len(users))
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()


_REFRESHERS: WeakKeyDictionary[App, HomeRefresher] = WeakKeyDictionary()


def register(app: App, refresher: HomeRefresher) -> None:
    _REFRESHERS[app] = refresher


def refresher_of(app: App) -> HomeRefresher:
    """The Bolt app's refresher, for the server to stop with its inbox workers."""
    return _REFRESHERS[app]
