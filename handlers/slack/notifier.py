"""Reminders and digests out to Slack: the Notifier port, over chat.postMessage."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.plan import PersonRef
from bot.ports import NotDeliverableError, Sent
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


class SlackNotifier:
    """The dispatcher's view of Slack: a DM to a person, a post to a channel."""

    platform = PLATFORM

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def send_direct(self, person: PersonRef, content: object, *, key: str | None = None) -> Sent:
        """Posting to a user id opens (or reuses) the bot's DM with them."""
        return self._post(_user_id(person), content, key)

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        return self._post(channel, content, key)

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

    def _post(self, channel: str, content: object, key: str | None) -> Sent:
        """The returned channel and ts let a threaded reply be traced back to this message."""
        metadata = {"event_type": SEND_EVENT, "event_payload": {"key": key}} if key else None
        first, *rest = render_pages(content)
        try:
            response = self.client.chat_postMessage(
                channel=channel, text=fallback_text(content), blocks=first, metadata=metadata
            )
        except SlackApiError as failure:
            error = str(failure.response.get("error", ""))
            if error in UNDELIVERABLE:
                raise NotDeliverableError(f"Slack refused {channel}: {error}") from failure
            raise
        sent = Sent(channel=str(response["channel"]), message_ref=str(response["ts"]))
        for blocks in rest:  # a long digest goes on in its own thread, not across the channel
            self.client.chat_postMessage(
                channel=sent.channel, thread_ts=sent.message_ref, text="(continued)", blocks=blocks
            )
        return sent


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
