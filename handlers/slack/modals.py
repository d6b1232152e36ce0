"""The update form ("Change date", "Add update") as a Slack modal, and reading it back.

The form carries where it was opened from (FormOrigin) in its private_metadata, signed with
a key derived from the Slack signing secret: a submission whose origin was forged or edited
is refused, so an answer can only land where the form was really opened.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.plan import ActionView
from bot.domain.rag import Rag
from handlers.application import rules
from handlers.application.taps import AdminOp, AdminRequest
from handlers.slack.blocks import Block, clip, escape
from handlers.slack.payload_fields import (
    METADATA_CHARS,
    BadPayload,
    is_channel_id,
    is_slack_id,
    is_ts,
    parse_number,
    parse_rag,
)
from handlers.slack.payloads import ViewSubmission

UPDATE_FORM = "tap_update_form"
RAG_BLOCK, RAG_INPUT = "rag", "rag_select"
DATE_BLOCK, DATE_INPUT = "review_date", "date_pick"
TEXT_BLOCK, TEXT_INPUT = "words", "words_input"
TITLE_CHARS = 24
LABEL_CHARS = 2000
WORDS_CHARS = 2000  # the words input's max_length: Slack never sends more
_RAGS = (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.COMPLETE, Rag.NOT_STARTED)
_KEY_LABEL = b"actionbot form origin v1"
_MAX_ID = 2**31 - 1


def form_key(signing_secret: str | None) -> bytes:
    """The metadata key, derived from (never equal to) the signing secret.

    Without a secret (a Socket Mode install may have none) a random per-process key is used:
    forms opened before a restart are then refused, and the person opens them again.
    """
    if not signing_secret:
        return secrets.token_bytes(32)
    return hmac.new(signing_secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class FormOrigin:
    """Where the form was opened from, so the answer lands there and that message is updated.

    `user` is who opened it: only they may submit it.
    """

    action_id: int
    channel: str | None
    message_ts: str | None
    user: str = ""

    def encode(self, key: bytes) -> str:
        """Compact JSON, then a dot, then its HMAC-SHA256 (base64url)."""
        raw = {"a": self.action_id, "c": self.channel, "m": self.message_ts, "u": self.user}
        text = json.dumps(raw, separators=(",", ":"), sort_keys=True)
        return f"{text}.{_sign(key, text)}"

    @classmethod
    def decode(cls, signed: str, key: bytes) -> FormOrigin:
        """BadPayload unless the signature matches and every field is what we would write."""
        if len(signed) > METADATA_CHARS or "." not in signed:
            raise BadPayload("form metadata is not signed")
        text, _, signature = signed.rpartition(".")
        try:
            given = base64.urlsafe_b64decode(signature.encode("ascii") + b"==")
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise BadPayload("form metadata signature is malformed") from None
        expected = hmac.new(key, text.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(given, expected):
            raise BadPayload("form metadata signature does not match")
        try:
            raw = json.loads(text)
        except ValueError:
            raise BadPayload("form metadata is not JSON") from None
        if not isinstance(raw, dict) or set(raw) != {"a", "c", "m", "u"}:
            raise BadPayload("form metadata has the wrong fields")
        action_id, channel, message_ts, user = raw["a"], raw["c"], raw["m"], raw["u"]
        if type(action_id) is not int or not 1 <= action_id <= _MAX_ID:
            raise BadPayload("form metadata names no action")
        if channel is not None and not is_channel_id(channel):
            raise BadPayload("form metadata channel is not a Slack channel id")
        if message_ts is not None and not is_ts(message_ts):
            raise BadPayload("form metadata message is not a timestamp")
        if not is_slack_id(user):
            raise BadPayload("form metadata names no user")
        return cls(action_id, channel, message_ts, user)


def _sign(key: bytes, text: str) -> str:
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class FormAnswer:
    rag: Rag | None
    new_date: date | None
    text: str

    @property
    def is_empty(self) -> bool:
        return self.rag is None and self.new_date is None and not self.text.strip()


def update_form(action: ActionView, origin: FormOrigin, *, focus_date: bool, key: bytes) -> Block:
    """RAG, review date and words, all optional; "Change date" starts at today's date."""
    date_input: Block = {"type": "datepicker", "action_id": DATE_INPUT}
    if action.review_date is not None:
        date_input["initial_date"] = action.review_date.isoformat()
    words: Block = {"type": "plain_text_input", "action_id": TEXT_INPUT, "multiline": True}
    words["max_length"] = WORDS_CHARS
    heading = f"*{action.ref} {action.title}* — currently {_label(action.rag)}"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(escape(heading), 3000)}},
        _input(RAG_BLOCK, "RAG", _rag_select()),
        _input(DATE_BLOCK, "Review date", date_input),
        _input(TEXT_BLOCK, "Update", words),
    ]
    if focus_date:
        blocks[1], blocks[2] = blocks[2], blocks[1]
    return {
        "type": "modal",
        "callback_id": UPDATE_FORM,
        "private_metadata": origin.encode(key),
        "title": _text(clip(f"Update {action.ref}", TITLE_CHARS)),
        "submit": _text("Save"),
        "close": _text("Cancel"),
        "blocks": blocks,
    }


