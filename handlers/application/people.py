"""The people in the plans and their chat accounts: looked up, listed, linked, renamed, removed.

One transaction per call. A command that changes the plan names a person exactly (case and
spacing aside): a unique prefix or surname is offered back as a question, never taken. Chat
keeps its looser lookup (storage.people.find_person), as chairs type names in a message.
An account is one per platform per person, and linking it again moves it. Renames and
removals go in the audit (storage.history.record_audit); owners changed on an action go in
that action's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.clock import Clock, SystemClock
from bot.domain.plan import FieldChange
from bot.domain.rag import Rag
from handlers.application import rules
from handlers.application.errors import Invalid, NotFound, Problem
from handlers.application.identity import Unreachable, unreachable_people
from storage.boards import ADMIN, CHAIR, boards_with_role, list_boards, role_people
from storage.db import Database
from storage.history import BOARD, PERSON, audit_entries, record_audit, record_update
from storage.models import Action, Board, Person
from storage.people import (
    CONSOLE,
    NameMatch,
    actions_owned_counts,
    chat_ids_for,
    find_person,
    link_chat_id,
    list_people,
    match_person,
    people_with_email,
    person_by_chat_id,
    person_by_email,
    remove_person,
    rename_person,
)
from storage.plan import actions_owned_by, owners_of, set_owners

CLI = "cli"  # ActionUpdate.source / AuditEntry.source for changes made from the command line
REMOVED = "removed"
NAME = "name"


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


@dataclass(frozen=True)
class AuditLine:
    """One change to a board or person (`actionbot boards --history`, `people --history`)."""

    at: datetime
    subject: str  # "board" | "person"
    name: str  # as it was named when it changed
    field: str  # "name", "removed", "chair", "admin", a setting
    before: str | None
    after: str | None
    source: str


@dataclass(frozen=True)
class Renamed:
    before: str
    after: str
    changed: bool  # False: it was already called that


@dataclass(frozen=True)
class OwnedAction:
    """An action as a removal talks about it: its board and ref."""

    board: str
    ref: str


@dataclass(frozen=True)
class PersonRemoval:
    """What `people remove` does (or, unconfirmed, would do). Nothing is written unless
    `removed`."""

    name: str
    removed: bool
    reassigned_to: str | None
    passed_on: tuple[OwnedAction, ...]  # now the reassignee's (with --reassign-to)
    dropped_from: tuple[OwnedAction, ...]  # co-owned or complete: the others carry on
    roles: tuple[str, ...]  # "chair of St Helens …"
    accounts: tuple[str, ...]  # platforms they were linked on ("slack", "teams")
    chairless: tuple[str, ...]  # boards left with no chair


class People:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def find(self, name: str) -> PersonInfo | None:
        """Chat's lookup (the console's --as and /as): the exact name, else a unique prefix or
        surname; None when no one or several."""
        with self.db.session(commit=False) as session:
            found = find_person(session, name)
            return _info(found) if found is not None else None

    def named(self, name: str) -> PersonInfo:
        """Exactly this person; NotFound offers whom a partial or misspelt name may mean."""
        with self.db.session(commit=False) as session:
            return _info(person_named(session, name))

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

    def history(self, *, limit: int = 200) -> list[AuditLine]:
        """Renames and removals of people, newest first."""
        with self.db.session(commit=False) as session:
            return audit_lines(session, PERSON, limit=limit)

    def link(
        self,
        name: str,
        *,
        accounts: Mapping[str, str] | None = None,
        email: str | None = None,
        force: bool = False,
    ) -> str:
        """Record their email and/or link their accounts (platform → id); their name as stored.

        NotFound unless the name is exactly someone's (a partial one is offered back);
        Invalid for an address that isn't one; Problem when the address is someone else's,
        or an account is linked to someone else and `force` is not given (moving it silently
        would send their reminders to the wrong person). Nothing is written unless all is
        well.
        """
        address = rules.email(email, "--email") if email is not None else None
        with self.db.session() as session:
            person = person_named(session, name)
            for platform, account_id in (accounts or {}).items():
                holder = person_by_chat_id(session, platform, account_id)
                if holder is not None and holder.id != person.id and not force:
                    raise Problem(
                        f"{platform} account {account_id} is linked to {holder.name}; add "
                        f"--force to move it to {person.name}"
                    )
            if address is not None:
                _set_email(session, person, address)
            for platform, account_id in (accounts or {}).items():
                link_chat_id(session, person, platform=platform, external_id=account_id)
            return person.name

    def rename(self, old: str, new: str) -> Renamed:
        """`old` named exactly; `new` is nobody else's name. The history keeps the old name
        where it was written; the audit says who became whom."""
        wanted = rules.name(new, "new name")
        now = self.clock.now()
        with self.db.session() as session:
            person = person_named(session, old)
            assert person.id is not None
            before = person.name
            if wanted == before:
                return Renamed(before, wanted, changed=False)
            taken = match_person(session, wanted).exact
            if taken is not None and taken.id != person.id:
                raise Problem(
                    f"{taken.name} is already in the plans, so {before} can't take that name; "
                    "choose another (two people can't share a name)"
                )
            rename_person(session, person, wanted)
            record_audit(
                session,
                subject=PERSON,
                subject_id=person.id,
                name=before,
                changes=[FieldChange(NAME, before, person.name)],
                source=CLI,
                now=now,
            )
            return Renamed(before, person.name, changed=True)

    def remove(
        self, name: str, *, reassign_to: str | None = None, confirmed: bool = False
    ) -> PersonRemoval:
        """Take someone out of the plans: their accounts, roles and email, and them as owner.

        Problem (nothing written) while an open action would be left with no owner: those
        are named, to be passed on with `reassign_to` (who then owns every action they
        owned). Unconfirmed, says what it would do and writes nothing. Every action whose
        owners change gets an entry in its history; the removal goes in the audit. The
        person's row stays (marked removed), so past updates still say who made them.
        """
        now = self.clock.now()
        with self.db.session(commit=confirmed) as session:
            person = person_named(session, name)
            heir = _heir(session, person, reassign_to)
            plan = _removal(session, person, heir)
            if plan.stranded:
                raise Problem(_stranded(person.name, plan.stranded))
            accounts = sorted(p for p in chat_ids_for(session, [plan.person_id])[plan.person_id])
            roles = [
                (role, board)
                for role in (CHAIR, ADMIN)
                for board in boards_with_role(session, plan.person_id, role)
            ]
            chairs = boards_with_role(session, plan.person_id, CHAIR)
            chairless = tuple(
                board.name
                for board in chairs
                if board.id is not None and len(role_people(session, board.id, CHAIR)) == 1
            )
            removal = PersonRemoval(
                name=person.name,
                removed=confirmed,
                reassigned_to=heir.name if heir is not None else None,
                passed_on=tuple(_owned(a, plan.boards) for a in plan.passed_on),
                dropped_from=tuple(_owned(a, plan.boards) for a in plan.dropped_from),
                roles=tuple(f"{role} of {board.name}" for role, board in roles),
                accounts=tuple(p for p in accounts if p != CONSOLE),
                chairless=chairless,
            )
            if confirmed:
                _apply_removal(session, person, heir, plan, roles, now=now)
            return removal

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
                if person is None or person.removed_at is not None or not account.account_id:
                    continue
                link_chat_id(session, person, platform=platform, external_id=account.account_id)
                person.timezone = person.timezone or account.timezone


# -- looking people up by name ---------------------------------------------------------------


def person_named(session: Session, name: str) -> Person:
    """The person by exactly this name (case and spacing aside), else NotFound saying whom
    it may mean: a prefix, surname or near spelling is a question, never an answer."""
    match = match_person(session, name)
    if match.exact is None:
        raise NotFound(no_such_person(name, match))
    return match.exact


def no_such_person(name: str, match: NameMatch, *, otherwise: str = "") -> str:
    """ "no one called “Hil”; did you mean Hilary Brooks? Use the full name." Several are
    all named; with none near, where to see everyone's names."""
    shown = " ".join(name.split())
    near = [p.name for p in match.near]
    if not near:
        return f"no one called “{shown}” is in the plans; `actionbot people` lists everyone"
    options = near[0] if len(near) == 1 else ", ".join(near[:-1]) + " or " + near[-1]
    several = f" ({len(near)} people match)" if len(near) > 1 else ""
    return (
        f"no one called “{shown}”{several}; did you mean {options}? Use the full name{otherwise}."
    )


