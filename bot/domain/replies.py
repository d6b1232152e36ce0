"""What the bot says back to a person, as data. Each platform renders these its own way."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, is_dataclass
from dataclasses import fields as dataclass_fields
from datetime import date
from enum import Enum, StrEnum
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from bot.domain.plan import FieldChange


@dataclass(frozen=True)
class ActionChoice:
    ref: str
    title: str
    board_name: str


@dataclass(frozen=True)
class UpdateRecorded:
    """The confirmation: exactly what was recorded, before → after, and how to undo it."""

    board_name: str
    ref: str
    title: str
    changes: tuple[FieldChange, ...]
    update_id: int
    # The message asked for no change of RAG, date or milestones: its words are the update.
    words_only: bool = False


@dataclass(frozen=True)
class UpdateUndone:
    board_name: str
    ref: str
    title: str
    restored: tuple[FieldChange, ...]


@dataclass(frozen=True)
class PlanChanged:
    """A chair's or admin's change to the plan itself (a new action, owners, milestones).

    Kept in the history like any update, but not undone with a tap: it is corrected the same
    way it was made."""

    board_name: str
    ref: str
    title: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class AskWhichAction:
    """Which action was meant? Only ones the person may change are offered, each with its board.

    Asked when several match (the person owns several and named none, or a ref is on several
    boards), or when the ref is on the board they are on but not theirs to change there."""

    choices: tuple[ActionChoice, ...]
    # The ref written: on the board they are on, but not theirs there; the choices are elsewhere.
    not_theirs_here: str | None = None
    # An answer that picked none of the choices, said back as the question is asked again.
    unmatched: str | None = None


# -- a choice picked by its board's name ("1.7 St Helens") ------------------------------------

_APOSTROPHES = re.compile(r"['’‘`]")
_WORD = re.compile(r"\w+")


def name_words(text: str) -> tuple[str, ...]:
    """Words to compare a reply with a board's name: case, apostrophes and punctuation aside."""
    return tuple(_WORD.findall(_APOSTROPHES.sub("", text.casefold())))


def names_board(words: Sequence[str], board_name: str) -> bool:
    """ "St Helens", "helens", "Worc", "children's improvement": the name read from the start
    of any of its words. No words name no board."""
    if not words:
        return False
    said = " ".join(words)
    name = name_words(board_name)
    return any(" ".join(name[start:]).startswith(said) for start in range(len(name)))


def short_board_name(name: str, others: Sequence[str], *, least: int = 4) -> str:
    """The fewest leading words of `name` no other board answers to, `least` letters at least:
    "St Helens", "Worcestershire". The whole name if nothing shorter is unique."""
    words = name.split()
    rivals = [other for other in others if other != name]
    for count in range(1, len(words) + 1):
        short = " ".join(words[:count])
        said = name_words(short)
        if len(short) >= least and not any(names_board(said, other) for other in rivals):
            return short
    return name


@dataclass(frozen=True)
class AskWhichDate:
    """A doubtful date is asked about, never guessed: why, and the candidates if there are any.

    `milestone` says the date was for that milestone's due date rather than the review date."""

    phrase: str
    options: tuple[date, ...]
    reasons: tuple[str, ...] = ()
    milestone: int | None = None


class NoticeKind(StrEnum):
    INFO = "info"
    HELP = "help"
    REFUSED = "refused"
    NOT_UNDERSTOOD = "not_understood"


@dataclass(frozen=True)
class Notice:
    """A short, kind sentence: help, a refusal, or why nothing changed."""

    kind: NoticeKind
    text: str


Reply = UpdateRecorded | UpdateUndone | PlanChanged | AskWhichAction | AskWhichDate | Notice


# -- kept with the event they answer, so a redelivery is answered again (storage: JSON) ---------

_REPLY_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (UpdateRecorded, UpdateUndone, PlanChanged, AskWhichAction, AskWhichDate, Notice)
}
_KIND = "type"


def encode_replies(replies: Sequence[Reply]) -> str:
    """The replies as JSON text; `decode_replies` gives back equal values."""
    return json.dumps([_encode_reply(reply) for reply in replies], ensure_ascii=False)


def decode_replies(text: str) -> list[Reply]:
    items = json.loads(text)
    if not isinstance(items, list):
        raise ValueError("stored replies are not a list")
    return [_decode_reply(item) for item in items]


def _encode_reply(reply: Reply) -> dict[str, Any]:
    name = type(reply).__name__
    if _REPLY_TYPES.get(name) is not type(reply):
        raise TypeError(f"not a reply: {reply!r}")
    encoded = _encode(reply)
    assert isinstance(encoded, dict)
    return {_KIND: name, **encoded}


def _decode_reply(item: Any) -> Reply:
    if not isinstance(item, dict) or item.get(_KIND) not in _REPLY_TYPES:
        raise ValueError(f"not a stored reply: {item!r}")
    fields = {key: value for key, value in item.items() if key != _KIND}
    decoded: Reply = _decode(_REPLY_TYPES[item[_KIND]], fields)
    return decoded


def _encode(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclass_fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, str | int):  # bool is an int
        return value
    raise TypeError(f"can't keep {type(value).__name__} in a stored reply")


def _decode(hint: Any, value: Any) -> Any:
    """Driven by the dataclasses' own annotations, so a new field needs no codec change."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (UnionType, Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _decode(inner, value)
    if origin is tuple:
        return tuple(_decode(args[0], item) for item in value)
    if isinstance(hint, type) and is_dataclass(hint):
        return _decode_dataclass(hint, value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if hint is date:
        return date.fromisoformat(value)
    if hint in (str, int, bool) and type(value) is hint:
        return value
    raise ValueError(f"stored value {value!r} is not a {hint}")


def _decode_dataclass(hint: type[Any], value: Any) -> Any:
    """A field added since the reply was stored takes its default; an unknown one is refused."""
    hints = get_type_hints(hint)
    names = {f.name for f in dataclass_fields(hint)}
    required = {f.name for f in dataclass_fields(hint) if f.default is MISSING}
    if not isinstance(value, dict) or not required <= set(value) <= names:
        raise ValueError(f"stored {hint.__name__} has fields {sorted(value)}")
    return hint(**{name: _decode(hints[name], item) for name, item in value.items()})