def read_form(submission: ViewSubmission, key: bytes) -> tuple[FormOrigin, FormAnswer]:
    """The signed origin and the answer; BadPayload for a forged origin, someone else's form,
    a RAG the form doesn't offer, a day that isn't one, or more words than the input allows."""
    origin = FormOrigin.decode(submission.private_metadata, key)
    if origin.user != submission.user_id:
        raise BadPayload("the form was opened by someone else")
    selected = submission.selected(RAG_BLOCK, RAG_INPUT)
    answer = FormAnswer(
        rag=parse_rag(selected, _RAGS) if selected is not None else None,
        new_date=submission.picked_date(DATE_BLOCK, DATE_INPUT),
        text=submission.typed(TEXT_BLOCK, TEXT_INPUT, WORDS_CHARS),
    )
    return origin, answer


def _rag_select() -> Block:
    options = [{"text": _text(rag.label), "value": rag.value} for rag in _RAGS]
    return {"type": "static_select", "action_id": RAG_INPUT, "options": options}


def _input(block_id: str, label: str, element: Block, *, optional: bool = True) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _text(clip(label, LABEL_CHARS)),
        "element": element,
    }


def _text(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _label(rag: Rag | None) -> str:
    return rag.label if rag is not None else "no RAG"


# -- the plan admin form (/rag admin, or the Home tab's "Plan admin" button) ------------------

ADMIN_FORM = "admin_form"
_ADMIN_OPS = (
    (AdminOp.ADD_ACTION, "Add an action"),
    (AdminOp.CHANGE_OWNERS, "Change an action's owners"),
    (AdminOp.CHANGE_DATE, "Change an action's review date"),
    (AdminOp.ADD_MILESTONE, "Add a milestone"),
    (AdminOp.TICK_MILESTONE, "Tick a milestone"),
)
# The inputs allow what the shared rules accept (handlers/application/rules.py); Slack's own
# limits are an option value's 150 characters and the people picker's size.
_BOARD_VALUE_CHARS, _MAX_OWNERS = 150, 10
_REF_CHARS, _TITLE_CHARS, _WORDS_CHARS = rules.REF_CHARS, rules.TITLE_CHARS, rules.MILESTONE_CHARS


def admin_form(boards: Sequence[str]) -> Block:
    """Every field of every operation on one form, so it opens at once from any trigger."""
    board_options = [
        {"text": _text(clip(name, 75)), "value": name[:_BOARD_VALUE_CHARS]} for name in boards
    ]
    board_select: Block = {"type": "static_select", "action_id": "board", "options": board_options}
    board_select["initial_option"] = board_options[0]
    op_options = [{"text": _text(label), "value": op.value} for op, label in _ADMIN_OPS]
    ref = {"type": "plain_text_input", "action_id": "ref", "max_length": _REF_CHARS}
    title = {"type": "plain_text_input", "action_id": "title", "max_length": _TITLE_CHARS}
    owners = {
        "type": "multi_users_select",
        "action_id": "owners",
        "max_selected_items": _MAX_OWNERS,
    }
    words = {"type": "plain_text_input", "action_id": "text", "max_length": _WORDS_CHARS}
    number = {"type": "number_input", "action_id": "position", "is_decimal_allowed": False}
    blocks = [
        _input("board", "Board", board_select, optional=False),
        _input(
            "op",
            "What to do",
            {"type": "static_select", "action_id": "op", "options": op_options},
            optional=False,
        ),
        _input("ref", "Action ref (not needed to add one)", ref),
        _input("title", "Title of a new action", title),
        _input("owners", "Owners", owners),
        _input(
            "day",
            "Review date, or the milestone's date",
            {"type": "datepicker", "action_id": "day"},
        ),
        _input("text", "Milestone", words),
        _input("position", "Milestone number to tick", number),
    ]
    return {
        "type": "modal",
        "callback_id": ADMIN_FORM,
        "title": _text("Plan admin"),
        "submit": _text("Save"),
        "close": _text("Cancel"),
        "blocks": blocks,
    }


def read_admin_form(submission: ViewSubmission) -> AdminRequest | None:
    """None when no operation or board was chosen (Slack itself requires both).

    BadPayload for anything the form could not have sent: an unknown operation, a board name,
    ref or words longer than the inputs allow, a day that isn't one, a milestone number out
    of range, more owners than the picker allows.
    """
    op = submission.selected("op", "op")
    board = submission.selected("board", "board")
    if not op or not board:
        return None
    known = {o.value: o for o, _ in _ADMIN_OPS}
    if op not in known or len(board) > _BOARD_VALUE_CHARS:
        raise BadPayload("the admin form names an operation or board it doesn't offer")
    position = submission.typed("position", "position", 12)
    return AdminRequest(
        op=known[op],
        board_name=board,
        ref=submission.typed("ref", "ref", _REF_CHARS),
        title=submission.typed("title", "title", _TITLE_CHARS),
        owner_ids=submission.users("owners", "owners", _MAX_OWNERS),
        day=submission.picked_date("day", "day"),
        text=submission.typed("text", "text", _WORDS_CHARS),
        position=parse_number(position, "milestone number") if position else None,
    )
