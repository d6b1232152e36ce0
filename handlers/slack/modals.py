"""The update form ("Change date", "Add update") as a Slack modal, and reading it back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.plan import ActionView
from bot.domain.rag import Rag
from handlers.slack.blocks import Block, clip, escape

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


def _input(block_id: str, label: str, element: Block) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": _text(clip(label, LABEL_CHARS)),
        "element": element,
    }


def _text(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _label(rag: Rag | None) -> str:
    return rag.label if rag is not None else "no RAG"
