"""Button presses and form submissions: Slack's payload in, a tap handler call, replies out."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.rag import Rag
from bot.domain.replies import PlanChanged, Reply, UpdateRecorded, UpdateUndone
from handlers.conversation import Conversation
from handlers.slack.blocks import (
    OPEN_ADMIN,
    SNOOZE_DAYS,
    TAP_ADD_UPDATE,
    TAP_CHANGE,
    TAP_RAG,
    TAP_SNOOZE,
    TAP_UNDO,
    answered,
    fallback_text,
    render_blocks,
)
from handlers.slack.modals import (
    ADMIN_FORM,
    TEXT_BLOCK,
    UPDATE_FORM,
    FormOrigin,
    admin_form,
    read_admin_form,
    read_form,
    update_form,
)
from handlers.taps import Tap, TapHandlers

log = logging.getLogger(__name__)
PLATFORM = "slack"
EMPTY_FORM = "Choose a RAG, pick a date or write an update — or press Cancel."


# Redraws the Home of everyone a change touches (the person, owners, chairs).
Refresh = Callable[[WebClient, str, Sequence[object]], None]
Administers = Callable[[str], tuple[str, ...]]


def register(app: App, taps: TapHandlers, refresh: Refresh, admin: AdminListeners) -> None:
    """Routes presses by the action_ids blocks.py gives the buttons."""
    listeners = TapListeners(taps, refresh)
    app.action(OPEN_ADMIN)(admin.open_from_home)
    app.view(ADMIN_FORM)(admin.submit)
    app.action(re.compile(f"^{TAP_RAG}"))(listeners.rag)
    app.action(TAP_SNOOZE)(listeners.snooze)
    app.action(TAP_UNDO)(listeners.undo)
    app.action(re.compile(f"^({TAP_CHANGE}|{TAP_ADD_UPDATE})$"))(listeners.open_form)
    app.view(UPDATE_FORM)(listeners.submit_form)


class TapListeners:
    """Thin: ack at once, call the core, post what it says, and settle the pressed message."""

    def __init__(self, taps: TapHandlers, refresh: Refresh) -> None:
        self.taps = taps
        self.refresh = refresh

    def rag(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pressed = body["actions"][0]
        rag = Rag(pressed["action_id"].removeprefix(TAP_RAG))
        replies = self.taps.set_rag(_tap(body), int(pressed["value"]), rag)
        self._answer(client, body, replies)

    def snooze(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        action_id = int(body["actions"][0]["value"])
        self._answer(client, body, self.taps.snooze(_tap(body), action_id, days=SNOOZE_DAYS))

    def undo(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        update_id = int(body["actions"][0]["value"])
        self._answer(client, body, self.taps.undo(_tap(body), update_id))

    def open_form(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """The trigger_id lives three seconds: open the modal straight after the ack."""
        ack()
        pressed = body["actions"][0]
        action = self.taps.describe(int(pressed["value"]))
        if action is None:
            return
        channel, message_ts = _where(body)
        origin = FormOrigin(action.id, channel, message_ts)
        view = update_form(action, origin, focus_date=pressed["action_id"] == TAP_CHANGE)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def submit_form(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """An empty form is sent back with a note; otherwise it closes and the answer is posted."""
        origin, answer = read_form(view)
        if answer.is_empty:
            ack(response_action="errors", errors={TEXT_BLOCK: EMPTY_FORM})
            return
        ack()
        user = body["user"]["id"]
        channel = origin.channel or user
        conversation = Conversation(PLATFORM, user, channel, origin.message_ts, _is_dm(channel))
        tap = Tap(conversation, f"view:{view['id']}:{user}")
        replies = self.taps.change(
            tap, origin.action_id, rag=answer.rag, new_date=answer.new_date, text=answer.text
        )
        _post(client, channel, origin.message_ts, replies)
        if origin.channel and origin.message_ts:
            settle(client, origin.channel, origin.message_ts, None, replies)
        if changed(replies):
            self.refresh(client, user, replies)

    def _answer(self, client: WebClient, body: dict[str, Any], replies: list[Reply]) -> None:
        """Post the replies, settle the pressed message, and redraw the presser's Home."""
        user = body["user"]["id"]
        channel, message_ts = _where(body)
        _post(client, channel or user, _thread(body), replies)
        if channel and message_ts:
            blocks = (body.get("message") or {}).get("blocks")
            settle(client, channel, message_ts, blocks, replies)
        if changed(replies):
            self.refresh(client, user, replies)


