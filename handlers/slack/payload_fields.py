"""The checks every Slack payload field passes: types, lengths, id shapes, numbers and dates.

Kept apart from the payload shapes (payloads.py) so each shape reads as the fields it has;
every check here raises `BadPayload(reason)`, and no reason ever quotes what Slack sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from bot.domain.rag import Rag

ID_CHARS = 64
TEXT_CHARS = 40_000
ACTION_ID_CHARS = 255  # Slack's limit on a block element's action_id
VALUE_CHARS = 2000  # Slack's limit on a button's value
METADATA_CHARS = 3000  # Slack's limit on a view's private_metadata
URL_CHARS = 1000
MAX_BLOCKS = 50  # Slack's limit on blocks in a message
MAX_FORM_BLOCKS = 100  # Slack's limit on blocks in a modal
MAX_NUMBER = 2**31 - 1

_SLACK_ID = re.compile(r"[A-Z0-9][A-Z0-9_]{0,63}")
_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{1,63}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")
_TOKEN = re.compile(r"[A-Za-z0-9_.\-:]{1,64}")  # trigger ids, view hashes, event ids
_NUMBER = re.compile(r"[1-9][0-9]{0,9}")  # 1..9_999_999_999; bounded again after int()
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadPayload(Exception):  # noqa: N818 - the name the handlers and tests speak
    """A payload that isn't one we sent or Slack documents; `reason` never quotes the body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- values ----------------------------------------------------------------------------------


def parse_number(text: str, what: str) -> int:
    """A whole number in 1..2**31-1 from its decimal digits; never a huge int, sign or float."""
    if not (isinstance(text, str) and _NUMBER.fullmatch(text)):
        raise BadPayload(f"{what} is not a whole number in range")
    number = int(text)  # at most ten digits, by the pattern
    if number > MAX_NUMBER:
        raise BadPayload(f"{what} is not a whole number in range")
    return number


def parse_rag(text: str, allowed: Sequence[Rag]) -> Rag:
    for rag in allowed:
        if text == rag.value:
            return rag
    raise BadPayload("not a RAG this button offers")


def parse_date(text: str) -> date:
    if not _ISO_DATE.fullmatch(text):
        raise BadPayload("date is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadPayload("date is not a real day") from None


def is_channel_id(text: object) -> bool:
    return isinstance(text, str) and _CHANNEL_ID.fullmatch(text) is not None


def is_ts(text: object) -> bool:
    return isinstance(text, str) and _TS.fullmatch(text) is not None


def is_slack_id(text: object) -> bool:
    return isinstance(text, str) and _SLACK_ID.fullmatch(text) is not None


# -- field checks ----------------------------------------------------------------------------


def require_object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BadPayload(f"{what} is not an object")
    return value


def optional_object(raw: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = raw.get(key)
    return None if value is None else require_object(value, key)


def require_text(raw: Mapping[str, Any], key: str, limit: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise BadPayload(f"{key} is missing or not text")
    if len(value) > limit:
        raise BadPayload(f"{key} is longer than {limit} characters")
    return value


def optional_text(raw: Mapping[str, Any], key: str, limit: int) -> str | None:
    return None if raw.get(key) is None else require_text(raw, key, limit)


def require_match(raw: Mapping[str, Any], key: str, pattern: re.Pattern[str], what: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise BadPayload(f"{key} is missing or not {what}")
    return value


def require_slack_id(raw: Mapping[str, Any], key: str) -> str:
    return require_match(raw, key, _SLACK_ID, "a Slack id")


def require_channel(raw: Mapping[str, Any], key: str) -> str:
    return require_match(raw, key, _CHANNEL_ID, "a Slack channel id")


def require_ts(raw: Mapping[str, Any], key: str) -> str:
    return require_match(raw, key, _TS, "a message timestamp")


def require_token(raw: Mapping[str, Any], key: str) -> str:
    return require_match(raw, key, _TOKEN, "a Slack token")


def optional_field(
    raw: Mapping[str, Any], key: str, check: Callable[[Mapping[str, Any], str], str]
) -> str | None:
    return None if raw.get(key) is None else check(raw, key)


def checked_blocks(value: object) -> tuple[dict[str, Any], ...] | None:
    """A message's blocks, as far as settling it reads them: objects with a type."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_BLOCKS:
        raise BadPayload("message blocks are not a short list")
    for block in value:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise BadPayload("a message block is malformed")
        elements = block.get("elements")
        if elements is not None and not (
            isinstance(elements, list) and all(isinstance(e, dict) for e in elements)
        ):
            raise BadPayload("a message block's elements are malformed")
    return tuple(value)


def checked_state_values(value: object) -> dict[str, dict[str, dict[str, Any]]]:
    """view.state.values: block id → action id → the element's state, all objects."""
    if value is None:
        return {}
    raw = require_object(value, "state values")
    if len(raw) > MAX_FORM_BLOCKS:
        raise BadPayload("the form has too many blocks")
    checked: dict[str, dict[str, dict[str, Any]]] = {}
    for block_id, elements in raw.items():
        inputs = require_object(elements, "a form block")
        if len(block_id) > ACTION_ID_CHARS or len(inputs) > MAX_FORM_BLOCKS:
            raise BadPayload("a form block is malformed")
        checked[block_id] = {}
        for action_id, state in inputs.items():
            if len(action_id) > ACTION_ID_CHARS:
                raise BadPayload("a form input is malformed")
            checked[block_id][action_id] = dict(require_object(state, "a form input"))
    return checked
