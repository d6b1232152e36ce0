"""Reminders and digests out to Slack: the Notifier port, over chat.postMessage."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.plan import PersonRef
from bot.ports import NotDeliverableError, Sent
from handlers.slack.blocks import fallback_text, render_blocks

PLATFORM = "slack"
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
        user_id = person.chat_id(PLATFORM)
        if not user_id:
            raise NotDeliverableError(f"no Slack account linked for {person.name}")
        return self._post(user_id, content)

    def post_to_channel(self, channel: str, content: object, *, key: str | None = None) -> Sent:
        return self._post(channel, content)

    def _post(self, channel: str, content: object) -> Sent:
        """The returned channel and ts let a threaded reply be traced back to this message."""
        try:
            response = self.client.chat_postMessage(
                channel=channel, text=fallback_text(content), blocks=render_blocks(content)
            )
        except SlackApiError as failure:
            error = str(failure.response.get("error", ""))
            if error in UNDELIVERABLE:
                raise NotDeliverableError(f"Slack refused {channel}: {error}") from failure
            raise
        return Sent(channel=str(response["channel"]), message_ref=str(response["ts"]))
