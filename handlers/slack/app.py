"""The Bolt app: Slack payloads in, core calls, Block Kit out. No rules live here."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.app import Services
from bot.config import Settings
from handlers.conversation import Conversation, IncomingMessage, RagRequest
from handlers.home import HomeHandler
from handlers.slack import interactive
from handlers.slack.app_home import HomeTab
from handlers.slack.blocks import fallback_text, render_blocks, render_pages
from handlers.slack.members import ChannelMembers
from handlers.taps import TapHandlers

log = logging.getLogger(__name__)

PLATFORM = "slack"
ADMIN_WORD = "admin"
NOT_AN_ADMIN = "Only a board's chairs and admins can change its plan. Nothing was opened."
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")
# Edits, deletions, joins and bot posts arrive as message events too; only people's words count.
_PEOPLE_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


def make_client(settings: Settings) -> WebClient:
    """One client for the app and the notifier, retrying Slack's 429s and 5xxs."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = WebClient(token=token, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return client


def build_slack_app(
    services: Services, *, client: WebClient | None = None, executor: Executor | None = None
) -> App:
    """Bolt acks first and runs listeners in a thread after (process_before_response=False)."""
    secret = services.settings.slack_signing_secret
    app = App(
        client=client or make_client(services.settings),
        signing_secret=secret.get_secret_value() if secret else "",
        listener_executor=executor,
        name="actionbot",
    )
    homes = HomeHandler(
        db=services.db, clock=services.clock, default_timezone=services.settings.default_timezone
    )
    home = HomeTab(homes)

    def administers(user_id: str) -> tuple[str, ...]:
        return homes.administers(PLATFORM, user_id)

    taps = tap_handlers(services)
    admin = interactive.AdminListeners(taps, home.refresh, administers)
    listeners = SlackListeners(services, home, admin)
    app.command("/rag")(listeners.rag)
    app.event("message")(listeners.message)
    app.event("app_mention")(listeners.mention)
    app.event("app_home_opened")(home.opened)
    interactive.register(app, taps, home.refresh, admin)
    app.error(on_error)
    return app


def tap_handlers(services: Services) -> TapHandlers:
    settings = services.settings
    return TapHandlers(
        db=services.db, clock=services.clock, default_timezone=settings.default_timezone
    )


def mentioned_user_ids(text: str) -> tuple[str, ...]:
    """Slack escapes `@name` in commands as `<@U123|name>`; the core wants the ids."""
    return tuple(_MENTION.findall(text))


def strip_leading_mention(text: str) -> str:
    return _LEADING_MENTION.sub("", text, count=1)


class SlackListeners:
    """Thin: translate Slack's payload, call the core, post what it returns."""

    def __init__(
        self, services: Services, home: HomeTab, admin: interactive.AdminListeners
    ) -> None:
        self.services = services
        self.home = home
        self.admin = admin
        self.members = ChannelMembers()

    def rag(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """Ack within Slack's 3 seconds, then answer privately via the response_url."""
        ack()
        text = command.get("text") or ""
        if text.strip().casefold() == ADMIN_WORD:
            if not self.admin.open(client, command["user_id"], command["trigger_id"]):
                respond(text=NOT_AN_ADMIN, response_type="ephemeral")
            return
        conversation = Conversation(
            platform=PLATFORM,
            user_id=command["user_id"],
            channel=command["channel_id"],
            is_direct=False,
        )
        request = RagRequest(
            conversation,
            text,
            mentioned_user_ids=mentioned_user_ids(text),
            in_channel=self.members.checker(client, command["user_id"]),
        )
        answer = self.services.rag.answer(request)
        text = fallback_text(answer)
        for number, blocks in enumerate(render_pages(answer)):
            shown = text if number == 0 else "(continued)"
            respond(text=shown, blocks=blocks, response_type="ephemeral")

    def message(self, event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        """Direct messages only (channels reach us as mentions); people's words only."""
        if event.get("channel_type") != "im" or not _from_a_person(event):
            return
        thread = event.get("thread_ts")
        conversation = Conversation(
            platform=PLATFORM,
            user_id=event["user"],
            channel=event["channel"],
            thread=thread,
            is_direct=True,
        )
        # A top-level DM is answered in line, so the person's next line continues the talk.
        text = strip_leading_mention(event.get("text") or "")
        self._handle(client, conversation, text, body, reply_thread=thread)

    def mention(self, event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        """`@actionbot 2.3 amber - …` in a channel, answered in a thread there."""
        if not _from_a_person(event) or _is_direct(event):
            return  # in a DM Slack also sends the message event, which is handled
        thread = event.get("thread_ts") or event["ts"]
        conversation = Conversation(
            platform=PLATFORM,
            user_id=event["user"],
            channel=event["channel"],
            thread=thread,
            is_direct=False,
        )
        text = strip_leading_mention(event.get("text") or "")
        self._handle(client, conversation, text, body, reply_thread=thread)

    def _handle(
        self,
        client: WebClient,
        conversation: Conversation,
        text: str,
        body: dict[str, Any],
        *,
        reply_thread: str | None,
    ) -> None:
        message = IncomingMessage(conversation, text, event_id=body.get("event_id"))
        replies = self.services.chat.on_message(message)
        _post_all(client, conversation.channel, replies, thread=reply_thread)
        if interactive.changed(replies):
            if conversation.is_direct and conversation.thread:
                interactive.settle(client, conversation.channel, conversation.thread, None, replies)
            self.home.refresh(client, conversation.user_id, replies)


def _is_direct(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def _from_a_person(event: dict[str, Any]) -> bool:
    return (
        event.get("subtype") in _PEOPLE_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def _post_all(
    client: WebClient, channel: str, replies: Sequence[object], *, thread: str | None
) -> None:
    for reply in replies:
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread,
            text=fallback_text(reply),
            blocks=render_blocks(reply),
        )


def on_error(error: Exception, body: dict[str, Any], respond: Respond) -> None:
    """Unknown failures are logged with an id the person can quote; nothing is half-done."""
    error_id = uuid.uuid4().hex[:8]
    kind = body.get("command") or body.get("event", {}).get("type") or body.get("type")
    log.error("slack %s failed (error %s)", kind, error_id, exc_info=error)
    if body.get("response_url"):
        text = f"Sorry, something went wrong and nothing was changed (error {error_id})."
        respond(text=text, response_type="ephemeral")
