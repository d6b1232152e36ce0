"""The App Home tab: published when it is opened and again after every change a person makes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.application.home import HomeHandler
from handlers.slack.home_blocks import home_view
from handlers.slack.payload_fields import BadPayload
from handlers.slack.payloads import HomeOpened, refused

log = logging.getLogger(__name__)
PLATFORM = "slack"


class HomeTab:
    def __init__(self, homes: HomeHandler) -> None:
        self.homes = homes

    def opened(self, event: dict[str, Any], client: WebClient) -> None:
        """app_home_opened fires for the Messages tab too; only the Home tab is drawn."""
        try:
            opened = HomeOpened.parse(event)
        except BadPayload as failure:
            refused("app_home_opened", failure)
            return
        if opened.tab == "home":
            self.publish(client, opened.user_id)

    def refresh(self, client: WebClient, user_id: str, replies: Sequence[object] = ()) -> None:
        """After a change: the person who made it, the action's owners and the chairs."""
        for user in sorted({user_id} | self.homes.watchers(PLATFORM, replies)):
            self.publish(client, user)

    def publish(self, client: WebClient, user_id: str) -> None:
        """A stale Home is not worth failing an update over: a refusal is logged, not raised."""
        view = home_view(self.homes.home(PLATFORM, user_id))
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as failure:
            log.warning("views.publish for %s refused: %s", user_id, failure.response.get("error"))
