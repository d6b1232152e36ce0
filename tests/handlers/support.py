"""A board loaded from the real Worcestershire plan, and a way to talk to the bot as someone."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.domain.plan import PersonRef
from bot.domain.replies import Reply
from bot.ports import Sent
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.wiring import Services
from storage.models import Action, ActionUpdate, Person
from storage.plan import actions_owned_by

LONDON = ZoneInfo("Europe/London")


@dataclass
class RecordingNotifier:
    """The transcript side of the chat port: what would have been sent, and where.

    The dispatcher sends from several threads at once (SEND_WORKERS), so numbering a message
    and recording it happen under one lock: no two messages get the same ref. Subclasses that
    check-then-send hold `lock` (re-entrant) around both.
    """

    platform: str = "console"
    sent: list[tuple[str, object, Sent]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        with self.lock:
            sent = Sent(channel=f"dm:{person.name}", message_ref=str(len(self.sent) + 1))
            self.sent.append((person.name, content, sent))
            return sent

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        with self.lock:
            sent = Sent(channel=channel or "channel", message_ref=str(len(self.sent) + 1))
            self.sent.append((channel, content, sent))
            return sent


def say(
    services: Services,
    who: str,
    text: str,
    *,
    thread: str | None = None,
    event_id: str | None = None,
) -> list[Reply]:
    conversation = Conversation(
        platform="console", user_id=who, channel=f"dm:{who}", thread=thread, is_direct=True
    )
    return services.chat.on_message(IncomingMessage(conversation, text, event_id=event_id))


def today(services: Services) -> date:
    return services.clock.now().astimezone(LONDON).date()


def owners_by_count(services: Services) -> dict[int, list[str]]:
    """Names of people grouped by how many actions they own, from the database itself."""
    grouped: dict[int, list[str]] = {}
    with services.db.session(commit=False) as session:
        for person in session.exec(select(Person)).all():
            assert person.id is not None
            count = len(actions_owned_by(session, person.id))
            grouped.setdefault(count, []).append(person.name)
    return grouped


def action(services: Services, ref: str) -> Action:
    with services.db.session(commit=False) as session:
        found = session.exec(select(Action).where(Action.ref == ref)).first()
        assert found is not None
        return found


def owned_refs(services: Services, name: str) -> list[str]:
    with services.db.session(commit=False) as session:
        person = session.exec(select(Person).where(Person.name == name)).one()
        assert person.id is not None
        return [a.ref for a in actions_owned_by(session, person.id)]


def history_count(services: Services) -> int:
    with services.db.session(commit=False) as session:
        return len(session.exec(select(ActionUpdate)).all())
