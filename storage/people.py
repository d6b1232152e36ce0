"""People and the chat accounts that identify them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, insert, or_
from sqlmodel import Session, col, select

from bot.domain.plan import PersonRef
from storage.models import Action, ActionOwner, BoardRole, ChatIdentity, Person

# The console is a terminal anyone in the plan may sit at, so everyone has an account there:
# their name, which is what the console sends as the user id. Linked as each person is made.
CONSOLE = "console"
_COMPLETE = "complete"  # Rag.COMPLETE as stored


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


def find_person(session: Session, text: str) -> Person | None:
    """By exact name, else by a unique name prefix or unique surname: how chairs type names."""
    key = name_key(text.lstrip("@"))
    if not key:
        return None
    exact = session.exec(select(Person).where(Person.name_key == key)).first()
    if exact is not None:
        return exact
    people = session.exec(select(Person)).all()
    matches = [p for p in people if p.name_key.startswith(key) or p.name_key.endswith(" " + key)]
    return matches[0] if len(matches) == 1 else None


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
    return session.exec(select(Person).order_by(Person.name_key)).all()


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
