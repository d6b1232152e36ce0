"""Where the bot can message an account first: one saved address per (platform, account id).

A platform like Teams can't message someone by id alone; it needs the conversation
reference it was handed when they last spoke to the bot (or installed the app). The adapter
keeps that JSON here and reads it back to send a reminder. Storage never looks inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import ChatAddress

_CHUNK = 500  # account ids per IN (...) list, well inside every database's parameter limit


def remember_address(
    session: Session, *, platform: str, account_id: str, address: str, now: datetime
) -> None:
    """Insert or replace the account's address in this unit of work.

    Two processes saving the same account at once (an install and a first message arrive
    together) both succeed and leave one row: the insert runs in a savepoint, and the one that
    loses the unique key (PostgreSQL makes it wait until the other commits) updates instead.
    The last to commit wins, which is the newest reference either of them saw.
    """
    existing = session.exec(
        select(ChatAddress).where(
            ChatAddress.platform == platform, ChatAddress.account_id == account_id
        )
    ).first()
    if existing is not None:
        existing.address = address
        existing.updated_at = now
        session.add(existing)
        session.flush()
        return
    row = ChatAddress(platform=platform, account_id=account_id, address=address, updated_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        session.execute(
            update(ChatAddress)
            .where(
                col(ChatAddress.platform) == platform,
                col(ChatAddress.account_id) == account_id,
            )
            .values(address=address, updated_at=now)
        )


def address_of(session: Session, platform: str, account_id: str) -> str | None:
    """The account's saved address, or None if it has never talked to the bot."""
    return session.exec(
        select(ChatAddress.address).where(
            ChatAddress.platform == platform, ChatAddress.account_id == account_id
        )
    ).first()


def addresses_of(session: Session, platform: str, account_ids: Iterable[str]) -> dict[str, str]:
    """By account id, the saved addresses of those that have one (a digest's recipients in
    a few queries, not one each); accounts without one are simply absent."""
    ids = sorted(set(account_ids))
    found: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        statement = select(ChatAddress.account_id, ChatAddress.address).where(
            ChatAddress.platform == platform,
            col(ChatAddress.account_id).in_(ids[start : start + _CHUNK]),
        )
        found.update(session.exec(statement).all())
    return found
