"""Linking plan people to Teams accounts by email or UPN, from the boards' teams' rosters.

Each board with a Teams channel is asked for its team's members (the Bot Connector's paged
member list, which the app may read once it is installed in the team). A plan person whose
email matches a member's email or user principal name is linked by Entra object id.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from microsoft_agents.activity import ConversationAccount, ConversationReference
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from handlers.application.app import Application
from handlers.application.errors import Problem
from handlers.application.people import FoundAccount
from handlers.teams.activities import PLATFORM
from handlers.teams.notifier import CHANNEL_ID
from handlers.teams.server import TeamsParts

log = logging.getLogger(__name__)

PAGE_SIZE = 200
NOT_FOUND = ""
NO_CHANNEL = (
    "No board has a Teams channel yet, so there is no team to read: "
    "`actionbot board NAME --teams-channel 19:…@thread.tacv2` first"
)


def cant_read(channel: str, failure: BaseException) -> str:
    status = getattr(failure, "status", None)
    why = f"Teams answered {status}" if status else "Teams did not answer"
    return (
        f"Couldn't read the members of {channel} ({why}): check the app is added to that "
        "channel's team, and that TEAMS_SERVICE_URL is your region's"
    )


def sync_people(app: Application, parts: TeamsParts) -> list[tuple[str, str, str]]:
    """(name, email, Entra object id) for everyone with an email; the id is "" if not found.

    Teams is asked outside any transaction; the links are written in one unit of work."""
    channels = app.boards.channels(PLATFORM)
    if not channels:
        raise Problem(NO_CHANNEL)
    roster: dict[str, str] = {}
    for channel in channels:
        try:
            members = parts.bridge.run(_members(app, parts, channel))
        except (aiohttp.ClientError, TimeoutError) as failure:
            raise Problem(cant_read(channel, failure)) from None
        for member in members:
            aad = str(member.get("aadObjectId") or "").lower()
            for address in (member.get("email"), member.get("userPrincipalName")):
                if aad and isinstance(address, str) and address:
                    roster.setdefault(address.strip().lower(), aad)
    contacts = app.people.with_email()
    found = [
        (contact, roster.get(contact.email.strip().lower(), NOT_FOUND)) for contact in contacts
    ]
    app.people.link_found(PLATFORM, [FoundAccount(c.person_id, aad) for c, aad in found if aad])
    return [(c.name, c.email, aad) for c, aad in found]


async def _members(app: Application, parts: TeamsParts, channel: str) -> list[dict[str, Any]]:
    address = app.addresses.find(PLATFORM, channel)
    if address is not None:
        reference = ConversationReference.model_validate_json(address)
    else:
        reference = ConversationReference(
            channel_id=CHANNEL_ID,
            service_url=app.settings.teams_service_url,
            conversation=ConversationAccount(id=channel, is_group=True),
        )
    members: list[dict[str, Any]] = []

    async def read(context: TurnContext) -> None:
        connector = context.turn_state.get(ChannelServiceAdapter._AGENT_CONNECTOR_CLIENT_KEY)
        if not isinstance(connector, ConnectorClientBase):
            return
        token: str | None = None
        while True:
            page = await connector.conversations.get_conversation_paged_members(
                channel, PAGE_SIZE, token
            )
            members.extend(_plain(member) for member in page.members or [])
            token = page.continuation_token
            if not token:
                return

    await parts.adapter.continue_conversation(
        parts.app_id, reference.get_continuation_activity(), read
    )
    return members


def _plain(member: Any) -> dict[str, Any]:
    dumped = member.model_dump(by_alias=True, exclude_none=True)
    return dumped if isinstance(dumped, dict) else {}