def audit_lines(session: Session, subject: str, *, limit: int = 200) -> list[AuditLine]:
    return [
        AuditLine(e.created_at, e.subject, e.name, e.field, e.before, e.after, e.source)
        for e in audit_entries(session, subject=subject, limit=limit)
    ]


# -- removal ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    person_id: int
    boards: dict[int, Board]  # by id, to name each action's board
    passed_on: list[Action]  # to the heir
    dropped_from: list[Action]  # others own them too, or they are complete
    stranded: list[OwnedAction]  # open, owned by them alone, and no one to pass it to


def _heir(session: Session, person: Person, reassign_to: str | None) -> Person | None:
    if reassign_to is None:
        return None
    heir = person_named(session, reassign_to)
    if heir.id == person.id:
        raise Invalid(f"--reassign-to names {person.name}, who is the person being removed")
    return heir


def _removal(session: Session, person: Person, heir: Person | None) -> _Plan:
    assert person.id is not None
    boards = {b.id or 0: b for b in list_boards(session)}
    passed_on: list[Action] = []
    dropped: list[Action] = []
    stranded: list[OwnedAction] = []
    for action in actions_owned_by(session, person.id):
        assert action.id is not None
        others = [p for p in owners_of(session, action.id) if p.id != person.id]
        if heir is not None:
            passed_on.append(action)
        elif others or action.rag == Rag.COMPLETE.value:
            dropped.append(action)
        else:
            stranded.append(_owned(action, boards))
    return _Plan(person.id, boards, passed_on, dropped, stranded)


