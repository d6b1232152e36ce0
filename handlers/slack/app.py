"""The Bolt app: Slack payloads in, core calls, Block Kit out. No rules live here."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import SlackResponse

from bot.config import Settings
from handlers.application.app import Application
from handlers.application.conversation import Conversation, IncomingMessage, RagRequest
from handlers.application.errors import Problem
from handlers.slack import home_refresher, interactive
from handlers.slack.app_home import HomeTab
from handlers.slack.blocks import fallback_text, render_blocks, render_pages
from handlers.slack.members import ChannelMembers
from handlers.slack.payload_fields import BadPayload
from handlers.slack.payloads import MessageEvent, ResponseHosts, SlashCommand, kind, refused
from handlers.slack.replay import FAILURES, is_redelivery
from handlers.slack.slack_text import decode, rich_text_as_slack_text

log = logging.getLogger(__name__)

PLATFORM = "slack"
ADMIN_WORD = "admin"
NOT_AN_ADMIN = "Only a board's chairs and admins can change its plan. Nothing was opened."
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")
# Edits, deletions, joins and bot posts arrive as message events too; only people's words count.
_PEOPLE_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


# Slack's answers that mean the token itself is no good: nothing works until it is replaced.
TOKEN_REFUSALS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
    }
)
BOT_REFUSAL = (
    "SLACK_BOT_TOKEN was refused by Slack ({error}): copy the Bot User OAuth Token again from "
    "OAuth & Permissions at api.slack.com/apps (reinstall the app there first if it was removed)"
)
APP_REFUSAL = (
    "SLACK_APP_TOKEN was refused by Slack ({error}): make an app-level token with the "
    "connections:write scope under Basic Information → App-Level Tokens at api.slack.com/apps "
    "(or unset SLACK_APP_TOKEN to serve over HTTP)"
)
# The one Web API method called with the app-level token rather than the bot token.
APP_LEVEL_METHOD = "apps.connections.open"


class TokenRefusedError(SlackApiError, Problem):
    """Slack refused the token: `message` names which one and where to get another, so a
    command says it in a sentence (output.guarded) rather than as Slack's raw error."""

    def __init__(self, failure: SlackApiError, error: str, *, method: str) -> None:
        sentence = APP_REFUSAL if method == APP_LEVEL_METHOD else BOT_REFUSAL
        Problem.__init__(self, sentence.format(error=error))
        self.response = failure.response
        self.error = error


def slack_error(failure: SlackApiError) -> str:
    """Slack's error code ("not_in_channel"), or "" when the answer had none."""
    response = failure.response
    found = response.get("error", "") if response is not None else ""
    return str(found or "")


class CheckedClient(WebClient):
    """A WebClient whose token refusals are TokenRefusedError (still a SlackApiError)."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as failure:
            error = slack_error(failure)
            if error in TOKEN_REFUSALS and not isinstance(failure, TokenRefusedError):
                raise TokenRefusedError(failure, error, method=api_method) from failure
            raise


def make_client(settings: Settings) -> WebClient:
    """One client for the app and the notifier, retrying Slack's 429s and 5xxs; a token Slack
    refuses is a TokenRefusedError, which says which token and where to get another."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = CheckedClient(token=token, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return client


def build_slack_app(application: Application, *, client: WebClient | None = None) -> App:
    """Bolt as the router for requests the edge has verified and stored (handlers/slack/edge.py).

    The inbox worker dispatches each stored request here and the listener runs to the end in
    its thread (process_before_response), so a finished dispatch means applied and answered.
    Bolt's own signature check is off: nothing reaches this app but what the edge verified.
    """
    settings = application.settings
    secret = settings.slack_signing_secret
    app = App(
        client=client or make_client(settings),
        signing_secret=secret.get_secret_value() if secret else "",
        request_verification_enabled=False,
        process_before_response=True,
        name="actionbot",
    )
    home = HomeTab(application.home, delay=settings.home_refresh_delay_seconds)
    home_refresher.register(app, home.refresher)
    admin = interactive.AdminListeners(application.admin, home.refresh)
    listeners = SlackListeners(application, home, admin)
    app.command("/rag")(listeners.rag)
    app.event("message")(listeners.message)
    app.event("app_mention")(listeners.mention)
    app.event("app_home_opened")(home.opened)
    edges = interactive.Edges.from_settings(settings)
    interactive.register(app, application.taps, home.refresh, admin, edges)
    interactive.register_date_answers(app, application.chat, home.refresh, listeners.hosts)
    app.error(on_error)
    return app


def mentioned_user_ids(text: str) -> tuple[str, ...]:
    """Slack escapes `@name` in commands as `<@U123|name>`; the core wants the ids."""
    return tuple(_MENTION.findall(text))


