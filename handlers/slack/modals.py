"""The update form ("Change date", "Add update") as a Slack modal, and reading it back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.plan import ActionView
from bot.domain.rag import Rag
from handlers.slack.blocks import Block, clip, escape
from handlers.taps import AdminOp, AdminRequest

UPDATE_FORM = "tap_update_form"
RAG_BLOCK, RAG_INPUT = "rag", "rag_select"
DATE_BLOCK, DATE_INPUT = "review_date", "date_pick"
TEXT_BLOCK, TEXT_INPUT = "words", "words_input"
TITLE_CHARS = 24
LABEL_CHARS = 2000
_RAGS = (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.COMPLETE, Rag.NOT_STARTED)


@dataclass(frozen=True)
class FormOrigin:
    """Where the form was opened from, so the answer lands there and that message is updated."""

    action_id: int
    channel: str | None
    message_ts: str | None

    def encode(self) -> str:
        return json.dumps({"a": self.action_id, "c": self.channel, "m": self.message_ts})

    @classmethod
    def decode(cls, text: str) -> FormOrigin:
        raw = json.loads(text)
        return cls(int(raw["a"]), raw.get("c"), raw.get("m"))


@dataclass(frozen=True)
class FormAnswer:
    rag: Rag | None
    new_date: date | None
    text: str

    @property
    def is_empty(self) -> bool:
        return self.rag is None and self.new_date is None and not self.text.strip()


def update_form(action: ActionView, origin: FormOrigin, *, focus_date: bool) -> Block:
    """RAG, review date and words, all optional; "Change date" starts at today's date."""
    date_input: Block = {"type": "datepicker", "action_id": DATE_INPUT}
    if action.review_date is not None:
        date_input["initial_date"] = action.review_date.isoformat()
    words: Block = {"type": "plain_text_input", "action_id": TEXT_INPUT, "multiline": True}
    words["max_length"] = 2000
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
        "private_metadata": origin.encode(),
        "title": _text(clip(f"Update {action.ref}", TITLE_CHARS)),
        "submit": _text("Save"),
        "close": _text("Cancel"),
        "blocks": blocks,
    }


def read_form(view: dict[str, Any]) -> tuple[FormOrigin, FormAnswer]:
    """view.state.values as Slack sends it in view_submission."""
    values = view.get("state", {}).get("values", {})
    selected = (values.get(RAG_BLOCK, {}).get(RAG_INPUT) or {}).get("selected_option")
    picked = (values.get(DATE_BLOCK, {}).get(DATE_INPUT) or {}).get("selected_date")
    words = (values.get(TEXT_BLOCK, {}).get(TEXT_INPUT) or {}).get("value") or ""
    answer = FormAnswer(
        rag=Rag(selected["value"]) if selected else None,
        new_date=date.fromisoformat(picked) if picked else None,
        text=words,
    )
    return FormOrigin.decode(view.get("private_metadata") or "{}"), answer


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
_ADMIN_FIELDS = ("board", "op", "ref", "title", "owners", "day", "text", "position")


def admin_form(boards: Sequence[str]) -> Block:
    """Every field of every operation on one form, so it opens at once from any trigger."""
    board_options = [{"text": _text(clip(name, 75)), "value": name[:150]} for name in boards]
    board_select: Block = {"type": "static_select", "action_id": "board", "options": board_options}
    board_select["initial_option"] = board_options[0]
    op_options = [{"text": _text(label), "value": op.value} for op, label in _ADMIN_OPS]
    ref = {"type": "plain_text_input", "action_id": "ref", "max_length": 32}
    title = {"type": "plain_text_input", "action_id": "title", "max_length": 500}
    owners = {"type": "multi_users_select", "action_id": "owners", "max_selected_items": 10}
    words = {"type": "plain_text_input", "action_id": "text", "max_length": 500}
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


def read_admin_form(view: dict[str, Any]) -> AdminRequest | None:
    """None when no operation or board was chosen (Slack itself requires both)."""
    values = view.get("state", {}).get("values", {})
    raw = {name: (values.get(name, {}).get(name) or {}) for name in _ADMIN_FIELDS}
    op = (raw["op"].get("selected_option") or {}).get("value")
    board = (raw["board"].get("selected_option") or {}).get("value")
    if not op or not board:
        return None
    day = raw["day"].get("selected_date")
    position = raw["position"].get("value")
    return AdminRequest(
        op=AdminOp(op),
        board_name=board,
        ref=raw["ref"].get("value") or "",
        title=raw["title"].get("value") or "",
        owner_ids=tuple(raw["owners"].get("selected_users") or ()),
        day=date.fromisoformat(day) if day else None,
        text=raw["text"].get("value") or "",
        position=int(position) if position and position.isdigit() else None,
    )
