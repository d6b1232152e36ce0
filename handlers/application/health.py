"""Is the bot able to do its job? What a load balancer's health check asks, and what
`actionbot doctor` checks: the database answers and is migrated, and who runs the scheduler."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.domain.safety import terminal_safe
from schedules.leader import RENEW_EVERY, SCHEDULER_LEASE
from storage.db import Database, read_revisions
from storage.lease import last_lease

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Check:
    """One line of `actionbot doctor`: `ok` True (✓), False (✗: what to do), None (a note)."""

    ok: bool | None
    text: str


@dataclass(frozen=True)
class LeaseHolder:
    holder: str
    acquired_at: datetime
    expires_at: datetime


class Health:
    def __init__(self, db: Database) -> None:
        self.db = db

    def database_answers(self) -> bool:
        """Healthy means able to do the job: a bot that can't reach its database is not."""
        try:
            with self.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check: the database did not answer")
            return False
        return True

    def scheduler_lease(self) -> LeaseHolder | None:
        """Who last took the scheduler lease (schedules/leader.py), lapsed or not."""
        with self.db.session(commit=False) as session:
            row = last_lease(session, SCHEDULER_LEASE)
            if row is None:
                return None
            return LeaseHolder(row.holder, row.acquired_at, row.expires_at)


def database_check(settings: Settings) -> Check:
    """Reachable, and at the newest migration? Read only: nothing is created or migrated
    (every other command migrates on start; the doctor only says so)."""
    shown = shown_url(settings.database_url)
    path = settings.sqlite_path
    if path is not None and not path.exists():
        return Check(
            False,
            f"There is no plan database at {path} yet: `actionbot run`, `actionbot import` or "
            "`actionbot serve` creates it (set DATABASE_URL to use another)",
        )
    try:
        revisions = read_revisions(settings.database_url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except SQLAlchemyError as error:
        reason = terminal_safe(str(getattr(error, "orig", None) or error)).splitlines()[0]
        return Check(
            False,
            f"The database at {shown} did not answer ({reason[:200]}): check DATABASE_URL, "
            "and that the server is running and lets this machine in",
        )
    current, heads = revisions.current, revisions.heads
    if current == heads:
        return Check(
            True, f"The database at {shown} answers, and its tables are up to date ({_ids(heads)})"
        )
    if not current:
        return Check(
            False,
            f"The database at {shown} answers but has no actionbot tables yet: `actionbot "
            "serve` (or any other command) creates them on start",
        )
    if not current <= revisions.known:
        return Check(
            False,
            f"The database at {shown} is at revision {_ids(current)}, which this version of "
            f"actionbot doesn't know (it expects {_ids(heads)}): a newer actionbot has migrated "
            "it; run that version here too",
        )
    return Check(
        False,
        f"The database at {shown} is at revision {_ids(current)}, behind this version's "
        f"{_ids(heads)}: `actionbot serve` (or any other command) migrates it on start",
    )


def lease_check(lease: LeaseHolder | None, *, now: datetime, settings: Settings) -> Check:
    """Who sends the reminders: the process holding the scheduler lease, if any does."""
    zone = ZoneInfo(settings.default_timezone)
    here = "" if settings.scheduler_enabled else " (SCHEDULER_ENABLED is false here)"
    if lease is None or lease.expires_at < now:
        last = ""
        if lease is not None:
            at = lease.expires_at.astimezone(zone)
            last = f" (it was last held by {lease.holder}, and lapsed at {at:%d %b %H:%M:%S})"
        return Check(
            None,
            f"No process holds the scheduler lease{last}: reminders and digests go out only "
            f"while `actionbot serve` runs with SCHEDULER_ENABLED=true{here}",
        )
    expires = lease.expires_at.astimezone(zone)
    since = lease.acquired_at.astimezone(zone)
    left = max(timedelta(0), lease.expires_at - now)
    return Check(
        True,
        f"The scheduler runs in {lease.holder} (since {since:%d %b %H:%M}); its lease runs to "
        f"{expires:%H:%M:%S} ({round(left.total_seconds())} s), renewed every "
        f"{RENEW_EVERY:g} s",
    )


def shown_url(url: str) -> str:
    """The database URL without its password."""
    try:
        return terminal_safe(make_url(url).render_as_string(hide_password=True))
    except Exception:
        return "DATABASE_URL"


def _ids(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "none"
