"""The agent: Teams activities in, core calls, Adaptive Cards out. No rules live here.

It runs on the SDK's turn pipeline (an ActivityHandler), driven by the inbox worker through
the adapter: a message or a card press has been verified and committed before it reaches
here. The core is synchronous and owns its transactions, so each call runs in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from microsoft_agents.activity import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    Attachment,
    ChannelAccount,
)
from microsoft_agents.hosting.core import ActivityHandler, ChannelServiceAdapter, TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.domain.rag import Rag
from bot.domain.replies import Notice, NoticeKind, Reply
from handlers.application.app import Application
from handlers.application.conversation import Conversation, IncomingMessage, RagRequest
from handlers.application.present.buttons import (
    KEEP_VALUE,
    SNOOZE_DAYS,
    TAP_ADD_UPDATE,
    TAP_CHANGE,
    TAP_KEEP_DATE,
    TAP_PICK_DATE,
    TAP_RAG,
    TAP_SNOOZE,
    TAP_UNDO,
)
from handlers.application.taps import Tap
from handlers.teams import activities
from handlers.teams.activities import PLATFORM, CardPress, UnreadableError
from handlers.teams.cards import (
    CARD_CONTENT_TYPE,
    DATE_INPUT,
    TEXT_INPUT,
    render_card,
    render_cards,
    summary_text,
)

log = logging.getLogger(__name__)

REDELIVERED = "actionbot.redelivered"
STALE_PRESS = (
    "That button is from an older card, so nothing was changed. "
    "Send your update in words, or say “rag” to see where things stand."
)
NO_DATE = "Pick a date first, then Save. Nothing was changed."
NO_WORDS = "Write your update in the box first, then Send. Nothing was changed."
NOT_HERE = "The plan admin form is in Slack and the CLI for now. Nothing was opened."
RAG_TAPS = {f"{TAP_RAG}{rag.value}": rag for rag in (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.COMPLETE)}


def notice(text: str) -> Notice:
    return Notice(NoticeKind.INFO, text)


class TeamsAgent(ActivityHandler):
    """Thin: read the activity into the core's terms, call it, send back what it says."""

    def __init__(self, application: Application) -> None:
        self.app = application

    async def on_turn(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        await self._remember(turn_context.activity)
        await super().on_turn(turn_context)

    # -- words ---------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        activity = turn_context.activity
        try:
            conversation = activities.conversation_of(activity)
        except UnreadableError as why:
            log.info("teams: message ignored: %s", why)
            return
        words = activities.words_of(activity)
        query = activities.rag_query(words)
        if query is not None:
            answer = await self._rag(turn_context, conversation, query)
            await send(turn_context, [answer])
            return
        message = IncomingMessage(
            conversation,
            words,
            event_id=f"teams:{conversation.channel}:{activity.id}",
            redelivered=bool(turn_context.turn_state.get(REDELIVERED)),
        )
        replies = await asyncio.to_thread(self.app.chat.on_message, message)
        await send(turn_context, replies)

    async def _rag(self, turn_context: TurnContext, conversation: Conversation, query: str) -> Any:
        people = activities.mentioned_people(turn_context.activity)
        found = [(person, await member_id(turn_context, person)) for person in people]
        request = RagRequest(
            conversation,
            activities.with_mentions_as_ids(query, found),
            mentioned_user_ids=tuple(aad for _person, aad in found if aad),
            in_channel=channel_membership(turn_context, asyncio.get_running_loop()),
        )
        return await asyncio.to_thread(self.app.rag.answer, request)

    # -- card presses ----------------------------------------------------------------------

    async def on_adaptive_card_invoke(  # type: ignore[override]
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        """The refreshed card goes back in the invoke's answer, replacing the pressed one."""
        activity = turn_context.activity
        try:
            conversation = activities.conversation_of(activity)
            press = activities.card_press(activity)
            replies = await asyncio.to_thread(self._press, turn_context, conversation, press)
        except (UnreadableError, ValueError):
            replies = [notice(STALE_PRESS)]
        first, *rest = replies or [notice(STALE_PRESS)]
        # Applied later by the inbox worker (the live answer went as "in a moment"): nobody
        # reads this invoke's answer, so the confirmation is posted in the chat as well.
        later = bool(turn_context.turn_state.get(REDELIVERED))
        await send(turn_context, [first, *rest] if later else rest)
        return card_response(first)

    def _press(
        self, turn_context: TurnContext, conversation: Conversation, press: CardPress
    ) -> list[Reply]:
        activity = turn_context.activity
        redelivered = bool(turn_context.turn_state.get(REDELIVERED))
        key = ":".join(
            ("teams", conversation.channel, activity.reply_to_id or "-", press.action_id)
        )
        tap = Tap(conversation, f"{key}:{press.value}:{conversation.user_id}", redelivered)
        taps = self.app.taps
        if press.action_id in RAG_TAPS:
            return taps.set_rag(tap, int(press.value), RAG_TAPS[press.action_id])
        if press.action_id == TAP_SNOOZE:
            return taps.snooze(tap, int(press.value), days=SNOOZE_DAYS)
        if press.action_id == TAP_UNDO:
            return taps.undo(tap, int(press.value))
        if press.action_id == TAP_CHANGE:
            day = press.day(DATE_INPUT)
            if day is None:
                return [notice(NO_DATE)]
            return taps.change(tap, int(press.value), rag=None, new_date=day, text="")
        if press.action_id == TAP_ADD_UPDATE:
            return self._add_update(tap, press)
        if press.action_id == TAP_KEEP_DATE or press.action_id.startswith(TAP_PICK_DATE):
            answer = KEEP_VALUE if press.action_id == TAP_KEEP_DATE else press.value
            message = IncomingMessage(
                conversation, answer, event_id=tap.event_key, redelivered=redelivered,
                answers_question=True,
            )  # fmt: skip
            return self.app.chat.on_message(message)
        return [notice(NOT_HERE if press.action_id.startswith("open_") else STALE_PRESS)]

    def _add_update(self, tap: Tap, press: CardPress) -> list[Reply]:
        """Read as a typed reply about this card's action: "amber - slipped to 14 April"
        sets the status and the date, with the same questions when unsure."""
        words = press.text(TEXT_INPUT)
        if not words:
            return [notice(NO_WORDS)]
        message = IncomingMessage(
            tap.conversation,
            words,
            event_id=tap.event_key,
            redelivered=tap.redelivered,
            about_action=int(press.value),
        )
        return self.app.chat.on_message(message)

    # -- being installed -------------------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        """Installed in someone's personal scope: say hello, with how to use it. (Teams also
        sends a conversationUpdate for the same install; only this one is answered.)"""
        if activities.is_personal(turn_context.activity):
            await self._greet(turn_context)

    async def _greet(self, turn_context: TurnContext) -> None:
        try:
            conversation = activities.conversation_of(turn_context.activity)
        except UnreadableError:
            return
        message = IncomingMessage(conversation, "help", event_id=None)
        await send(turn_context, await asyncio.to_thread(self.app.chat.on_message, message))

    async def _remember(self, activity: Activity) -> None:
        """Where to reach them later: stored at their first word or at install, so reminders
        can be sent to people (and digests to channels) without them speaking first."""
        if activity.conversation is None or not activity.service_url:
            return
        reference = activity.get_conversation_reference().model_dump_json(
            by_alias=True, exclude_none=True
        )
        person = activities.account_id(activity.from_property)
        if activities.is_personal(activity):
            if person is not None:
                await asyncio.to_thread(self.app.addresses.remember, PLATFORM, person, reference)
            return
        channel = activities.base_conversation_id(str(activity.conversation.id))
        await asyncio.to_thread(self.app.addresses.remember, PLATFORM, channel, reference)


async def member_id(turn_context: TurnContext, account: ChannelAccount) -> str | None:
    """A mention's Entra object id: in the mention when Teams sends it, else from the roster."""
    found = activities.account_id(account)
    if found is not None:
        return found
    connector = turn_context.turn_state.get(ChannelServiceAdapter._AGENT_CONNECTOR_CLIENT_KEY)
    conversation = turn_context.activity.conversation
    if not isinstance(connector, ConnectorClientBase) or conversation is None or not account.id:
        return None
    try:
        member = await connector.conversations.get_conversation_member(
            activities.base_conversation_id(str(conversation.id)), account.id
        )
    except Exception:
        log.info("teams: could not look up a mentioned member", exc_info=True)
        return None
    return activities.account_id(member)


def channel_membership(
    turn_context: TurnContext, loop: asyncio.AbstractEventLoop
) -> Callable[[str], bool]:
    """Is the asker in a board's Teams channel? Asked of the channel's roster, from the core's
    thread (the loop is free meanwhile): a board is for its channel's members and chairs."""
    connector = turn_context.turn_state.get(ChannelServiceAdapter._AGENT_CONNECTOR_CLIENT_KEY)
    sender = turn_context.activity.from_property
    here = activities.base_conversation_id(str(turn_context.activity.conversation.id))

    def in_channel(channel: str) -> bool:
        if channel == here:
            return True  # Teams delivers a channel's messages only from its members
        if not isinstance(connector, ConnectorClientBase) or sender is None or not sender.id:
            return False
        asked = connector.conversations.get_conversation_member(channel, sender.id)
        try:
            asyncio.run_coroutine_threadsafe(asked, loop).result(timeout=10)
        except Exception:
            return False  # not a member, or the roster can't be read: not shown
        return True

    return in_channel


async def send(turn_context: TurnContext, replies: Sequence[object]) -> None:
    """Each reply as one or more cards (a long one split into parts, never cut)."""
    for reply in replies:
        for card in render_cards(reply):
            await turn_context.send_activity(card_activity(card, summary_text(reply)))


def card_activity(card: dict[str, Any], summary: str) -> Activity:
    return Activity(
        type="message",
        summary=summary or None,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )


def card_response(reply: object) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(
        status_code=200, type=CARD_CONTENT_TYPE, value=render_card(reply)
    )
