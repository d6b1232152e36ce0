"""The SDK is asyncio; our server, inbox workers and scheduler are threads. One event loop,
in its own thread, runs every SDK call, and a thread waits for its result.

One loop keeps the SDK's HTTP sessions and its signing-key cache in one place; sync callers
never start a loop of their own (which would strand aiohttp sessions between loops).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0  # seconds: a connector call retried with back-off stays well inside


class AsyncBridge:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="teams-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def run(self, work: Coroutine[Any, Any, T], *, timeout: float = DEFAULT_TIMEOUT) -> T:
        """Runs `work` on the loop; its result, or its exception raised here."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("AsyncBridge.run called from the loop itself")
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
