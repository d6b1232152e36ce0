"""Named leases in the database, so exactly one of several processes does a job at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete
from sqlmodel import Session, SQLModel, col, select

from storage.models import SchedulerLease

LEASES = SQLModel.metadata.tables[SchedulerLease.__tablename__]


def try_acquire(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lease if it is free, lapsed or already ours; one statement, so one winner.

    The upsert only overwrites a row whose lease has lapsed or that we hold; the database's
    row lock (PostgreSQL) or write lock (SQLite) makes concurrent callers queue behind it.
    """
    values = {"name": name, "holder": holder, "expires_at": now + ttl, "acquired_at": now}
    session.exec(_upsert(session, values, now=now, holder=holder))
    return _holder_of(session, name) == holder


def _upsert(session: Session, values: dict[str, Any], *, now: datetime, holder: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE … WHERE lapsed-or-ours, in the dialect at hand."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"leases need PostgreSQL or SQLite, not {dialect}")
    # Only the dialect in use is imported: SQLite never loads PostgreSQL's.
    statement: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(LEASES).values(values)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(LEASES).values(values)
    ours = LEASES.c.holder == holder
    return statement.on_conflict_do_update(
        index_elements=[LEASES.c.name],
        set_={
            "holder": statement.excluded.holder,
            "expires_at": statement.excluded.expires_at,
            "acquired_at": case((ours, LEASES.c.acquired_at), else_=statement.excluded.acquired_at),
        },
        where=(LEASES.c.expires_at < now) | ours,
    )


def _holder_of(session: Session, name: str) -> str | None:
    """Read straight from the table (not the identity map): the upsert bypassed the ORM."""
    statement = select(SchedulerLease.holder).where(SchedulerLease.name == name)
    return session.exec(statement).first()


def release(session: Session, *, name: str, holder: str) -> None:
    """Give the lease up at once, so a successor need not wait for it to lapse."""
    statement = delete(SchedulerLease).where(
        col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder
    )
    session.exec(statement)


def current_holder(session: Session, name: str, now: datetime) -> str | None:
    """Who holds the lease now; None when nobody does or the holder let it lapse."""
    statement = select(SchedulerLease.holder).where(
        SchedulerLease.name == name, col(SchedulerLease.expires_at) >= now
    )
    return session.exec(statement).first()


def last_lease(session: Session, name: str) -> SchedulerLease | None:
    """The lease row as last taken, lapsed or not (for `actionbot doctor`)."""
    return session.exec(select(SchedulerLease).where(SchedulerLease.name == name)).first()
