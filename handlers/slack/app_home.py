"""The App Home tab: published when it is opened, and after changes, once per burst of them
(handlers/slack/home_refresher.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.application.home import HomeHandler
from handlers.slack.home_blocks import home_view
from handlers.slack.home_refresher import HomeRefresher
from handlers.slack.payload_fields import BadPayload
from handlers.slack.payloads import HomeOpened, refused

log = logging.getLogger(__name__)
PLATFORM = "slack"


class HomeTab:
    def __init__(self, homes: HomeHandler, *, delay: float = 0.0) -> None:
        self.homes = homes
        self.refresher = HomeRefresher(self.publish_all, delay=delay)

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
        """After a change: the person who made it, the action's owners and the chairs — noted
        here, redrawn by the refresher once the burst of changes is over."""
        self.refresher.request(client, user_id, replies)

    def publish(self, client: WebClient, user_id: str) -> None:
        """Opened: drawn now, with each chaired board summarised afresh."""
        _publish(client, user_id, home_view(self.homes.home(PLATFORM, user_id)))

    def publish_all(self, client: WebClient, users: set[str], replies: list[object]) -> None:
        """Everyone a burst of changes touched, from one batch read of their Homes."""
        everyone = sorted(users | self.homes.watchers(PLATFORM, replies))
        homes = self.homes.homes(PLATFORM, everyone)
        for user in everyone:
            _publish(client, user, home_view(homes.get(user)))


def _publish(client: WebClient, user_id: str, view: dict[str, Any]) -> None:
    """A stale Home is not worth failing an update over: a refusal is logged, not raised."""
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as failure:
        log.warning("views.publish for %s refused: %s", user_id, failure.response.get("error"))
