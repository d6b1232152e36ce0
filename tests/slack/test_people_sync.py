"""Linking the plan's people to Slack by email: found ones linked, missing ones reported."""

from __future__ import annotations

from sqlmodel import select

from handlers.slack.app import make_client
from handlers.slack.people_sync import sync_people
from handlers.wiring import Services
from storage.models import Person
from storage.people import person_by_chat_id
from tests.slack.fake_slack import FakeSlack

EMAILS = {
    "Bec Windsor": "bec.windsor@worcestershire.gov.uk",
    "Tina Russell": "tina.russell@worcestershire.gov.uk",
    "Vel Kenny": "vel.kenny@worcestershire.gov.uk",
}


def test_people_are_linked_by_email_and_the_missing_reported(
    services: Services, fake: FakeSlack
) -> None:
    with services.db.session() as session:
        for name, email in EMAILS.items():
            session.exec(select(Person).where(Person.name == name)).one().email = email
    fake.users_by_email = {EMAILS["Bec Windsor"]: "U0BECWIND", EMAILS["Vel Kenny"]: "U0VELNEW"}

    report = sync_people(services.application, make_client(services.settings))

    assert sorted(report) == [
        ("Bec Windsor", EMAILS["Bec Windsor"], "U0BECWIND"),
        ("Tina Russell", EMAILS["Tina Russell"], ""),
        ("Vel Kenny", EMAILS["Vel Kenny"], "U0VELNEW"),
    ]
    with services.db.session(commit=False) as session:
        assert _name(person_by_chat_id(session, "slack", "U0BECWIND")) == "Bec Windsor"
        assert _name(person_by_chat_id(session, "slack", "U0VELNEW")) == "Vel Kenny"
        assert person_by_chat_id(session, "slack", "U0VELKENNY") is None  # relinked
        bec = person_by_chat_id(session, "slack", "U0BECWIND")
        assert bec is not None
        assert bec.timezone == "Europe/London"  # from Slack's profile
    assert {c.params["email"] for c in fake.attempts("users.lookupByEmail")} == set(EMAILS.values())


def _name(person: Person | None) -> str | None:
    return person.name if person else None