def _apply_removal(
    session: Session,
    person: Person,
    heir: Person | None,
    plan: _Plan,
    roles: Sequence[tuple[str, Board]],
    *,
    now: datetime,
) -> None:
    assert person.id is not None
    name = person.name
    note = f"{name} was removed from the plans"
    for action in [*plan.passed_on, *plan.dropped_from]:
        assert action.id is not None
        current = owners_of(session, action.id)
        kept = [p.id for p in current if p.id is not None and p.id != person.id]
        if heir is not None and heir.id is not None and heir.id not in kept:
            kept.append(heir.id)
        set_owners(session, action.id, kept)
        after = owners_of(session, action.id)
        action.updated_at = now
        record_update(
            session,
            action_id=action.id,
            person_id=None,
            source=CLI,
            text=note + (f"; their actions passed to {heir.name}" if heir is not None else ""),
            changes=[FieldChange("owners", _names(current), _names(after))],
            now=now,
        )
    changes = [FieldChange(REMOVED, name, None)]
    changes += [FieldChange(f"{role} of", board.name, None) for role, board in roles]
    if heir is not None:
        changes.append(FieldChange("actions passed to", None, heir.name))
    record_audit(
        session,
        subject=PERSON,
        subject_id=person.id,
        name=name,
        changes=changes,
        source=CLI,
        now=now,
    )
    for role, board in roles:  # each board's own audit says it lost them too
        assert board.id is not None
        record_audit(
            session,
            subject=BOARD,
            subject_id=board.id,
            name=board.name,
            changes=[FieldChange(role, name, None)],
            source=CLI,
            now=now,
        )
    remove_person(session, person, now=now)


def _stranded(name: str, actions: Sequence[OwnedAction]) -> str:
    them, their = ("it", "its") if len(actions) == 1 else ("them", "their")
    return (
        f"{name} is the only owner of {_count(len(actions), 'open action')}: "
        f"{describe_actions(actions)}. Pass {them} to someone with --reassign-to NAME (or "
        f"change {their} owners first); nothing was changed"
    )


def describe_actions(actions: Sequence[OwnedAction]) -> str:
    """ "St Helens …: 1.1, 1.2; Worcestershire …: 3.4", boards in the order first met."""
    by_board: dict[str, list[str]] = {}
    for action in actions:
        by_board.setdefault(action.board, []).append(action.ref)
    return "; ".join(f"{board}: {', '.join(refs)}" for board, refs in by_board.items())


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _owned(action: Action, boards: Mapping[int, Board]) -> OwnedAction:
    board = boards.get(action.board_id)
    return OwnedAction(board.name if board is not None else "", action.ref)


def _names(people: Sequence[Person]) -> str | None:
    """As the admin form writes owners in the history."""
    return "; ".join(p.name for p in people) or None


def _set_email(session: Session, person: Person, address: str) -> None:
    holder = person_by_email(session, address)
    if holder is not None and holder.id != person.id:
        raise Problem(f"{address} already belongs to {holder.name}")
    person.email = address


def _info(person: Person) -> PersonInfo:
    assert person.id is not None
    return PersonInfo(person.id, person.name, person.role)
