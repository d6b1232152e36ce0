"""Linking plan people to Slack accounts by email, so reminders can reach them."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.wiring import Services
from storage.models import Person
from storage.people import link_chat_id, people_with_email

log = logging.getLogger(__name__)

PLATFORM = "slack"
NOT_FOUND = ""


def sync_people(services: Services, client: WebClient) -> list[tuple[str, str, str]]:
    """(name, email, Slack user id) for everyone with an email; the id is "" when not found.

    Slack is asked outside any transaction; the links are then written in one unit of work.
    A person's time zone, when not yet known, is taken from Slack so reminders come at 09:00
    their time.
    """
    with services.db.session(commit=False) as session:
        people = people_with_email(session)
        wanted = [(p.id, p.name, p.email or "") for p in people]
    found = [(pid, name, email, _lookup(client, email)) for pid, name, email in wanted]
    with services.db.session() as session:
        for person_id, _name, _email, (user_id, tz) in found:
            person = session.get(Person, person_id)
            if user_id and person is not None:
                link_chat_id(session, person, platform=PLATFORM, external_id=user_id)
                person.timezone = person.timezone or tz
    return [(name, email, user_id) for _pid, name, email, (user_id, _tz) in found]


def _lookup(client: WebClient, email: str) -> tuple[str, str | None]:
    """(user id, Slack's time zone for them); a person missing from Slack is not fatal."""
    try:
        response = client.users_lookupByEmail(email=email)
    except SlackApiError as failure:
        if failure.response.get("error") == "users_not_found":
            log.warning("no Slack user has the email %s", email)
            return NOT_FOUND, None
        raise
    user = response.get("user") or {}
    return str(user.get("id") or NOT_FOUND), user.get("tz") or None
