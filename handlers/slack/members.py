"""Who is in a board's channel, asked of Slack and remembered briefly: /rag may ask often."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

CACHE_SECONDS = 60.0
PAGE = 1000


class ChannelMembers:
    """conversations.members, paginated, cached per channel for a minute."""

    def __init__(
        self, *, ttl: float = CACHE_SECONDS, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.now = now
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def checker(self, client: WebClient, user_id: str) -> Callable[[str], bool]:
        """The hook /rag is given: is this user in that channel?"""
        return lambda channel: user_id in self.members(client, channel)

    def members(self, client: WebClient, channel: str) -> frozenset[str]:
        with self._lock:
            cached = self._cache.get(channel)
            if cached is not None and self.now() - cached[0] < self.ttl:
                return cached[1]
        found = _fetch(client, channel)
        with self._lock:
            self._cache[channel] = (self.now(), found)
        return found


def _fetch(client: WebClient, channel: str) -> frozenset[str]:
    """A channel the bot can't see has, as far as /rag knows, no members: it answers no one."""
    members: set[str] = set()
    cursor: str | None = None
    try:
        while True:
            page = client.conversations_members(channel=channel, limit=PAGE, cursor=cursor)
            members.update(str(m) for m in page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return frozenset(members)
    except SlackApiError:
        return frozenset()
