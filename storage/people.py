"""People and the chat accounts that identify them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, or_
from sqlmodel import Session, col, delete, select

from bot.domain.plan import PersonRef
from storage.models import Action, ActionOwner, BoardRole, ChatIdentity, PendingQuestion, Person

# The console is a terminal anyone in the plan may sit at, so everyone has an account there:
# their name, which is what the console sends as the user id. Linked as each person is made.
CONSOLE = "console"
_COMPLETE = "complete"  # Rag.COMPLETE as stored
# A removed person's name key starts with this: whitespace to str.split, so no typed name's
# key (name_key) can ever equal or start with it, and import never finds them again.
_REMOVED = "\x1f"
_KEY_CHARS = 200  # Person.name_key
SIMILAR = 0.8  # how alike a name must be to be offered ("Paula Swindlehirst" → "…hurst")


def name_key(name: str) -> str:
    """The same person named twice ("Paula Swindlehurst", "paula  swindlehurst") is one person."""
    return " ".join(name.split()).casefold()


def get_or_create_person(session: Session, *, name: str, role: str, now: datetime) -> Person:
    person = session.exec(select(Person).where(Person.name_key == name_key(name))).first()
    if person is None:
        person = Person(
            name=" ".join(name.split()), name_key=name_key(name), role=role, created_at=now
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        link_console_accounts(session, [(person.id, person.name)])
    elif role and not person.role:
        person.role = role
    return person


@dataclass(frozen=True)
class NameMatch:
    """Who a typed name may mean. `exact`: the person by that name, case and spacing aside.
    Otherwise `partial`: everyone whose name it starts or whose surname it is ("Hil",
    "Brooks"); `similar`: names spelled nearly so ("Hilary Brookes"), best first."""

    exact: Person | None
    partial: tuple[Person, ...] = ()
    similar: tuple[Person, ...] = ()

    @property
    def near(self) -> tuple[Person, ...]:
        """What to offer instead: the partial matches, else the similar ones."""
        return self.partial or self.similar


def match_person(session: Session, text: str) -> NameMatch:
    """The person named exactly, or the people the name might have meant; removed people
    are neither. A leading "@" is ignored, as chat mentions are typed."""
    key = name_key(text.lstrip("@"))
    if not key:
        return NameMatch(None)
    exact = session.exec(
        select(Person).where(Person.name_key == key, col(Person.removed_at).is_(None))
    ).first()
    if exact is not None:
        return NameMatch(exact)
    people = list_people(session)
    partial = tuple(
        p for p in people if p.name_key.startswith(key) or p.name_key.endswith(" " + key)
    )
    by_key = {p.name_key: p for p in people}
    close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=SIMILAR)
    return NameMatch(None, partial, tuple(by_key[k] for k in close))


def find_person(session: Session, text: str) -> Person | None:
    """Chat's lookup (`/rag @Hilary`): the exact name, else a unique name prefix or unique
    surname, as chairs type names in a message. A command that changes the plan asks for the
    exact name instead (match_person), offering these as a question."""
    match = match_person(session, text)
    if match.exact is not None:
        return match.exact
    return match.partial[0] if len(match.partial) == 1 else None


def person_by_chat_id(session: Session, platform: str, external_id: str) -> Person | None:
    statement = (
        select(Person)
        .join(ChatIdentity, col(ChatIdentity.person_id) == col(Person.id))
        .where(ChatIdentity.platform == platform, ChatIdentity.external_id == external_id)
    )
    return session.exec(statement).first()


def link_chat_id(session: Session, person: Person, *, platform: str, external_id: str) -> None:
    """One account per platform per person; relinking moves the account."""
    assert person.id is not None
    for existing in session.exec(
        select(ChatIdentity).where(
            (ChatIdentity.platform == platform)
            & ((ChatIdentity.external_id == external_id) | (ChatIdentity.person_id == person.id))
        )
    ).all():
        session.delete(existing)
    session.flush()
    session.add(ChatIdentity(person_id=person.id, platform=platform, external_id=external_id))
    session.flush()


def link_console_accounts(session: Session, people: Iterable[tuple[int, str]]) -> None:
    """New people's console accounts (person id, name), in one statement."""
    rows = [{"person_id": pid, "platform": CONSOLE, "external_id": name} for pid, name in people]
    if rows:
        session.execute(insert(ChatIdentity), rows)


def list_people(session: Session) -> Sequence[Person]:
    """Everyone in the plans; not those removed."""
    statement = select(Person).where(col(Person.removed_at).is_(None))
    return session.exec(statement.order_by(Person.name_key)).all()


def rename_person(session: Session, person: Person, new_name: str) -> None:
    """Their name and key, and their console account, which is their name."""
    assert person.id is not None
    shown = " ".join(new_name.split())
    console = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.person_id == person.id, ChatIdentity.platform == CONSOLE
        )
    ).first()
    person.name, person.name_key = shown, name_key(shown)
    if console is not None:
        console.external_id = shown
    session.flush()


def remove_person(session: Session, person: Person, *, now: datetime) -> None:
    """Out of the plans: no accounts, roles, actions, email or open questions, and a name
    key no typed name matches. The row stays, so the history still says who said what."""
    assert person.id is not None
    session.exec(delete(ChatIdentity).where(col(ChatIdentity.person_id) == person.id))
    session.exec(delete(BoardRole).where(col(BoardRole.person_id) == person.id))
    session.exec(delete(ActionOwner).where(col(ActionOwner.person_id) == person.id))
    session.exec(delete(PendingQuestion).where(col(PendingQuestion.person_id) == person.id))
    person.email = None
    person.removed_at = now
    person.name_key = f"{_REMOVED}{person.id}{_REMOVED}{person.name_key}"[:_KEY_CHARS]
    session.flush()


def chat_ids_for(session: Session, person_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    ids = list(set(person_ids))
    found: dict[int, dict[str, str]] = {pid: {} for pid in ids}
    if not ids:
        return found
    rows = session.exec(select(ChatIdentity).where(col(ChatIdentity.person_id).in_(ids))).all()
    for row in rows:
        found[row.person_id][row.platform] = row.external_id
    return found


def person_ref(session: Session, person: Person) -> PersonRef:
    assert person.id is not None
    chat_ids = chat_ids_for(session, [person.id])[person.id]
    return PersonRef(person.id, person.name, person.role, chat_ids, person.timezone)


def person_by_email(session: Session, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.email == email)).first()


def actions_owned_counts(session: Session) -> dict[int, int]:
    """How many actions each person owns, by person id."""
    statement = select(ActionOwner.person_id, func.count(col(ActionOwner.action_id)))
    return dict(session.exec(statement.group_by(col(ActionOwner.person_id))).all())


def people_with_email(session: Session) -> Sequence[Person]:
    return session.exec(select(Person).where(col(Person.email).is_not(None))).all()


def people_to_reach(session: Session) -> dict[int, int]:
    """Everyone the bot has to message, by person id: owners of open actions (with how many
    they own) and boards' chairs and admins (0 if they own none)."""
    open_action = or_(col(Action.rag).is_(None), col(Action.rag) != _COMPLETE)
    statement = (
        select(ActionOwner.person_id, func.count(col(ActionOwner.action_id)))
        .join(Action, col(Action.id) == col(ActionOwner.action_id))
        .where(open_action)
        .group_by(col(ActionOwner.person_id))
    )
    found: dict[int, int] = dict(session.exec(statement).all())
    for person_id in session.exec(select(BoardRole.person_id).distinct()).all():
        found.setdefault(person_id, 0)
    return found
