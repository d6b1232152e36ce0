"""Button presses and form submissions: Slack's payload in, a tap handler call, replies out."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.config import Settings
from bot.domain.rag import Rag
from bot.domain.replies import Notice, PlanChanged, Reply, UpdateRecorded, UpdateUndone
from handlers.application.app import AdminForms
from handlers.application.chat import ChatHandlers
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.application.taps import Tap, TapHandlers
from handlers.slack.blocks import (
    KEEP_VALUE,
    OPEN_ADMIN,
    SNOOZE_DAYS,
    TAP_ADD_UPDATE,
    TAP_CHANGE,
    TAP_KEEP_DATE,
    TAP_PICK_DATE,
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
    form_key,
    read_admin_form,
    read_form,
    update_form,
)
from handlers.slack.payload_fields import BadPayload, parse_date
from handlers.slack.payloads import (
    STALE_BUTTON,
    STALE_FORM,
    ButtonPress,
    ResponseHosts,
    ViewSubmission,
    kind,
    refused,
)
from handlers.slack.replay import is_redelivery

log = logging.getLogger(__name__)
PLATFORM = "slack"
EMPTY_FORM = "Choose a RAG, pick a date or write an update — or press Cancel."
ADMIN_STALE = "This form is out of date or wasn't one of mine — nothing was changed."
# The RAGs the reminder's buttons offer (blocks.py); any other suffix is not one of ours.
TAP_RAGS = (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.COMPLETE)
EVENT_KEY_CHARS = 128  # the conversations table's event_id column


# Redraws the Home of everyone a change touches (the person, owners, chairs).
Refresh = Callable[[WebClient, str, Sequence[object]], None]


@dataclass(frozen=True)
class Edges:
    """What the listeners check payloads with: the form metadata key and Slack's hosts."""

    form_key: bytes
    hosts: ResponseHosts

    @classmethod
    def from_settings(cls, settings: Settings) -> Edges:
        secret = settings.slack_signing_secret
        key = form_key(secret.get_secret_value() if secret else None)
        return cls(key, ResponseHosts.for_api(settings.slack_api_url))


def register(
    app: App,
    taps: TapHandlers,
    refresh: Refresh,
    admin: AdminListeners,
    edges: Edges,
) -> None:
    """Routes presses by the action_ids blocks.py gives the buttons."""
    admin.edges = edges
    listeners = TapListeners(taps, refresh, edges)
    app.action(OPEN_ADMIN)(admin.open_from_home)
    app.view(ADMIN_FORM)(admin.submit)
    app.action(re.compile(f"^{TAP_RAG}"))(listeners.rag)
    app.action(TAP_SNOOZE)(listeners.snooze)
    app.action(TAP_UNDO)(listeners.undo)
    app.action(re.compile(f"^({TAP_CHANGE}|{TAP_ADD_UPDATE})$"))(listeners.open_form)
    app.view(UPDATE_FORM)(listeners.submit_form)


def register_date_answers(
    app: App, chat: ChatHandlers, refresh: Refresh, hosts: ResponseHosts
) -> None:
    """A date question's buttons answer it exactly as typing the date (or "keep") would."""
    answers = DateAnswers(chat, refresh, hosts)
    app.action(re.compile(f"^({TAP_PICK_DATE}\\d{{1,2}}|{TAP_KEEP_DATE})$"))(answers.pick)


