"""Reminders and digests out to Slack: the Notifier port, over chat.postMessage.

A board's public channel the bot is not in yet is joined (conversations.join, scope
channels:join) and the post made again, once; a private one can only be reached once someone
invites the bot, and the reason says so."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.plan import PersonRef
from bot.ports import NotDeliverableError, Sent
from handlers.slack.app import slack_error
from handlers.slack.blocks import fallback_text, render_pages

PLATFORM = "slack"
SEND_EVENT = "actionbot_send"
# How far back find_sent looks: a crash is followed by a restart within minutes, not days.
HISTORY_LIMIT = 50
# Slack's answers that retrying will not change: the message is skipped, not retried.
UNDELIVERABLE = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
    }
)
NOT_IN_CHANNEL = "not_in_channel"
INVITE = "/invite @actionbot"
# What conversations.join answers for a channel the bot can't join by itself.
PRIVATE = frozenset({"method_not_supported_for_channel_type", "channel_not_found"})


class SlackNotifier:
    """The dispatcher's view of Slack: a DM to a person, a post to a channel."""

    platform = PLATFORM

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        """Posting to a user id opens (or reuses) the bot's DM with them."""
        return self._post(_user_id(person), content, key)

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        """A public channel the bot was never added to is joined, and the post made again."""
        try:
            return self._post(channel, content, key, in_channel=True)
        except NotInChannelError:
            self._join(channel)
        return self._post(channel, content, key, in_channel=True, joined=True)

    def find_sent(
        self, key: str, *, person: PersonRef | None = None, channel: str | None = None
    ) -> Sent | None:
        """Before a resend after a crash: did a message tagged with this claim key go already?"""
        where = self._dm_channel(person) if person is not None else channel
        if not where:
            return None
        history = self.client.conversations_history(
            channel=where, include_all_metadata=True, limit=HISTORY_LIMIT
        )
        for message in history.get("messages") or []:
            if _key_of(message) == key:
                return Sent(channel=where, message_ref=str(message["ts"]))
        return None

    def _dm_channel(self, person: PersonRef) -> str:
        opened = self.client.conversations_open(users=_user_id(person))
        return str(opened["channel"]["id"])

    def _join(self, channel: str) -> None:
        try:
            self.client.conversations_join(channel=channel)
        except SlackApiError as failure:
            if failure.response.status_code != 200:
                raise  # Slack was unavailable (after the client's retries): try again later
            raise NotDeliverableError(_cannot_join(channel, slack_error(failure))) from failure

    def _post(
        self,
        channel: str,
        content: object,
        key: str | None,
        *,
        in_channel: bool = False,
        joined: bool = False,
    ) -> Sent:
        """The returned channel and ts let a threaded reply be traced back to this message."""
        metadata = {"event_type": SEND_EVENT, "event_payload": {"key": key}} if key else None
        first, *rest = render_pages(content)
        try:
            response = self.client.chat_postMessage(
                channel=channel, text=fallback_text(content), blocks=first, metadata=metadata
            )
        except SlackApiError as failure:
            error = slack_error(failure)
            if error == NOT_IN_CHANNEL and in_channel and not joined:
                raise NotInChannelError(channel) from failure
            if error in UNDELIVERABLE:
                raise NotDeliverableError(_refused(channel, error, in_channel)) from failure
            raise
        sent = Sent(channel=str(response["channel"]), message_ref=str(response["ts"]))
        for blocks in rest:  # a long digest goes on in its own thread, not across the channel
            self.client.chat_postMessage(
                channel=sent.channel, thread_ts=sent.message_ref, text="(continued)", blocks=blocks
            )
        return sent


class NotInChannelError(Exception):
    """The bot is not a member of the channel yet: it may join it (a public one) by itself."""


def _refused(channel: str, error: str, in_channel: bool) -> str:
    said = f"Slack refused {channel}: {error}"
    if in_channel and error == "channel_not_found":
        return (
            f"{said}. actionbot can't see that channel: if it is private, invite the bot there "
            f"({INVITE} in the channel); otherwise check the board's channel id"
        )
    if in_channel and error == NOT_IN_CHANNEL:
        return f"{said}, even after joining it: invite the bot there ({INVITE} in the channel)"
    if error == "is_archived":
        return f"{said}. The channel is archived: unarchive it, or give the board another channel"
    return said


def _cannot_join(channel: str, error: str) -> str:
    said = f"Slack refused {channel}: {NOT_IN_CHANNEL}, and actionbot can't join it by itself"
    if error in PRIVATE:
        return (
            f"{said} ({error}): it is a private channel (or one actionbot can't see), so invite "
            f"the bot there with {INVITE}"
        )
    if error == "missing_scope":
        return (
            f"{said} ({error}): the app lacks the channels:join scope. Invite the bot with "
            f"{INVITE}, or add channels:join (handlers/slack/manifest.yml) and reinstall the app"
        )
    if error == "is_archived":
        return f"{said} ({error}): the channel is archived; unarchive it or choose another"
    return f"{said} ({error}): invite the bot there with {INVITE}"


def _user_id(person: PersonRef) -> str:
    user_id = person.chat_id(PLATFORM)
    if not user_id:
        raise NotDeliverableError(f"no Slack account linked for {person.name}")
    return user_id


def _key_of(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != SEND_EVENT:
        return None
    key = (metadata.get("event_payload") or {}).get("key")
    return str(key) if key is not None else None
