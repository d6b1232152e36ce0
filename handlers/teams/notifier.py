"""Reminders and digests out to Teams: the Notifier port, as proactive messages.

A person is reached in their 1:1 chat with the bot, through the conversation reference
stored when they first talked to it or installed it; failing that, a chat is created for
them (which Teams allows once the app is installed for them). Someone who never installed
it is reported, or — where the council allows it (TEAMS_GRAPH_INSTALL) — the app is
installed for them through Microsoft Graph first. A board's digest goes to its channel.

Teams answers a burst with 429 and a hiccup with 5xx: each card is retried with back-off
(Retry-After when given) and sent once. After a crash, `find_sent` asks Graph whether a
claimed message went already, by the send key each card carries (cards.py).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext

from bot.domain.plan import PersonRef
from bot.ports import NotDeliverableError, Sent
from handlers.application.app import Application
from handlers.teams.activities import PLATFORM
from handlers.teams.agent import card_activity
from handlers.teams.bridge import AsyncBridge
from handlers.teams.cards import render_cards, summary_text
from handlers.teams.graph import Graph, GraphRefusedError

log = logging.getLogger(__name__)

CHANNEL_ID = "msteams"
CONNECTOR_AUDIENCE = "https://api.botframework.com"
MAX_TRIES = 5
MAX_WAIT = 20.0  # seconds: the longest Retry-After we honour before trying again


def not_installed(name: str) -> str:
    return f"can't reach on Teams: install the app for {name}"


@dataclass
class TeamsNotifier:
    """The dispatcher's view of Teams: a card to a person's chat, a card to a channel."""

    bridge: AsyncBridge
    adapter: ChannelServiceAdapter
    app: Application
    app_id: str
    tenant_id: str | None
    service_url: str
    graph: Graph | None = None
    install: bool = False
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    platform: str = field(default=PLATFORM, init=False)

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        aad = person.chat_id(PLATFORM)
        if not aad:
            raise NotDeliverableError(f"no Teams account linked for {person.name}")
        cards = render_cards(content, key=key)
        summary = summary_text(content)
        address = self.app.addresses.find(PLATFORM, aad)
        if address is None:
            return self.bridge.run(self._open_and_send(person, aad, cards, summary))
        reference = ConversationReference.model_validate_json(address)
        try:
            return self.bridge.run(self._continue(reference, cards, summary))
        except NotDeliverableError:
            raise NotDeliverableError(not_installed(person.name)) from None  # since removed

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        address = self.app.addresses.find(PLATFORM, channel)
        if address is not None:
            reference = ConversationReference.model_validate_json(address)
        else:
            reference = ConversationReference(
                channel_id=CHANNEL_ID,
                service_url=self.service_url,
                agent=self._bot(),
                conversation=ConversationAccount(
                    id=channel, is_group=True, conversation_type="channel", tenant_id=self.tenant_id
                ),
            )
        cards = render_cards(content, key=key)
        return self.bridge.run(self._continue(reference, cards, summary_text(content)))

    def find_sent(
        self, key: str, *, person: PersonRef | None = None, channel: str | None = None
    ) -> Sent | None:
        """Before a resend after a crash: did a card carrying this key go already?"""
        # A channel's messages are read through its team, whose id the reference lacks: a
        # digest taken over after a crash is posted again (it is one post a week per board).
        aad = person.chat_id(PLATFORM) if person is not None else None
        if self.graph is None or not aad:
            return None
        try:
            found = self.bridge.run(self.graph.find_in_chat(aad, key))
        except GraphRefusedError as refused:
            log.warning("teams: can't check for an earlier send of %s (%s)", key, refused)
            return None
        return Sent(channel=found[0], message_ref=found[1]) if found else None

    async def _continue(
        self, reference: ConversationReference, cards: list[dict[str, Any]], summary: str
    ) -> Sent:
        sent: list[str] = []

        async def deliver(context: TurnContext) -> None:
            for card in cards:
                activity = card_activity(card, summary)

                async def send_one(activity: Activity = activity) -> Any:
                    return await context.send_activity(activity)

                response = await self._with_retries(send_one)
                sent.append(str(getattr(response, "id", "") or ""))

        activity = reference.get_continuation_activity()
        try:
            await self.adapter.continue_conversation(self.app_id, activity, deliver)
        except aiohttp.ClientResponseError as failure:
            if failure.status in (403, 404):
                raise NotDeliverableError(f"Teams refused {reference.conversation.id}") from None
            raise
        return Sent(channel=str(reference.conversation.id), message_ref=sent[0] if sent else "")

    async def _open_and_send(
        self, person: PersonRef, aad: str, cards: list[dict[str, Any]], summary: str
    ) -> Sent:
        """No chat stored: create one, installing the app for them first where allowed."""
        try:
            reference = await self._open_chat(aad)
        except NotDeliverableError:
            if not (self.install and self.graph is not None):
                raise NotDeliverableError(not_installed(person.name)) from None
            try:
                await self.graph.install_for(aad, self.app_id)
            except GraphRefusedError as refused:
                log.warning("teams: could not install the app for %s: %s", person.name, refused)
                raise NotDeliverableError(not_installed(person.name)) from None
            reference = await self._open_chat(aad)
        await asyncio.to_thread(
            self.app.addresses.remember,
            PLATFORM,
            aad,
            reference.model_dump_json(by_alias=True, exclude_none=True),
        )
        return await self._continue(reference, cards, summary)

    async def _open_chat(self, aad: str) -> ConversationReference:
        created: list[ConversationReference] = []

        async def keep(context: TurnContext) -> None:
            created.append(context.activity.get_conversation_reference())

        parameters = ConversationParameters(
            is_group=False,
            members=[ChannelAccount(id=aad, aad_object_id=aad)],
            tenant_id=self.tenant_id,
            agent=self._bot(),
        )

        async def create() -> None:
            await self.adapter.create_conversation(
                self.app_id,
                CHANNEL_ID,
                self.service_url,
                CONNECTOR_AUDIENCE,
                parameters,
                keep,
            )

        try:
            await self._with_retries(create)
        except aiohttp.ClientResponseError as failure:
            if failure.status in (403, 404):
                raise NotDeliverableError(f"no chat with {aad}: the app is not installed") from None
            raise
        reference = created[0]
        reference.conversation.conversation_type = "personal"
        reference.user = ChannelAccount(id=aad, aad_object_id=aad)
        return reference

    def _bot(self) -> ChannelAccount:
        return ChannelAccount(id=f"28:{self.app_id}", name="actionbot")

    async def _with_retries(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """429 and 5xx are tried again with back-off; anything else is raised at once."""
        for attempt in range(1, MAX_TRIES + 1):
            try:
                return await call()
            except aiohttp.ClientResponseError as failure:
                retryable = failure.status == 429 or failure.status >= 500
                if not retryable or attempt == MAX_TRIES:
                    raise
                await self.sleep(_wait(failure, attempt))
        raise AssertionError("unreachable")


def _wait(failure: aiohttp.ClientResponseError, attempt: int) -> float:
    header = str(failure.headers.get("Retry-After", "")) if failure.headers else ""
    try:
        asked = float(header)
    except ValueError:
        asked = 0.0
    jitter = 0.5 + secrets.randbelow(1000) / 2000  # spread the retries of a burst
    backoff = min(MAX_WAIT, 0.25 * 2 ** (attempt - 1)) * jitter
    return float(min(MAX_WAIT, max(asked, backoff)))