class DateAnswers:
    def __init__(self, chat: ChatHandlers, refresh: Refresh, hosts: ResponseHosts) -> None:
        self.chat = chat
        self.refresh = refresh
        self.hosts = hosts

    def pick(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Answers only the open question: a stale button changes nothing and says so."""
        ack()
        try:
            press = ButtonPress.parse(body, hosts=self.hosts)
            keep = press.action_id == TAP_KEEP_DATE
            answer = KEEP_VALUE if keep else parse_date(press.value).isoformat()
        except BadPayload as failure:
            stale_button(self.hosts, body, failure)
            return
        channel = press.channel or press.user_id
        conversation = Conversation(
            PLATFORM, press.user_id, channel, press.thread_ts, _is_dm(channel)
        )
        key = _event_key(press.message_ts or press.action_ts, press.user_id, press.action_id)
        message = IncomingMessage(
            conversation, answer, event_id=key, redelivered=is_redelivery(), answers_question=True
        )
        replies = self.chat.on_message(message)
        _post(client, channel, press.thread_ts, replies)
        if press.channel and press.message_ts:
            blocks = list(press.message_blocks) if press.message_blocks is not None else None
            settle(client, press.channel, press.message_ts, blocks, replies)
        if changed(replies):
            self.refresh(client, press.user_id, replies)


class TapListeners:
    """Thin: ack at once, read the typed payload, call the core, post what it says, and
    settle the pressed message. A payload that isn't one of ours changes nothing."""

    def __init__(self, taps: TapHandlers, refresh: Refresh, edges: Edges) -> None:
        self.taps = taps
        self.refresh = refresh
        self.edges = edges

    def rag(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            press = ButtonPress.parse(body, hosts=self.edges.hosts)
            action_id, rag = press.number, press.rag(TAP_RAG, TAP_RAGS)
        except BadPayload as failure:
            self._stale(client, body, failure)
            return
        self._answer(client, press, self.taps.set_rag(_tap(press), action_id, rag))

    def snooze(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pressed = self._press(client, body)
        if pressed is not None:
            press, action_id = pressed
            replies = self.taps.snooze(_tap(press), action_id, days=SNOOZE_DAYS)
            self._answer(client, press, replies)

    def undo(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pressed = self._press(client, body)
        if pressed is not None:
            press, update_id = pressed
            self._answer(client, press, self.taps.undo(_tap(press), update_id))

    def _press(self, client: WebClient, body: dict[str, Any]) -> tuple[ButtonPress, int] | None:
        """The press and the id it carries; None (answered "out of date") when malformed."""
        try:
            press = ButtonPress.parse(body, hosts=self.edges.hosts)
            return press, press.number
        except BadPayload as failure:
            self._stale(client, body, failure)
            return None

    def open_form(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Only for someone who may change the action: a refusal instead of a form otherwise.

        The trigger_id lives three seconds: the modal opens straight after the check.
        """
        ack()
        try:
            press = ButtonPress.parse(body, hosts=self.edges.hosts)
            action_id = press.number
        except BadPayload as failure:
            self._stale(client, body, failure)
            return
        found = self.taps.form_for(_conversation(press), action_id)
        if isinstance(found, Notice):
            _tell(client, press.response_url, press.user_id, found)
            return
        origin = FormOrigin(found.id, press.channel, press.message_ts, press.user_id)
        view = update_form(
            found, origin, focus_date=press.action_id == TAP_CHANGE, key=self.edges.form_key
        )
        client.views_open(trigger_id=press.trigger_id, view=view)

    def submit_form(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """An empty form is sent back with a note; a forged one is refused in the modal and
        nothing is posted; otherwise it closes and the answer is posted where it was opened."""
        try:
            submission = ViewSubmission.parse(body)
            origin, answer = read_form(submission, self.edges.form_key)
        except BadPayload as failure:
            refused("view_submission", failure)
            ack(response_action="errors", errors={TEXT_BLOCK: STALE_FORM})
            return
        if answer.is_empty:
            ack(response_action="errors", errors={TEXT_BLOCK: EMPTY_FORM})
            return
        ack()
        user = submission.user_id
        channel = origin.channel or user
        conversation = Conversation(PLATFORM, user, channel, origin.message_ts, _is_dm(channel))
        key = _event_key("view", submission.view_id, user)
        tap = Tap(conversation, key, redelivered=is_redelivery())
        replies = self.taps.change(
            tap, origin.action_id, rag=answer.rag, new_date=answer.new_date, text=answer.text
        )
        _post(client, channel, origin.message_ts, replies)
        if origin.channel and origin.message_ts:
            settle(client, origin.channel, origin.message_ts, None, replies)
        if changed(replies):
            self.refresh(client, user, replies)

    def _answer(self, client: WebClient, press: ButtonPress, replies: list[Reply]) -> None:
        """Post the replies, settle the pressed message, and redraw the presser's Home."""
        _post(client, press.channel or press.user_id, press.thread, replies)
        if press.channel and press.message_ts:
            blocks = list(press.message_blocks) if press.message_blocks is not None else None
            settle(client, press.channel, press.message_ts, blocks, replies)
        if changed(replies):
            self.refresh(client, press.user_id, replies)

    def _stale(self, client: WebClient, body: dict[str, Any], failure: BadPayload) -> None:
        stale_button(self.edges.hosts, body, failure)


class AdminListeners:
    """The plan admin form: opened from the Home tab or `/rag admin`, for chairs and admins."""

    def __init__(self, forms: AdminForms, refresh: Refresh) -> None:
        self.forms = forms
        self.refresh = refresh
        self.edges = Edges(form_key(None), ResponseHosts())  # register() sets the app's

    def open_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            press = ButtonPress.parse(body, hosts=self.edges.hosts)
        except BadPayload as failure:
            stale_button(self.edges.hosts, body, failure)
            return
        self.open(client, press.user_id, press.trigger_id)

    def open(self, client: WebClient, user: str, trigger_id: str) -> bool:
        """False when the person administers no board: the caller says so."""
        boards = self.forms.boards_for(PLATFORM, user)
        if not boards:
            return False
        client.views_open(trigger_id=trigger_id, view=admin_form(boards))
        return True

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        try:
            submission = ViewSubmission.parse(body)
            request = read_admin_form(submission)
        except BadPayload as failure:
            refused("view_submission", failure)
            ack(response_action="errors", errors={"op": ADMIN_STALE})
            return
        if request is None:
            ack(response_action="errors", errors={"op": "Choose what to do."})
            return
        ack()
        user = submission.user_id
        key = _event_key("view", submission.view_id, user)
        tap = Tap(Conversation(PLATFORM, user, user), key, redelivered=is_redelivery())
        replies = self.forms.submit(tap, request)
        _post(client, user, None, replies)
        if any(isinstance(r, PlanChanged) for r in replies):
            self.refresh(client, user, replies)


def stale_button(hosts: ResponseHosts, body: object, failure: BadPayload) -> None:
    """Logged once; the presser is told privately, but only on a response_url of Slack's."""
    refused(kind(body), failure)
    url = hosts.find(body)
    if url is not None:
        ephemeral(url, STALE_BUTTON)


def ephemeral(url: str, text: str, blocks: Sequence[dict[str, Any]] | None = None) -> None:
    """A private answer on a response_url the caller has checked (ResponseHosts)."""
    try:
        WebhookClient(url, timeout=10).send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
    except OSError as failure:  # the person misses a note; nothing was changed anyway
        log.warning("could not answer on the response_url: %s", type(failure).__name__)


def _tell(client: WebClient, url: str | None, user: str, reply: Reply) -> None:
    """A refusal shown only to the presser: ephemerally, or in their DM from the App Home."""
    if url is not None:
        ephemeral(url, fallback_text(reply), render_blocks(reply))
        return
    _post(client, user, None, [reply])


def changed(replies: list[Reply]) -> bool:
    return any(isinstance(r, UpdateRecorded | UpdateUndone) for r in replies)


def _tap(press: ButtonPress) -> Tap:
    """One press per button per message: a retry or a second tap has the same key."""
    surface = press.message_ts or press.view_hash or press.action_ts
    return Tap(
        _conversation(press),
        _event_key(surface, press.user_id, press.action_id, str(press.number)),
        redelivered=is_redelivery(),
    )


def _conversation(press: ButtonPress) -> Conversation:
    channel = press.channel or press.user_id
    return Conversation(
        PLATFORM, press.user_id, channel, press.thread, _is_dm(press.channel or "D")
    )


def _event_key(*parts: str) -> str:
    """The parts joined; hashed when that would overflow the column (long ids, long hashes)."""
    key = ":".join(parts)
    if len(key) <= EVENT_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


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
