"""Linking plan people to Slack accounts by email, so reminders can reach them."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.application.app import Application
from handlers.application.people import FoundAccount

log = logging.getLogger(__name__)

PLATFORM = "slack"
NOT_FOUND = ""


def sync_people(app: Application, client: WebClient) -> list[tuple[str, str, str]]:
    """(name, email, Slack user id) for everyone with an email; the id is "" when not found.

    Slack is asked outside any transaction; the links are then written in one unit of work.
    A person's time zone, when not yet known, is taken from Slack so reminders come at 09:00
    their time.
    """
    contacts = app.people.with_email()
    found = [(contact, *_lookup(client, contact.email)) for contact in contacts]
    app.people.link_found(
        PLATFORM, [FoundAccount(c.person_id, user_id, tz) for c, user_id, tz in found if user_id]
    )
    return [(c.name, c.email, user_id) for c, user_id, _tz in found]


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
