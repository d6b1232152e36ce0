"""APScheduler as the heartbeat: one in-memory job store per process, never shared."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a one-shot command never schedules: APScheduler loads only for `serve`
    from apscheduler.schedulers.background import BackgroundScheduler

    from schedules.dispatch import Dispatcher

log = logging.getLogger(__name__)


def build_scheduler(dispatcher: Dispatcher, *, interval_seconds: int) -> BackgroundScheduler:
    """A sweep now (catch-up after downtime) and then every interval.

    Due work is derived from the database on every sweep rather than stored as jobs, so a
    restart loses nothing and the claim log, not the scheduler, prevents sending twice.
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": interval_seconds},
        timezone=UTC,
    )
    scheduler.add_job(
        _sweep,
        "interval",
        args=[dispatcher],
        seconds=interval_seconds,
        id="sweep",
        next_run_time=datetime.now(UTC),
    )
    return scheduler


def _sweep(dispatcher: Dispatcher) -> None:
    results = dispatcher.run_once()
    for name, result in results.items():
        if result.sent or result.failed or result.skipped:
            log.info("%s: %s", name, result)