def strip_leading_mention(text: str) -> str:
    return _LEADING_MENTION.sub("", text, count=1)


class SlackListeners:
    """Thin: read Slack's payload into its typed shape, call the core, post what it returns."""

    def __init__(
        self, application: Application, home: HomeTab, admin: interactive.AdminListeners
    ) -> None:
        self.application = application
        self.home = home
        self.admin = admin
        self.members = ChannelMembers()
        self.hosts = ResponseHosts.for_api(application.settings.slack_api_url)

    def rag(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Ack within Slack's 3 seconds, then answer privately via the (checked) response_url."""
        ack()
        try:
            command = SlashCommand.parse(body, hosts=self.hosts)
        except BadPayload as failure:
            interactive.stale_button(self.hosts, body, failure)
            return
        text = decode(command.text)
        if text.strip().casefold() == ADMIN_WORD:
            if not self.admin.open(client, command.user_id, command.trigger_id):
                interactive.ephemeral(command.response_url, NOT_AN_ADMIN)
            return
        conversation = Conversation(
            platform=PLATFORM, user_id=command.user_id, channel=command.channel_id, is_direct=False
        )
        request = RagRequest(
            conversation,
            text,
            mentioned_user_ids=mentioned_user_ids(command.text),
            in_channel=self.members.checker(client, command.user_id),
        )
        answer = self.application.rag.answer(request)
        text = fallback_text(answer)
        for number, blocks in enumerate(render_pages(answer)):
            shown = text if number == 0 else "(continued)"
            interactive.ephemeral(command.response_url, shown, blocks)

    def message(self, body: dict[str, Any], client: WebClient) -> None:
        """Direct messages only (channels reach us as mentions); people's words only."""
        event = _event(body)
        if event is None or event.channel_type != "im" or not _from_a_person(event):
            return
        assert event.user is not None  # _from_a_person
        conversation = Conversation(
            platform=PLATFORM,
            user_id=event.user,
            channel=event.channel,
            thread=event.thread_ts,
            is_direct=True,
        )
        # A top-level DM is answered in line, so the person's next line continues the talk.
        self._handle(client, conversation, _words(event), event, reply_thread=event.thread_ts)

    def mention(self, body: dict[str, Any], client: WebClient) -> None:
        """`@actionbot 2.3 amber - …` in a channel, answered in a thread there."""
        event = _event(body)
        if event is None or not _from_a_person(event) or _is_direct(event):
            return  # in a DM Slack also sends the message event, which is handled
        assert event.user is not None  # _from_a_person
        thread = event.thread_ts or event.ts
        conversation = Conversation(
            platform=PLATFORM,
            user_id=event.user,
            channel=event.channel,
            thread=thread,
            is_direct=False,
        )
        self._handle(client, conversation, _words(event), event, reply_thread=thread)

    def _handle(
        self,
        client: WebClient,
        conversation: Conversation,
        text: str,
        event: MessageEvent,
        *,
        reply_thread: str | None,
    ) -> None:
        message = IncomingMessage(
            conversation, text, event_id=event.event_id, redelivered=is_redelivery()
        )
        replies = self.application.chat.on_message(message)
        _post_all(client, conversation.channel, replies, thread=reply_thread)
        if interactive.changed(replies):
            if conversation.is_direct and conversation.thread:
                interactive.settle(client, conversation.channel, conversation.thread, None, replies)
            self.home.refresh(client, conversation.user_id, replies)


def _event(body: dict[str, Any]) -> MessageEvent | None:
    """The event, or None (logged once) when it isn't shaped as Slack documents."""
    try:
        return MessageEvent.parse(body)
    except BadPayload as failure:
        refused("event", failure)
        return None


def _words(event: MessageEvent) -> str:
    """Plain words: the mention is found in Slack's markup, which is then decoded once."""
    raw = event.text or rich_text_as_slack_text(event.blocks or ())
    return decode(strip_leading_mention(raw))


def _is_direct(event: MessageEvent) -> bool:
    return event.channel_type == "im" or event.channel.startswith("D")


def _from_a_person(event: MessageEvent) -> bool:
    return event.subtype in _PEOPLE_SUBTYPES and not event.bot_id and bool(event.user)


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


def on_error(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
    """A failed listener leaves its error for the inbox worker, which retries or gives up.

    Nothing is posted from here: the worker tells the person once, when it gives up.
    """
    failures = context.get(FAILURES)
    what = kind(body)
    if isinstance(failures, list):
        failures.append(error)
        log.warning("slack %s failed: %s: %s", what, type(error).__name__, error)
        return
    log.error("slack %s failed outside the inbox", what, exc_info=error)
