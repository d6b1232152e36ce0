"""Where each message goes: the platforms a person or a board is linked on that we send on.

One dispatcher serves a council with some owners on Slack and some on Teams: it is given a
notifier per platform, and for each message asks `Routes` for the deliveries, one per
platform, each claimed and sent on its own (schedules/dispatch.py). Nobody is skipped quietly
for being on another platform; someone linked to none of them is `unreachable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.plan import PersonRef
from bot.ports import Notifier, SharedChannel


@dataclass(frozen=True)
class Route:
    """One delivery's way out: the platform, its notifier, and for a board the channel."""

    platform: str
    notifier: Notifier
    channel: str = ""


class Routes:
    """The notifiers of one process, by platform."""

    def __init__(self, notifiers: Iterable[Notifier]) -> None:
        self._by_platform: dict[str, Notifier] = {}
        for notifier in notifiers:
            if notifier.platform in self._by_platform:
                raise ValueError(f"two notifiers for {notifier.platform}")
            self._by_platform[notifier.platform] = notifier
        if not self._by_platform:
            raise ValueError("a dispatcher needs at least one notifier")

    @classmethod
    def of(cls, notifiers: Notifier | Sequence[Notifier] | Routes) -> Routes:
        if isinstance(notifiers, Routes):
            return notifiers
        if isinstance(notifiers, Sequence):
            return cls(notifiers)
        return cls([notifiers])

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self._by_platform)

    def to_person(self, person: PersonRef) -> list[Route]:
        """Every platform here the person has an account on: a message goes to each."""
        return [
            Route(platform, notifier)
            for platform, notifier in self._by_platform.items()
            if person.chat_id(platform)
        ]

    def to_board(self, channels: Mapping[str, str]) -> list[Route]:
        """Every platform here the board has a channel on (platform → channel id), or where
        all boards share one."""
        routes = []
        for platform, notifier in self._by_platform.items():
            channel = channels.get(platform) or _shared(notifier)
            if channel:
                routes.append(Route(platform, notifier, channel))
        return routes

    def reaches(self, person: PersonRef) -> bool:
        return any(person.chat_id(platform) for platform in self._by_platform)

    def nowhere(self, who: str) -> str:
        """Why a message to `who` was not sent: the detail recorded for it."""
        return f"{who} has no account or channel on {' or '.join(self.platforms)}"


def _shared(notifier: Notifier) -> str:
    return notifier.shared_channel if isinstance(notifier, SharedChannel) else ""