class AdminListeners:
    """The plan admin form: opened from the Home tab or `/rag admin`, for chairs and admins."""

    def __init__(self, taps: TapHandlers, refresh: Refresh, administers: Administers) -> None:
        self.taps = taps
        self.refresh = refresh
        self.administers = administers

    def open_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self.open(client, body["user"]["id"], body["trigger_id"])

    def open(self, client: WebClient, user: str, trigger_id: str) -> bool:
        """False when the person administers no board: the caller says so."""
        boards = self.administers(user)
        if not boards:
            return False
        client.views_open(trigger_id=trigger_id, view=admin_form(boards))
        return True

    def submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        request = read_admin_form(view)
        if request is None:
            ack(response_action="errors", errors={"op": "Choose what to do."})
            return
        ack()
        user = body["user"]["id"]
        tap = Tap(Conversation(PLATFORM, user, user), f"view:{view['id']}:{user}")
        replies = self.taps.administer(tap, request)
        _post(client, user, None, replies)
        if any(isinstance(r, PlanChanged) for r in replies):
            self.refresh(client, user, replies)


def changed(replies: list[Reply]) -> bool:
    return any(isinstance(r, UpdateRecorded | UpdateUndone) for r in replies)


def _tap(body: dict[str, Any]) -> Tap:
    """One press per button per message: a retry or a second tap has the same key."""
    user = body["user"]["id"]
    channel, message_ts = _where(body)
    pressed = body["actions"][0]
    surface = message_ts or body.get("view", {}).get("hash") or pressed["action_ts"]
    key = f"{surface}:{user}:{pressed['action_id']}:{pressed.get('value', '')}"
    thread = _thread(body)
    conversation = Conversation(PLATFORM, user, channel or user, thread, _is_dm(channel or "D"))
    return Tap(conversation, key)


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and message the button sat on (none for the App Home)."""
    channel = (body.get("channel") or {}).get("id")
    message = body.get("message") or {}
    return channel, message.get("ts")


def _thread(body: dict[str, Any]) -> str | None:
    """Answers go in the reminder's thread, where typed replies are answered too."""
    message = body.get("message") or {}
    return message.get("thread_ts") or message.get("ts")


def _is_dm(channel: str) -> bool:
    return channel.startswith("D")


def _post(client: WebClient, channel: str, thread: str | None, replies: list[Reply]) -> None:
    for reply in replies:
        text, blocks = fallback_text(reply), render_blocks(reply)
        client.chat_postMessage(channel=channel, thread_ts=thread, text=text, blocks=blocks)


def settle(
    client: WebClient,
    channel: str,
    ts: str,
    blocks: list[dict[str, Any]] | None,
    replies: list[Reply],
) -> None:
    """Edit the answered message to its new state, so it never invites a second answer.

    Only a message with our buttons is touched; without `blocks` it is read back from Slack.
    """
    done = [r for r in replies if isinstance(r, UpdateRecorded | UpdateUndone)]
    if not done:
        return
    try:
        if blocks is None:
            found = client.conversations_history(
                channel=channel, latest=ts, inclusive=True, limit=1
            )
            messages = found.get("messages") or [{}]
            blocks = messages[0].get("blocks") or []
        if not any(b.get("type") == "actions" for b in blocks):
            return
        client.chat_update(
            channel=channel, ts=ts, text=fallback_text(done[0]), blocks=answered(blocks, done[0])
        )
    except SlackApiError as failure:
        # The update is recorded and confirmed; a stale reminder is the lesser harm.
        log.warning("could not settle %s/%s: %s", channel, ts, failure.response.get("error"))
