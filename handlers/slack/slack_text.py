"""Slack's message text made plain, once, at the Slack edge.

Slack escapes `&`, `<` and `>` and wraps mentions, channels and links in `<…>`. Read as it
comes, "R&D" would be stored as "R&amp;D" (and shown back so, once escaped again), and a
mention would be an id no chair recognises. The core only ever sees plain words; the outgoing
rendering (handlers/slack/blocks.py) escapes again on the way out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# A token or one of the three entities, in one pass: what a replacement produces is never read
# again, so "&amp;lt;" becomes "&lt;" and never "<".
_SLACK_MARKUP = re.compile(r"<([^<>]*)>|&(amp|lt|gt);")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_BROADCASTS = frozenset({"here", "channel", "everyone"})
_MAX_DEPTH = 8  # rich_text nests sections in lists in quotes; no real message goes deeper


def decode(text: str) -> str:
    """Slack's `text` as the person typed and saw it.

    Run exactly once, on the text as Slack sent it: decoding twice would turn a typed
    "&lt;" into "<", and the ids a caller needs (`<@U123>`) must be read before this.
    """
    return _SLACK_MARKUP.sub(_plain, text)


def rich_text_as_slack_text(blocks: Iterable[object]) -> str:
    """The words of rich_text blocks, written the way Slack writes `text`.

    Some events carry the message only in blocks. Putting them in Slack's own text form lets
    them take the same road as `text` (leading mention stripped, then `decode` once), so both
    arrive identical. Anything not shaped as Slack documents is skipped, never raised.
    """
    return "\n".join(
        written
        for block in blocks
        if isinstance(block, Mapping) and block.get("type") == "rich_text"
        if (written := _elements(block.get("elements"), 0).rstrip("\n"))
    )


# -- decoding --------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _plain(match: re.Match[str]) -> str:
    if match.group(2) is not None:
        return _ENTITIES[match.group(2)]
    target, _, label = match.group(1).partition("|")
    return _token(_unescape(target), _unescape(label))


def _token(target: str, label: str) -> str:
    """A mention keeps its id when Slack gave no name: it is still someone, if unnamed."""
    if target.startswith("@"):
        return f"@{label}" if label else target
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        return _special(target[1:], label)
    if label:
        return label
    return target.removeprefix("mailto:")


def _special(command: str, label: str) -> str:
    """`<!here>`, `<!subteam^S123|@team>`, `<!date^…|fallback>`: what a reader saw there."""
    name, _, rest = command.partition("^")
    if name in _BROADCASTS:
        return f"@{name}"
    if label:
        return label
    if name == "subteam" and rest:
        return f"@{rest.partition('^')[0]}"
    return command


# -- rich text -------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _elements(elements: object, depth: int) -> str:
    if not isinstance(elements, list) or depth > _MAX_DEPTH:
        return ""
    return "".join(_element(e, depth) for e in elements if isinstance(e, Mapping))


def _element(element: Mapping[str, Any], depth: int) -> str:
    kind = element.get("type")
    if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
        return _line(_elements(element.get("elements"), depth + 1))
    if kind == "rich_text_list":
        items = element.get("elements")
        listed = items if isinstance(items, list) else []
        return "".join(_line(_elements([item], depth + 1)) for item in listed)
    return _inline(element)


def _line(text: str) -> str:
    """Blocks of a message sit on their own lines, as Slack's own `text` puts them."""
    return text if not text or text.endswith("\n") else text + "\n"


def _inline(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    if kind == "text":
        return _escape(_str(element, "text"))
    if kind == "link":
        url = _escape(_str(element, "url")).replace("|", "%7C")
        label = _escape(_str(element, "text"))
        return f"<{url}|{label}>" if label else f"<{url}>"
    if kind in ("user", "channel", "usergroup", "broadcast"):
        return _mention(kind, element)
    if kind == "emoji":
        return _emoji(element)
    if kind == "date":
        return _escape(_str(element, "fallback"))
    return ""


def _mention(kind: str, element: Mapping[str, Any]) -> str:
    """Rich text names who was mentioned by id only; the id is kept, as in `<@U123>`."""
    if kind == "user":
        return f"<@{_id(element, 'user_id')}>"
    if kind == "channel":
        return f"<#{_id(element, 'channel_id')}>"
    if kind == "usergroup":
        return f"<!subteam^{_id(element, 'usergroup_id')}>"
    return f"<!{_id(element, 'range')}>"


def _emoji(element: Mapping[str, Any]) -> str:
    """The character itself when Slack says which, so ":thumbsup:" reads as 👍."""
    name = _str(element, "name")
    shown = f":{_escape(name)}:" if name else ""
    points = _str(element, "unicode").split("-")
    try:
        characters = "".join(chr(int(point, 16)) for point in points)
    except (ValueError, OverflowError):
        return shown
    if any(0xD800 <= ord(c) <= 0xDFFF for c in characters):
        return shown
    return _escape(characters)


def _str(element: Mapping[str, Any], key: str) -> str:
    value = element.get(key)
    return value if isinstance(value, str) else ""


def _id(element: Mapping[str, Any], key: str) -> str:
    """An id goes inside `<…>`: nothing in it may end the token or start a label."""
    return re.sub(r"[<>|&\s]", "", _str(element, key))
