"""A process's copy of each board's plan, kept under the board's version (plan_version.py).

`/rag`, the digest and a chair's App Home all read the whole board; most of those reads find
nothing changed since the last. One indexed read of `board.version` says whether the copy is
still the plan, in this process or any other writing the same database. The version is read
first, in the reader's own transaction, so a copy is never filed under a newer number than
the data it holds.

Copies are per engine (per database), least recently used first out, and bounded by the
number of actions they hold, so a 100,000-action board does not pin memory it cannot spare.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.domain.plan import ActionView
from storage.plan_version import has_written
from storage.tables import (
    BOARDS,
)

# Actions held across all cached boards; ~1 kB each with owners and milestones.
MAX_CACHED_ACTIONS = 60_000

Views = tuple[ActionView, ...]


class PlanCache:
    """(board id) → (version, actions), for one database."""

    def __init__(self, max_actions: int = MAX_CACHED_ACTIONS) -> None:
        self.max_actions = max_actions
        self._entries: OrderedDict[int, tuple[int, Views]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, board_id: int, version: int) -> Views | None:
        with self._lock:
            entry = self._entries.get(board_id)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(board_id)
            self.hits += 1
            return entry[1]

    def put(self, board_id: int, version: int, views: Views) -> None:
        if len(views) > self.max_actions:
            return
        with self._lock:
            self._drop(board_id)
            self._entries[board_id] = (version, views)
            self._held += len(views)
            while self._held > self.max_actions:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0

    def _drop(self, board_id: int) -> None:
        entry = self._entries.pop(board_id, None)
        if entry is not None:
            self._held -= len(entry[1])


_CACHES: WeakKeyDictionary[Engine, PlanCache] = WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(session: Session) -> PlanCache:
    bind = session.get_bind()
    return cache_for_engine(bind if isinstance(bind, Engine) else bind.engine)


def cache_for_engine(engine: Engine) -> PlanCache:
    with _CACHES_LOCK:
        found = _CACHES.get(engine)
        if found is None:
            found = _CACHES[engine] = PlanCache()
        return found


def board_version(session: Session, board_id: int) -> int:
    found = session.execute(select(BOARDS.c.version).where(BOARDS.c.id == board_id)).scalar()
    return int(found or 0)


def board_versions(session: Session, board_ids: list[int]) -> dict[int, int]:
    statement = select(BOARDS.c.id, BOARDS.c.version).where(BOARDS.c.id.in_(board_ids))
    return {int(board_id): int(version) for board_id, version in session.execute(statement)}


def cached_views(session: Session, board_id: int, load: Callable[[], list[ActionView]]) -> Views:
    """The board's actions from the cache when its version says they are current."""
    if has_written(session):  # its own changes, not yet committed: nobody else's plan
        return tuple(load())
    cache = cache_for(session)
    version = board_version(session, board_id)
    found = cache.get(board_id, version)
    if found is None:
        found = tuple(load())
        cache.put(board_id, version, found)
    return found
