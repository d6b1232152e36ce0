"""The people in the plans and their chat accounts: looked up, listed and linked.

One transaction per call. Names are found as chairs type them (a unique prefix or surname);
an account is one per platform per person, and linking it again moves it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from handlers.application import rules
from handlers.application.errors import NotFound, Problem
from handlers.application.identity import Unreachable, unreachable_people
from storage.db import Database
from storage.models import Person
from storage.people import (
    actions_owned_counts,
    chat_ids_for,
    find_person,
    link_chat_id,
    list_people,
    people_with_email,
    person_by_chat_id,
    person_by_email,
)


@dataclass(frozen=True)
class PersonInfo:
    """Who someone is, as an adapter needs to talk to and about them."""

    id: int
    name: str
    role: str


@dataclass(frozen=True)
class PersonLine:
    """One row of `actionbot people`."""

    name: str
    role: str
    email: str
    accounts: Mapping[str, str] = field(default_factory=dict)  # platform → account id
    actions_owned: int = 0


@dataclass(frozen=True)
class Contact:
    """Someone with an email, to look up on a chat platform."""

    person_id: int
    name: str
    email: str


@dataclass(frozen=True)
class FoundAccount:
    """What a platform said about a contact: their account id and, if it knows, time zone."""

    person_id: int
    account_id: str
    timezone: str | None = None


class People:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, name: str) -> PersonInfo | None:
        """By exact name, a unique prefix or a unique surname; None when no one or several."""
        with self.db.session(commit=False) as session:
            found = find_person(session, name)
            return _info(found) if found is not None else None

    def unreachable(self, platforms: Iterable[str]) -> list[Unreachable]:
        """Who the bot can't message on any of `platforms`: listed, so nobody is missed."""
        return unreachable_people(self.db, platforms=platforms)

    def everyone(self) -> list[PersonLine]:
        with self.db.session(commit=False) as session:
            owned = actions_owned_counts(session)
            people = list(list_people(session))
            accounts = chat_ids_for(session, [p.id for p in people if p.id is not None])
        return [
            PersonLine(
                name=p.name,
                role=p.role,
                email=p.email or "",
                accounts=accounts.get(p.id or 0, {}),
                actions_owned=owned.get(p.id or 0, 0),
            )
            for p in people
        ]

    def link(
        self,
        name: str,
        *,
        accounts: Mapping[str, str] | None = None,
        email: str | None = None,
        force: bool = False,
    ) -> str:
        """Record their email and/or link their accounts (platform → id); their name as stored.

        NotFound when the name matches no one (or several); Invalid for an address that isn't
        one; Problem when the address is someone else's, or an account is linked to someone
        else and `force` is not given (moving it silently would send their reminders to the
        wrong person). Nothing is written unless all is well.
        """
        with self.db.session() as session:
            person = find_person(session, name)
            if person is None:
                raise NotFound(f"no one called “{name}” (or several match)")
            for platform, account_id in (accounts or {}).items():
                holder = person_by_chat_id(session, platform, account_id)
                if holder is not None and holder.id != person.id and not force:
                    raise Problem(
                        f"{platform} account {account_id} is linked to {holder.name}; add "
                        f"--force to move it to {person.name}"
                    )
            if email is not None:
                _set_email(session, person, email)
            for platform, account_id in (accounts or {}).items():
                link_chat_id(session, person, platform=platform, external_id=account_id)
            return person.name

    def with_email(self) -> list[Contact]:
        with self.db.session(commit=False) as session:
            return [
                Contact(p.id, p.name, p.email or "")
                for p in people_with_email(session)
                if p.id is not None
            ]

    def link_found(self, platform: str, found: Sequence[FoundAccount]) -> None:
        """Accounts a platform found by email, linked in one unit of work; a time zone is
        taken only where none is known, so reminders come at 09:00 the person's time."""
        with self.db.session() as session:
            for account in found:
                person = session.get(Person, account.person_id)
                if person is None or not account.account_id:
                    continue
                link_chat_id(session, person, platform=platform, external_id=account.account_id)
                person.timezone = person.timezone or account.timezone


def _set_email(session: Session, person: Person, email: str) -> None:
    address = rules.email(email)
    holder = person_by_email(session, address)
    if holder is not None and holder.id != person.id:
        raise Problem(f"{address} already belongs to {holder.name}")
    person.email = address


def _info(person: Person) -> PersonInfo:
    assert person.id is not None
    return PersonInfo(person.id, person.name, person.role)
