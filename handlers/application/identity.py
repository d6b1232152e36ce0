"""Who is who, and who can't be reached: a person ↔ (platform, account id), every platform alike.

A message from Slack carries a Slack user id, one from Teams a Teams account id, one from
the console the name of whoever sits at it: each is looked up the same way, in the accounts
linked to people (`actionbot people link`, `people sync`, and the console's, which everyone
has). Reminders go to the same accounts; someone linked to none of the platforms the bot
sends on is reported (`unreachable_people`, and the digest's "can't reach" line), not skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from storage.db import Database
from storage.models import Person
from storage.people import chat_ids_for, list_people, people_to_reach, person_by_chat_id


def identify(session: Session, platform: str, account_id: str) -> Person | None:
    """The person whose account on `platform` this is; None for an account nobody linked."""
    return person_by_chat_id(session, platform, account_id)


@dataclass(frozen=True)
class Unreachable:
    """Someone the bot has to message but can't: linked to none of the platforms it sends on."""

    name: str
    open_actions: int  # how many open actions they own (0: a chair or admin)
    linked_on: tuple[str, ...]  # the platforms they do have an account on, if any


def unreachable_people(db: Database, *, platforms: Iterable[str]) -> list[Unreachable]:
    """Owners of open actions, chairs and admins with no account on any of `platforms` (the
    ones this deployment sends on), by name. Their reminders wait until they are linked."""
    wanted = set(platforms)
    with db.session(commit=False) as session:
        to_reach = people_to_reach(session)
        accounts = chat_ids_for(session, to_reach)
        people = [p for p in list_people(session) if p.id in to_reach]
    return [
        Unreachable(p.name, to_reach[p.id], tuple(sorted(accounts[p.id])))
        for p in people
        if p.id is not None and not wanted & set(accounts[p.id])
    ]
