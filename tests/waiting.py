"""Waiting on a condition, never on the clock: the suite must not pass or fail by timing.

A test that needs something to have happened (a listener ran, a row was written, a process
got somewhere) polls for exactly that, with a deadline generous enough for a loaded 2-core
CI machine. The deadline only bounds how long a *failing* test takes; a passing one returns
as soon as the condition holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

TIMEOUT = 10.0  # seconds; generous: it costs nothing when the condition holds early
POLL = 0.01


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float = TIMEOUT,
    every: float = POLL,
    message: str | Callable[[], str] = "",
) -> T:
    """Poll `predicate` every `every` seconds until it returns something truthy; return that.

    Fails with an AssertionError naming what was awaited (and, if `message` is a callable,
    what was seen instead) when `timeout` passes first.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() >= deadline:
            break
        time.sleep(every)
    found = predicate()  # one last look: the deadline may have passed while we slept
    if found:
        return found
    said = message() if callable(message) else message
    what = said or getattr(predicate, "__name__", repr(predicate))
    raise AssertionError(f"timed out after {timeout:g} s waiting for: {what}")
